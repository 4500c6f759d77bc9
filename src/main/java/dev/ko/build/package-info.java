/**
 * Turning Go import paths into images: qualifying and checking import paths with {@code go list},
 * choosing the base image and platforms, running {@code go build} per platform in parallel, and
 * layering the binary and {@code kodata} onto the base exactly as ko does. {@link
 * dev.ko.build.GoToolchain} is the only place that runs {@code go}.
 */
package dev.ko.build;
