/**
 * The registry-backed build cache shared by CI runners: an image whose inputs some runner has built
 * already is taken from the cache repository (its exact bytes, blobs mounted) instead of built
 * again. Above {@code build} and {@code publish}: it decorates a builder and records with a
 * registry publisher.
 */
package dev.ko.buildcache;
