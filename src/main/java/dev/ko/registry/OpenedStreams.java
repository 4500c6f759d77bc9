package dev.ko.registry;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A blob source that keeps the streams one upload attempt opened (a re-authentication opens the
 * source again), and closes them all when the attempt ends: the JDK closes a request body stream
 * only when it has read it to the end, which a refused or failed request never does.
 */
final class OpenedStreams implements RegistryClient.BlobSource, AutoCloseable {
  private final RegistryClient.BlobSource source;
  private final ConcurrentLinkedQueue<InputStream> opened = new ConcurrentLinkedQueue<>();

  OpenedStreams(RegistryClient.BlobSource source) {
    this.source = source;
  }

  @Override
  public InputStream open() throws IOException {
    InputStream in = source.open();
    opened.add(in);
    return in;
  }

  @Override
  public void close() {
    for (InputStream in : opened) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing more to release
      }
    }
  }
}
