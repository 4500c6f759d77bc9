package dev.ko.publish;

import dev.ko.concurrent.TaskGroup;
import dev.ko.io.AtomicFile;
import dev.ko.oci.Artifact;
import dev.ko.oci.Descriptor;
import dev.ko.oci.ImageIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code --image-refs FILE}: every reference published, one per line: an image's reference as
 * returned; for an index, {@code <repository>@<digest>} of the index and of each child, as ko
 * records them. The file is written when the run succeeds (ko writes as it goes, leaving a partial
 * list behind a failure).
 */
public final class RecordingPublisher implements Publisher {
  private final Publisher inner;
  private final Path file;
  private final List<String> lines = new ArrayList<>();

  public RecordingPublisher(Publisher inner, Path file) {
    this.inner = inner;
    this.file = file;
  }

  @Override
  public CompletableFuture<String> publish(Artifact artifact, String reference, TaskGroup tasks) {
    return inner.publish(artifact, reference, tasks).thenApply(result -> record(artifact, result));
  }

  private String record(Artifact artifact, String result) {
    List<String> mine = new ArrayList<>();
    if (artifact instanceof ImageIndex index) {
      String repo = References.repositoryOf(result);
      mine.add(repo + "@" + index.digest());
      for (Descriptor d : index.indexManifest().manifests()) {
        mine.add(repo + "@" + d.digest());
      }
    } else {
      mine.add(result);
    }
    synchronized (lines) {
      lines.addAll(mine);
    }
    return result;
  }

  @Override
  public void close() throws IOException {
    inner.close();
    StringBuilder text = new StringBuilder();
    synchronized (lines) {
      lines.forEach(l -> text.append(l).append('\n'));
    }
    try {
      AtomicFile.write(file, AtomicFile.SHARED, text.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IOException("writing image references to " + file + ": " + e.getMessage(), e);
    }
  }
}
