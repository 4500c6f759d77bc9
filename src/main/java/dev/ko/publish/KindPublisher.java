package dev.ko.publish;

import dev.ko.log.Log;
import dev.ko.name.ImportPath;
import dev.ko.oci.Artifact;
import dev.ko.oci.DockerArchive;
import dev.ko.oci.Image;
import dev.ko.oci.Platform;
import dev.ko.process.ExternalCommand;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code KO_DOCKER_REPO=kind.local}: loads the image into every node of the kind cluster {@code
 * $KIND_CLUSTER_NAME} (default {@code kind}) with the commands kind itself uses: the nodes are the
 * cluster's containers ({@code docker ps} by kind's labels, the external load balancer left out);
 * each gets {@code ctr --namespace=k8s.io images import --all-platforms -} with a {@code docker
 * save} archive on stdin, then {@code ctr --namespace=k8s.io images tag --force} per tag, through
 * {@code docker exec --privileged}.
 */
public final class KindPublisher implements Publisher {
  static final String CLUSTER_LABEL = "io.x-k8s.kind.cluster";
  static final String ROLE_LABEL = "io.x-k8s.kind.role";
  private static final String LOAD_BALANCER_ROLE = "external-load-balancer";

  private final ExternalCommand docker;
  private final String cluster;
  private final String base;
  private final Namer namer;
  private final List<String> tags;
  private final Platform platform;
  private final Log log;

  public KindPublisher(ExternalCommand docker, String cluster, String base, Namer namer, List<String> tags, String goos,
      String goarch, Log log) {
    this.docker = docker;
    this.cluster = cluster.isEmpty() ? "kind" : cluster;
    this.base = base;
    this.namer = namer;
    this.tags = List.copyOf(tags);
    this.platform = LocalImages.target(goos, goarch);
    this.log = log;
  }

  @Override
  public String publish(Artifact artifact, String reference) throws IOException {
    String importPath = ImportPath.forRepository(reference);
    String name = namer.name(base, importPath);
    Image image = LocalImages.forPlatform(artifact, platform, importPath);
    String digestTag = name + ":" + image.digest().hex();
    List<String> nodes = nodes();
    log.info("Loading " + digestTag);
    for (String node : nodes) {
      ExternalCommand.Result r = docker.run(
          List.of("exec", "--privileged", "-i", node, "ctr", "--namespace=k8s.io", "images", "import",
              "--all-platforms", "-"),
          stdin -> {
            BufferedOutputStream out = new BufferedOutputStream(stdin, 1 << 16);
            DockerArchive.write(List.of(new DockerArchive.Entry(image, List.of(digestTag))), out);
            out.flush();
          });
      if (r.exit() != 0) {
        throw new IOException("failed to load image to node \"" + node + "\": exit status " + r.exit()
            + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()));
      }
    }
    log.info("Loaded " + digestTag);
    for (String tag : tags) {
      log.info("Adding tag " + tag);
      String target = name + ":" + tag;
      for (String node : nodes) {
        ExternalCommand.Result r = docker.run(
            List.of("exec", "--privileged", node, "ctr", "--namespace=k8s.io", "images", "tag", "--force", digestTag,
                target),
            null);
        if (r.exit() != 0) {
          throw new IOException("failed to tag image on node \"" + node + "\": exit status " + r.exit()
              + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()));
        }
      }
      log.info("Added tag " + tag);
    }
    return digestTag;
  }

  /** The cluster's node containers, without the HA load balancer (kind's "internal nodes"). */
  private List<String> nodes() throws IOException {
    ExternalCommand.Result r = docker.run(List.of("ps", "-a", "--filter", "label=" + CLUSTER_LABEL + "=" + cluster,
        "--format", "{{.Names}}\t{{.Label \"" + ROLE_LABEL + "\"}}"), null);
    if (r.exit() != 0) {
      throw new IOException("listing the nodes of kind cluster \"" + cluster + "\" with " + docker.program()
          + ": exit status " + r.exit() + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()));
    }
    List<String> nodes = new ArrayList<>();
    for (String line : r.output().split("\n")) {
      String[] parts = line.strip().split("\t", 2);
      if (!parts[0].isEmpty() && !(parts.length == 2 && parts[1].strip().equals(LOAD_BALANCER_ROLE))) {
        nodes.add(parts[0]);
      }
    }
    if (nodes.isEmpty()) {
      throw new IOException("no nodes found for cluster \"" + cluster + "\"");
    }
    return nodes;
  }
}
