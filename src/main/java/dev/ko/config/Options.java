package dev.ko.config;

import dev.ko.build.BuildOptions;
import dev.ko.publish.PublishOptions;

/** What one build, resolve, apply, create or run command does, fully resolved and checked. */
public record Options(BuildOptions build, PublishOptions publish) {}
