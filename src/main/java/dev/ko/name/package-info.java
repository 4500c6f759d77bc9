/**
 * Image names: registries, repositories, tags and digest references, parsed and normalised the way
 * Docker tooling does (Docker Hub's {@code index.docker.io} and implicit {@code library/}). Every
 * value keeps the string it was parsed from, because ko prints references exactly as given.
 */
package dev.ko.name;
