package dev.ko.publish;

import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
import dev.ko.process.ExternalCommand;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code KO_DOCKER_REPO=kind.local}: the nodes of the kind cluster {@code $KIND_CLUSTER_NAME}
 * (default {@code kind}), reached with the commands kind itself uses: the nodes are the cluster's
 * containers ({@code docker ps} by kind's labels, the external load balancer left out); each gets
 * {@code ctr --namespace=k8s.io images import --all-platforms -} with a {@code docker save} archive
 * on stdin, then {@code ctr --namespace=k8s.io images tag --force} per tag, through {@code docker
 * exec --privileged}.
 */
public final class KindNodes implements LocalPublisher.Store {
  static final String CLUSTER_LABEL = "io.x-k8s.kind.cluster";
  static final String ROLE_LABEL = "io.x-k8s.kind.role";
  private static final String LOAD_BALANCER_ROLE = "external-load-balancer";

  private final ExternalCommand docker;
  private final String cluster;
  private List<String> nodes;

  public KindNodes(ExternalCommand docker, String cluster) {
    this.docker = docker;
    this.cluster = cluster.isEmpty() ? "kind" : cluster;
  }

  @Override
  public void load(Image image, String reference) throws IOException {
    for (String node : nodes()) {
      ExternalCommand.Result r =
          docker.run(
              List.of(
                  "exec",
                  "--privileged",
                  "-i",
                  node,
                  "ctr",
                  "--namespace=k8s.io",
                  "images",
                  "import",
                  "--all-platforms",
                  "-"),
              stdin -> {
                BufferedOutputStream out = new BufferedOutputStream(stdin, 1 << 16);
                DockerArchive.write(
                    List.of(new DockerArchive.Entry(image, List.of(reference))), out);
                out.flush();
              });
      check(r, "failed to load image to node \"" + node + "\"");
    }
  }

  @Override
  public void tag(String source, String repository, String tag) throws IOException {
    for (String node : nodes()) {
      ExternalCommand.Result r =
          docker.run(
              List.of(
                  "exec",
                  "--privileged",
                  node,
                  "ctr",
                  "--namespace=k8s.io",
                  "images",
                  "tag",
                  "--force",
                  source,
                  repository + ":" + tag));
      check(r, "failed to tag image on node \"" + node + "\"");
    }
  }

  /**
   * The cluster's node containers, without the HA load balancer (kind's "internal nodes"), listed
   * once.
   */
  private synchronized List<String> nodes() throws IOException {
    if (nodes != null) {
      return nodes;
    }
    ExternalCommand.Result r =
        docker.run(
            List.of(
                "ps",
                "-a",
                "--filter",
                "label=" + CLUSTER_LABEL + "=" + cluster,
                "--format",
                "{{.Names}}\t{{.Label \"" + ROLE_LABEL + "\"}}"));
    check(r, "listing the nodes of kind cluster \"" + cluster + "\" with " + docker.program());
    List<String> found = new ArrayList<>();
    for (String line : r.output().split("\n", -1)) {
      String[] parts = line.strip().split("\t", 2);
      if (!parts[0].isEmpty()
          && !(parts.length == 2 && parts[1].strip().equals(LOAD_BALANCER_ROLE))) {
        found.add(parts[0]);
      }
    }
    if (found.isEmpty()) {
      throw new IOException("no nodes found for cluster \"" + cluster + "\"");
    }
    nodes = List.copyOf(found);
    return nodes;
  }

  /**
   * Fails with {@code what}, the exit status and the first line the command said, unless it
   * succeeded.
   */
  private static void check(ExternalCommand.Result r, String what) throws IOException {
    if (r.exit() != 0) {
      throw new IOException(
          what
              + ": exit status "
              + r.exit()
              + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()));
    }
  }
}
