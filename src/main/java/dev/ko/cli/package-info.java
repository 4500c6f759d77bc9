/**
 * The {@code ko} command line: one class per command, shared flag mixins, and {@link
 * dev.ko.cli.Wiring}, the one place where builders, publishers and their decorators are composed.
 * Only this package prints: references and YAML on stdout, logs on stderr in ko's format.
 */
package dev.ko.cli;
