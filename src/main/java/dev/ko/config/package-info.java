/**
 * Configuration from outside the program, and the one place it is interpreted: the process
 * environment ({@link dev.ko.config.Env}, the only reader of {@code System.getenv}), {@code
 * .ko.yaml}, and the command-line flags as the CLI hands them over ({@link dev.ko.config.Flags}).
 * {@link dev.ko.config.OptionsResolver} decides every option once, flags over {@code KO_*}
 * variables over {@code .ko.yaml} over defaults, checks it, and returns the immutable option
 * records of the packages that consume them ({@code build.BuildOptions}, {@code
 * publish.PublishOptions}); {@link dev.ko.config.EnvironmentOptions} makes the records that come
 * from the environment alone (trust roots, keychain sources, the GitHub token). Only the variables
 * ko documents are read; a stray {@code KO_FLAGS} changes nothing (ko issue #1317).
 */
package dev.ko.config;
