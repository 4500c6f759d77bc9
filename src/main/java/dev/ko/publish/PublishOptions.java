package dev.ko.publish;

import dev.ko.name.Registry;
import dev.ko.name.Repository;
import dev.ko.oci.Platform;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where and how built images are published, decided once from the flags and the environment (by
 * {@code dev.ko.config}) and checked before anything is built.
 *
 * @param repository {@code KO_DOCKER_REPO}, the base of every image name (for the local daemon,
 *     {@code ko.local} when it is unset)
 * @param namer how an import path becomes a name under {@code repository}
 * @param tags the tags, without duplicates, each a valid tag
 * @param tagOnly whether references name the tag instead of the digest
 * @param localPlatform the one platform of an index saved or loaded locally ({@code $GOOS/$GOARCH})
 * @param imageRefs the file the published references are written to ({@code --image-refs})
 */
public record PublishOptions(
    String repository,
    Namer namer,
    List<String> tags,
    boolean tagOnly,
    Platform localPlatform,
    Destination destination,
    Optional<Path> imageRefs) {

  public PublishOptions {
    tags = List.copyOf(tags);
    if (destination instanceof Outputs outputs) {
      if (outputs.push().isPresent()) {
        checkPushTags(tags, tagOnly);
      } else if (outputs.isEmpty() && tags.isEmpty()) {
        throw new IllegalArgumentException("at least one tag is needed (the default is latest)");
      }
    }
  }

  private static void checkPushTags(List<String> tags, boolean tagOnly) {
    if (tags.isEmpty()) {
      throw new IllegalArgumentException("at least one tag is needed to push");
    }
    if (tagOnly) {
      if (tags.size() != 1) {
        throw new IllegalArgumentException(
            "must specify exactly one tag to resolve images into tag-only references");
      }
      if (tags.get(0).equals(References.LATEST)) {
        throw new IllegalArgumentException("latest tag cannot be used in tag-only references");
      }
    }
  }

  /** Where images go: one of the local stores, or any of the outputs. */
  public sealed interface Destination permits Daemon, Kind, Outputs {}

  /** {@code --local} or {@code KO_DOCKER_REPO=ko.local...}: the Docker engine. */
  public record Daemon(DockerHost host) implements Destination {}

  /** {@code KO_DOCKER_REPO=kind.local...}: the nodes of a kind cluster. */
  public record Kind(KindCluster cluster) implements Destination {}

  /**
   * An OCI layout, a tarball and a registry, whichever are asked for, in that order; with none of
   * them, references are computed and nothing is published.
   */
  public record Outputs(Optional<Layout> layout, Optional<Path> tarball, Optional<Push> push)
      implements Destination {
    public boolean isEmpty() {
      return layout.isEmpty() && tarball.isEmpty() && push.isEmpty();
    }
  }

  /**
   * {@code --oci-layout-path}.
   *
   * @param path as given, for messages
   * @param directory resolved against the working directory; not a file
   */
  public record Layout(String path, Path directory) {}

  /**
   * Pushing to the registry of {@code KO_DOCKER_REPO}.
   *
   * @param attachmentRepository where SBOMs go instead of next to their image ({@code
   *     COSIGN_REPOSITORY})
   * @param maxUploads the most blob uploads in flight at once ({@code -j})
   * @param signKey the key file that signs every pushed image and index ({@code --sign-key}, {@code
   *     KO_SIGN_KEY}); none for unsigned
   * @param signKeyPassword the password of an encrypted key: {@code COSIGN_PASSWORD}, else the
   *     first line of the file {@code KO_SIGN_KEY_PASSWORD_FILE} names; never a flag
   * @param referrers how attachments are placed ({@code --referrers})
   */
  public record Push(
      Registry registry,
      boolean insecure,
      Optional<Repository> attachmentRepository,
      int maxUploads,
      Optional<Path> signKey,
      String signKeyPassword,
      Referrers referrers) {
    @Override
    public String toString() {
      // The password stays out of logs and error messages.
      return "Push["
          + registry
          + ", insecure="
          + insecure
          + ", signKey="
          + signKey
          + ", referrers="
          + referrers
          + "]";
    }
  }
}
