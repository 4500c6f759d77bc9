package dev.ko.oci;

import dev.ko.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}).
 * Opening a directory that has none creates an empty one; appending writes every blob and manifest
 * an artifact needs, then adds its descriptor to {@code index.json}. Blobs are written to a
 * temporary name and renamed, so a reader never sees a half-written blob, and {@code index.json} is
 * replaced atomically.
 */
public final class OciLayout {
  private static final String LAYOUT_FILE = "oci-layout";
  private static final byte[] LAYOUT =
      "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Path root;
  private final Object indexLock = new Object();

  private OciLayout(Path root) {
    this.root = root;
  }

  /** Opens the layout at {@code root}, creating an empty one if the directory has no layout. */
  public static OciLayout openOrCreate(Path root) throws IOException {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new IOException(root + " is not a directory");
    }
    OciLayout layout = new OciLayout(root);
    Path index = root.resolve("index.json");
    if (Files.exists(index)) {
      layout.index();
      if (!Files.exists(root.resolve(LAYOUT_FILE))) {
        throw new IOException(
            root + " has an index.json but no oci-layout file: not an OCI image layout");
      }
      return layout;
    }
    Files.createDirectories(root.resolve("blobs").resolve("sha256"));
    layout.replace(root.resolve(LAYOUT_FILE), LAYOUT);
    layout.writeIndex(new IndexManifest(2, MediaType.OCI_INDEX, List.of(), null, null));
    return layout;
  }

  public Path root() {
    return root;
  }

  /** The current {@code index.json}. */
  public IndexManifest index() throws IOException {
    Path index = root.resolve("index.json");
    try {
      return IndexManifest.parse(Files.readAllBytes(index), MediaType.OCI_INDEX);
    } catch (IllegalArgumentException e) {
      throw new IOException(index + " is not a valid OCI index: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the artifact's blobs and manifests and lists it in {@code index.json} (once: appending
   * the same artifact again changes nothing). Blobs are written without holding the lock, so
   * artifacts are copied in parallel: a blob appears under its final name only whole (temporary
   * file, then rename), and two writers of the same blob write the same bytes. Only the
   * read-modify-write of {@code index.json} is serialised.
   */
  public void append(Artifact artifact) throws IOException {
    writeArtifact(artifact);
    Descriptor d = Descriptor.of(artifact.mediaType(), artifact.size(), artifact.digest());
    synchronized (indexLock) {
      IndexManifest index = index();
      if (index.manifests().contains(d)) {
        return;
      }
      List<Descriptor> manifests = new ArrayList<>(index.manifests());
      manifests.add(d);
      writeIndex(
          new IndexManifest(
              index.schemaVersion(),
              index.mediaType(),
              manifests,
              index.annotations(),
              index.subject()));
    }
  }

  private void writeArtifact(Artifact artifact) throws IOException {
    if (artifact instanceof Image image) {
      for (Layer layer : image.layers()) {
        Path blob = blob(layer.digest());
        if (!Files.exists(blob)) {
          AtomicFile.write(blob, AtomicFile.SHARED, out -> VerifiedBlobs.copyLayer(layer, out));
        }
      }
      writeBlob(image.configDescriptor().digest(), image.rawConfig());
    } else if (artifact instanceof ImageIndex index) {
      for (Descriptor d : index.indexManifest().manifests()) {
        writeArtifact(index.child(d));
      }
    }
    writeBlob(artifact.digest(), artifact.rawManifest());
  }

  private void writeBlob(Digest digest, byte[] bytes) throws IOException {
    Path blob = blob(digest);
    if (!Files.exists(blob)) {
      replace(blob, bytes);
    }
  }

  private Path blob(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  private void writeIndex(IndexManifest index) throws IOException {
    replace(root.resolve("index.json"), index.toJson());
  }

  private void replace(Path file, byte[] bytes) throws IOException {
    AtomicFile.write(file, AtomicFile.SHARED, bytes);
  }
}
