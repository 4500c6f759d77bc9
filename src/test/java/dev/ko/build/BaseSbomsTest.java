package dev.ko.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ko.concurrent.TaskGroup;
import dev.ko.concurrent.Workers;
import dev.ko.log.Log;
import dev.ko.name.Repository;
import dev.ko.oci.Digest;
import dev.ko.oci.MediaType;
import dev.ko.sbom.BaseSbom;
import dev.ko.sbom.SbomOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Base SBOM look-ups: once per base, never with SBOMs off, a failure is no SBOM. */
class BaseSbomsTest {
  private final ExecutorService executor = Workers.pool(2);
  private final TaskGroup tasks = new TaskGroup(executor);
  private final Repository repo = Repository.parse("registry.local/base");
  private final Digest digest = Digest.of(new byte[] {1});

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void sbomNoneLooksNothingUp() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    BaseSboms sboms =
        new BaseSboms(
            (r, d, t) -> {
              calls.incrementAndGet();
              return Optional.empty();
            },
            SbomOptions.NONE,
            tasks,
            Log.NONE);
    assertThat(sboms.get(repo, digest).get()).isEmpty();
    assertThat(calls).hasValue(0);
  }

  @Test
  void eachBaseIsLookedUpOnceWithOurFormatPreferred() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<List<MediaType>> asked = new ArrayList<>();
    byte[] doc = "{\"bomFormat\":\"CycloneDX\"}".getBytes(StandardCharsets.UTF_8);
    BaseSboms sboms =
        new BaseSboms(
            (r, d, t) -> {
              calls.incrementAndGet();
              synchronized (asked) {
                asked.add(t);
              }
              return BaseSbom.of(t.get(0), doc, r.name() + "@" + d);
            },
            SbomOptions.fromFlags("cyclonedx", "", "v"),
            tasks,
            Log.NONE);
    Optional<BaseSbom> first = sboms.get(repo, digest).get();
    assertThat(sboms.get(repo, digest).get()).isEqualTo(first);
    assertThat(first).isPresent();
    assertThat(calls).hasValue(1);
    assertThat(asked.get(0).get(0).value()).isEqualTo("application/vnd.cyclonedx+json");
  }

  @Test
  void aFailingLookupMeansNoSbomAndIsOnlyADebugLine() throws Exception {
    List<String> debug = new ArrayList<>();
    List<String> info = new ArrayList<>();
    Log log =
        new Log() {
          @Override
          public void info(String message) {
            info.add(message);
          }

          @Override
          public void debug(String message) {
            debug.add(message);
          }
        };
    BaseSboms sboms =
        new BaseSboms(
            (r, d, t) -> {
              throw new IOException("401 UNAUTHORIZED");
            },
            SbomOptions.fromFlags("spdx", "", "v"),
            tasks,
            log);
    assertThat(sboms.get(repo, digest).get()).isEmpty();
    assertThat(info).isEmpty();
    assertThat(debug).singleElement().asString().contains("401 UNAUTHORIZED");
  }
}
