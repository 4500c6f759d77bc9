package dev.ko.build;

import java.util.Optional;

/**
 * The {@code GOOS}, {@code GOARCH} and {@code GOARM} ko runs with, each absent when not set. Set to
 * an empty value is not absent: ko uses {@code os.LookupEnv}.
 */
public record GoTarget(Optional<String> goos, Optional<String> goarch, Optional<String> goarm) {}
