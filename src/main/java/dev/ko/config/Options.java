package dev.ko.config;

import dev.ko.build.BuildOptions;
import dev.ko.buildcache.BuildCacheOptions;
import dev.ko.publish.PublishOptions;

/** What one build, resolve, apply, create or run command does, fully resolved and checked. */
public record Options(BuildOptions build, PublishOptions publish, BuildCacheOptions cache) {
  /** Without a build cache. */
  public Options(BuildOptions build, PublishOptions publish) {
    this(build, publish, BuildCacheOptions.NONE);
  }
}
