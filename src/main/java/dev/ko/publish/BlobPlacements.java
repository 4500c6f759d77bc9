package dev.ko.publish;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The blobs that one run has put (uploaded, mounted, or found) in each repository, shared by every
 * publish of that run into it: the build cache's entries, the target's images. Each blob is placed
 * in a repository once per run, and every manifest that names it waits for that one placement.
 *
 * <p>Placing a blob again is not harmless: a registry rewrites the repository's link to the blob on
 * every mount or finished upload, and the CNCF distribution registry's filesystem storage does so
 * by truncating the link file and writing it anew. A manifest PUT that reads the link in between
 * finds it empty and is refused with {@code DIGEST_INVALID} (and {@code MANIFEST_BLOB_UNKNOWN}),
 * although the blob is there. So two images of one run that share a layer must not both place it.
 *
 * <p>A failed placement is forgotten (a publish waiting for it fails with it), so a later publish
 * tries on its own. Nothing is kept beyond the run: a blob may be deleted between runs.
 */
public final class BlobPlacements {
  private record Key(String host, String path, Digest digest) {}

  private final ConcurrentMap<Key, CompletableFuture<Void>> placed = new ConcurrentHashMap<>();

  /**
   * The placement of {@code digest} in {@code repo}: the one this run already started, or {@code
   * place}'s, started now.
   */
  CompletableFuture<Void> once(
      Repository repo, Digest digest, Supplier<CompletableFuture<Void>> place) {
    Key key = new Key(repo.registry().host(), repo.path(), digest);
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> earlier = placed.putIfAbsent(key, mine);
    if (earlier != null) {
      return earlier;
    }
    CompletableFuture<Void> started;
    try {
      started = place.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    var unused =
        started.whenComplete(
            (done, e) -> {
              if (e != null) {
                placed.remove(key, mine);
                mine.completeExceptionally(e);
              } else {
                mine.complete(null);
              }
            });
    return mine;
  }
}
