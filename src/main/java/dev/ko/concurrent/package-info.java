/**
 * Running I/O work on other threads and getting its exceptions back intact: {@link
 * dev.ko.concurrent.Futures} turns the wrappers of {@code CompletableFuture} back into the {@code
 * IOException} or runtime exception the task threw. Below every other package but {@code log}.
 */
package dev.ko.concurrent;
