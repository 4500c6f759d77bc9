package dev.ko.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.ko.name.Registry;
import dev.ko.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streamed request bodies ({@link StreamedBody} through {@link JdkTransport}) are read by the
 * sending thread, so a client with a single thread of its own can copy blobs from its own downloads
 * into uploads, several at once: with the JDK's stream publisher the client's thread would block
 * reading a download that only it can deliver.
 */
class StreamedBodyTest {
  private static final int SIZE = 4 << 20;

  private HttpServer server;
  private final Set<String> received = ConcurrentHashMap.newKeySet();
  private final Set<String> readers = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/blob",
        ex -> {
          ex.sendResponseHeaders(200, SIZE);
          try (OutputStream out = ex.getResponseBody()) {
            byte[] chunk = new byte[8192];
            for (int sent = 0; sent < SIZE; sent += chunk.length) {
              out.write(chunk);
            }
          }
        });
    server.createContext(
        "/upload",
        ex -> {
          try (ex;
              InputStream in = ex.getRequestBody()) {
            received.add(sha256(in));
            ex.sendResponseHeaders(201, -1);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] b = new byte[65536];
      for (int n; (n = in.read(b)) > 0; ) {
        md.update(b, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void uploadsFedFromDownloadsOfTheSameOneThreadClientAllComplete() throws Exception {
    Transport wire =
        new JdkTransport(
            new HttpTransport(
                HttpTransport.Engine.JDK_CLIENT,
                RegistryClientTest::defaultTls,
                RegistryClientTest::defaultTls,
                1),
            "ko-test",
            Duration.ofSeconds(30));
    Registry registry = Registry.parse("127.0.0.1:" + server.getAddress().getPort());
    String base = "http://" + registry.host();
    int parallel = 4;
    ExecutorService senders = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<Integer>> uploads = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        uploads.add(
            senders.submit(
                () -> {
                  RegistryClient.BlobSource download =
                      () -> {
                        InputStream in =
                            wire.send(
                                    Request.of(registry, "GET", URI.create(base + "/blob")),
                                    BodyHandlers.ofInputStream())
                                .body();
                        return new InputStream() {
                          @Override
                          public int read() throws IOException {
                            throw new UnsupportedOperationException();
                          }

                          @Override
                          public int read(byte[] b, int off, int len) throws IOException {
                            readers.add(Thread.currentThread().getName());
                            return in.read(b, off, len);
                          }

                          @Override
                          public void close() throws IOException {
                            in.close();
                          }
                        };
                      };
                  Request put =
                      Request.of(registry, "PUT", URI.create(base + "/upload"))
                          .withBody(new Request.Streamed(download, SIZE));
                  return wire.send(put, BodyHandlers.ofByteArray()).statusCode();
                }));
      }
      for (Future<Integer> upload : uploads) {
        assertThat(upload.get(60, TimeUnit.SECONDS)).isEqualTo(201);
      }
    } finally {
      senders.shutdownNow();
    }
    assertThat(received).containsExactly(Digest.of(new byte[SIZE]).hex());
    assertThat(readers)
        .as("sources are read by the senders only")
        .hasSize(parallel)
        .allMatch(name -> name.startsWith("pool-"));
  }

  /** A subscriber that asks for chunks only when told to, and keeps what it got. */
  private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
    final List<Integer> chunks = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> end = new CompletableFuture<>();
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(ByteBuffer item) {
      chunks.add(item.remaining());
    }

    @Override
    public void onError(Throwable e) {
      end.complete(e);
    }

    @Override
    public void onComplete() {
      end.complete(null);
    }
  }

  @Test
  void chunksGoOutAsTheClientAsksAndTheSenderStopsWhenTheExchangeEnds() throws Exception {
    StreamedBody body = new StreamedBody();
    Recorder client = new Recorder();
    body.subscribe(client);
    CompletableFuture<Void> exchange = new CompletableFuture<>();
    InputStream zeros =
        new InputStream() {
          @Override
          public int read() {
            return 0;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            return len;
          }
        };
    CompletableFuture<Void> feeding =
        CompletableFuture.runAsync(
            () -> {
              try {
                body.feed(zeros, exchange, Duration.ofSeconds(30));
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    client.subscription.request(3);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (client.chunks.size() < 3) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    assertThat(feeding).as("blocked: a few chunks ahead and no demand").isNotDone();
    exchange.complete(null);
    body.stop();
    feeding.get(10, TimeUnit.SECONDS);
    assertThat(client.chunks).containsExactly(65536, 65536, 65536);
  }

  @Test
  void aBrokenSourceFailsTheRequestAndTheSender() {
    StreamedBody body = new StreamedBody();
    Recorder client = new Recorder();
    body.subscribe(client);
    client.subscription.request(Long.MAX_VALUE);
    IOException broken = new IOException("connection reset by the base registry");
    InputStream source =
        new InputStream() {
          private int reads;

          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (reads++ > 0) {
              throw broken;
            }
            return len;
          }
        };

    assertThatThrownBy(
            () -> body.feed(source, new CompletableFuture<Void>(), Duration.ofSeconds(30)))
        .isSameAs(broken);
    assertThat(client.end).isCompletedWithValue(broken);
    assertThat(client.chunks).containsExactly(65536);
  }
}
