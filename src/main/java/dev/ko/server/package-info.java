/**
 * The per-user build server: a long-lived JVM that runs {@code ko} invocations sent by the thin
 * client ({@code src/main/c/ko-client.c}) over a Unix domain socket in a directory only the user
 * can open, so that loaded and compiled code and HTTP connections outlive one command. Each request
 * brings its arguments, working directory, whole environment and standard input, and runs exactly
 * as a fresh process would ({@link dev.ko.cli.Cli#run}); only {@link dev.ko.cli.Warm} is kept
 * between requests.
 */
package dev.ko.server;
