package dev.ko.publish;

import java.util.Map;

/**
 * The kind cluster {@code kind.local} loads images into.
 *
 * @param provider the container engine kind runs on: {@code docker}, or {@code podman}
 * @param name the cluster; empty for kind's default
 * @param environment what the provider's commands run with (passed on, not read)
 */
public record KindCluster(String provider, String name, Map<String, String> environment) {
  public KindCluster {
    environment = Map.copyOf(environment);
  }
}
