package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BlobPlacementsTest {
  private static final Repository CACHE = Repository.parse("registry.example/cache");
  private static final Digest LAYER = Digest.of("layer".getBytes(StandardCharsets.UTF_8));

  private final BlobPlacements placements = new BlobPlacements();
  private final AtomicInteger started = new AtomicInteger();

  private CompletableFuture<Void> place(Repository repo, CompletableFuture<Void> outcome) {
    return placements.once(
        repo,
        LAYER,
        () -> {
          started.incrementAndGet();
          return outcome;
        });
  }

  @Test
  void aSecondPublishWaitsForTheFirstPlacementInsteadOfPlacingTheBlobAgain() {
    CompletableFuture<Void> upload = new CompletableFuture<>();
    CompletableFuture<Void> first = place(CACHE, upload);
    CompletableFuture<Void> second = place(CACHE, CompletableFuture.completedFuture(null));
    assertThat(started).hasValue(1);
    assertThat(second).isNotDone();
    upload.complete(null);
    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    // Done once, it stays done for the run.
    assertThat(place(CACHE, CompletableFuture.completedFuture(null))).isCompleted();
    assertThat(started).hasValue(1);
  }

  @Test
  void eachRepositoryGetsItsOwnPlacement() {
    assertThat(place(CACHE, CompletableFuture.completedFuture(null))).isCompleted();
    assertThat(
            place(
                Repository.parse("registry.example/target"),
                CompletableFuture.completedFuture(null)))
        .isCompleted();
    assertThat(
            place(Repository.parse("other.example/cache"), CompletableFuture.completedFuture(null)))
        .isCompleted();
    assertThat(started).hasValue(3);
  }

  @Test
  void aFailedPlacementFailsItsWaitersAndIsTriedAgainLater() {
    CompletableFuture<Void> upload = new CompletableFuture<>();
    CompletableFuture<Void> first = place(CACHE, upload);
    CompletableFuture<Void> waiting = place(CACHE, CompletableFuture.completedFuture(null));
    upload.completeExceptionally(new IOException("refused"));
    assertThatThrownBy(first::join)
        .isInstanceOf(CompletionException.class)
        .hasMessageContaining("refused");
    assertThatThrownBy(waiting::join).hasMessageContaining("refused");
    CompletableFuture<Void> again = place(CACHE, CompletableFuture.completedFuture(null));
    assertThat(again).isCompleted();
    assertThat(started).hasValue(2);
  }

  @Test
  void aPlacementThatCannotStartFailsAndIsForgotten() {
    CompletableFuture<Void> broken =
        placements.once(
            CACHE,
            LAYER,
            () -> {
              throw new IllegalStateException("shutting down");
            });
    assertThatThrownBy(broken::join).hasMessageContaining("shutting down");
    assertThat(place(CACHE, CompletableFuture.completedFuture(null))).isCompleted();
    assertThat(started).hasValue(1);
  }
}
