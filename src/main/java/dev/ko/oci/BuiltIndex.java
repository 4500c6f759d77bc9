package dev.ko.oci;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** An index assembled in memory from artifacts we hold. */
public record BuiltIndex(
    MediaType mediaType,
    byte[] rawManifest,
    IndexManifest indexManifest,
    Map<Digest, Artifact> children,
    Digest digest)
    implements ImageIndex {

  public static BuiltIndex of(IndexManifest index, List<? extends Artifact> children) {
    byte[] raw = index.toJson();
    Map<Digest, Artifact> byDigest =
        children.stream()
            .collect(
                Collectors.toUnmodifiableMap(Artifact::digest, Function.identity(), (a, b) -> a));
    return new BuiltIndex(index.mediaType(), raw, index, byDigest, Digest.of(raw));
  }

  @Override
  public Artifact child(Descriptor descriptor) throws IOException {
    Artifact a = children.get(descriptor.digest());
    if (a == null) {
      throw new IOException("index has no child " + descriptor.digest());
    }
    return a;
  }
}
