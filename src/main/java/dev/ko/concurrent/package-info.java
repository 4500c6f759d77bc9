/**
 * Running I/O work in parallel, structured: {@link dev.ko.concurrent.TaskGroup} runs tasks on the
 * one bounded executor and stops them together, {@link dev.ko.concurrent.Slots} bounds a kind of
 * work without blocking, and {@link dev.ko.concurrent.Futures} gets the tasks' own exceptions back
 * out. The rule: a pool thread never waits for a queued task or a permit, so any pool size
 * completes. Below every other package.
 */
package dev.ko.concurrent;
