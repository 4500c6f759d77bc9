package dev.ko.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ko.concurrent.TaskGroup;
import dev.ko.log.Log;
import dev.ko.oci.BuiltImage;
import dev.ko.oci.ConfigFile;
import dev.ko.oci.ContainerConfig;
import dev.ko.oci.Descriptor;
import dev.ko.oci.Digest;
import dev.ko.oci.GoTime;
import dev.ko.oci.History;
import dev.ko.oci.Image;
import dev.ko.oci.Layer;
import dev.ko.oci.Manifest;
import dev.ko.oci.MediaType;
import dev.ko.registry.HttpTransport;
import dev.ko.registry.Keychain;
import dev.ko.registry.NetworkSettings;
import dev.ko.registry.RegistryClient;
import dev.ko.registry.TrustStores;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How many blob uploads a publish keeps in flight, seen by an in-process registry stub that holds
 * every upload until the publisher has as many in flight as it may: exactly max(4, -j), not one per
 * blob, however many threads the pool has.
 */
class UploadConcurrencyTest {
  private final ExecutorService executor = Executors.newFixedThreadPool(32);
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger uploads = new AtomicInteger();
  private volatile CountDownLatch full = new CountDownLatch(1);
  private volatile CountDownLatch release = new CountDownLatch(1);
  private volatile int limit;
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    executor.shutdownNow();
    serverThreads.shutdownNow();
  }

  private String startStub() throws IOException {
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.setExecutor(serverThreads);
    server.createContext("/", this::answer);
    server.start();
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void answer(HttpExchange x) throws IOException {
    try (x) {
      x.getRequestBody().readAllBytes();
      String method = x.getRequestMethod();
      String path = x.getRequestURI().getPath();
      if (path.equals("/v2/")) {
        x.sendResponseHeaders(200, -1);
      } else if (method.equals("HEAD")) {
        x.sendResponseHeaders(404, -1);
      } else if (method.equals("POST") && path.endsWith("/blobs/uploads/")) {
        x.getResponseHeaders().add("Location", path + uploads.incrementAndGet());
        x.sendResponseHeaders(202, -1);
      } else if (method.equals("PUT") && path.contains("/blobs/uploads/")) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        if (now == limit) {
          full.countDown();
        }
        try {
          // Held until the test has seen the publisher reach its limit.
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          inFlight.decrementAndGet();
        }
        x.sendResponseHeaders(201, -1);
      } else if (method.equals("PUT") && path.contains("/manifests/")) {
        x.sendResponseHeaders(201, -1);
      } else {
        x.sendResponseHeaders(400, -1);
      }
    }
  }

  @Test
  void atMostMaxOfFourAndJobsUploadsAtOnce() throws Exception {
    String registry = startStub();
    HttpTransport transport =
        new HttpTransport(
            HttpTransport.Engine.valueOf(System.getProperty("ko.test.engine", "URL_CONNECTION")),
            TrustStores::unverified,
            TrustStores::unverified);
    // One client for both publishes: its TLS probe of the plain stub (which never answers one) is
    // paid once.
    RegistryClient client =
        new RegistryClient(
            transport,
            Keychain.ANONYMOUS,
            Log.NONE,
            RegistryClient.Options.of(
                "ko-test",
                new NetworkSettings(
                    Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofSeconds(30))));
    Image image = image(16);

    assertThat(publish(client, registry, image, 1, 4))
        .as("parallel, but no more than ggcr's default of 4")
        .isEqualTo(4);
    assertThat(uploads.get()).as("every layer and the config").isEqualTo(17);

    maxInFlight.set(0);
    assertThat(publish(client, registry, "test8", image, 8, 8)).as("-j 8").isEqualTo(8);
  }

  private int publish(RegistryClient client, String registry, Image image, int jobs, int expected)
      throws Exception {
    return publish(client, registry, "test", image, jobs, expected);
  }

  /**
   * Publishes while the stub holds every upload; once {@code expected} are in flight at once, the
   * uploads are let go. Returns the most seen in flight.
   */
  private int publish(
      RegistryClient client, String registry, String repo, Image image, int jobs, int expected)
      throws Exception {
    limit = expected;
    full = new CountDownLatch(1);
    release = new CountDownLatch(1);
    RegistryPublisher publisher =
        new RegistryPublisher(
            client,
            registry + "/" + repo,
            Namer.select(false, false, true),
            List.of("latest"),
            false,
            false,
            Optional.empty(),
            jobs,
            Optional.empty(),
            Log.NONE);
    TaskGroup tasks = new TaskGroup(executor);
    CompletableFuture<String> published = publisher.publish(image, "ko://example.com/app", tasks);
    assertThat(full.await(30, TimeUnit.SECONDS))
        .as("%d uploads in flight at once", expected)
        .isTrue();
    int seen = maxInFlight.get();
    release.countDown();
    tasks.join(published);
    return Math.max(seen, maxInFlight.get());
  }

  /** An image of {@code n} small distinct layers. */
  private static Image image(int n) {
    List<Layer> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    List<Descriptor> descriptors = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Layer layer = new BytesLayer(("layer " + i).getBytes(StandardCharsets.UTF_8));
      layers.add(layer);
      diffIds.add(layer.diffId());
      descriptors.add(layer.descriptor());
    }
    ConfigFile config =
        new ConfigFile(
            "amd64",
            "",
            "",
            GoTime.ZERO,
            "",
            List.of(new History("", GoTime.ZERO, "", "", false)),
            "linux",
            "layers",
            diffIds,
            ContainerConfig.EMPTY,
            "",
            "",
            List.of());
    Manifest manifest =
        new Manifest(
            2,
            MediaType.OCI_MANIFEST,
            Descriptor.of(MediaType.OCI_CONFIG, 0, Digest.of(new byte[0])),
            descriptors,
            null,
            null);
    return BuiltImage.of(manifest, config, layers);
  }

  @SuppressWarnings("ArrayRecordComponent") // a test layer over fixed bytes; never compared
  private record BytesLayer(byte[] bytes) implements Layer {
    @Override
    public Digest digest() {
      return Digest.of(bytes);
    }

    @Override
    public Digest diffId() {
      return digest();
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public MediaType mediaType() {
      return new MediaType("application/vnd.oci.image.layer.v1.tar");
    }

    @Override
    public InputStream compressed() {
      return new ByteArrayInputStream(bytes);
    }
  }
}
