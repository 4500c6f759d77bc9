/**
 * Configuration from outside the program: the process environment ({@link dev.ko.config.Env}, the
 * only reader of {@code System.getenv}) and {@code .ko.yaml}. Only the variables ko documents are
 * read; a stray {@code KO_FLAGS} changes nothing (ko issue #1317).
 */
package dev.ko.config;
