package dev.ko.server;

import dev.ko.build.EarlyGo;
import dev.ko.cli.Cli;
import dev.ko.config.EarlyStart;
import dev.ko.config.Env;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One client's invocation. Three threads: this one reads the client's frames (standard input, a
 * cancel, or the end of the connection), a writer sends the output frames in order (so that no
 * thread of the run, which may be interrupted, ever touches the channel: an interrupted channel
 * operation would close it), and the run's own thread calls {@link Cli#run}. A cancel or a closed
 * connection interrupts the run's thread; the run then stops its builds and uploads and waits for
 * them before it returns, so nothing half-pushed moves a tag.
 */
final class Connection implements Runnable {
  /** Queued last: the writer stops at it (every frame has at least its five header bytes). */
  private static final ByteBuffer END = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private final Server server;
  private final BlockingQueue<ByteBuffer> outgoing = new LinkedBlockingQueue<>();
  private final BlockingQueue<byte[]> stdin = new LinkedBlockingQueue<>();
  private final Object runLock = new Object();
  private Thread run;
  private boolean finished;

  Connection(SocketChannel channel, Server server) {
    this.channel = channel;
    this.server = server;
  }

  @Override
  public void run() {
    Thread writer = new Thread(this::write, "ko-server-writer");
    writer.setDaemon(true);
    writer.start();
    long started = System.nanoTime();
    String what = "?";
    try {
      Protocol.Frame first = Protocol.read(channel);
      if (first == null || first.type() != Protocol.REQUEST) {
        return;
      }
      Protocol.Request request = Protocol.parseRequest(first.payload());
      what = request.args().isEmpty() ? "(no command)" : request.args().get(0);
      outgoing.add(Protocol.frame(Protocol.ACCEPTED, (int) ProcessHandle.current().pid()));
      if (request.args().size() == 2 && request.args().get(0).equals("server")) {
        control(request.args().get(1));
        return;
      }
      start(request);
      readClient();
    } catch (IOException | RuntimeException e) {
      server.log("request " + what + ": " + e);
      cancel();
    } finally {
      join();
      outgoing.add(END);
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeQuietly();
      server.log(
          "request " + what + " done in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }
  }

  /** {@code ko server status} and {@code ko server stop}, answered by the server itself. */
  private void control(String command) {
    PrintStream out = stream(Protocol.STDOUT, StandardCharsets.UTF_8);
    int code = 0;
    switch (command) {
      case "status" -> out.print(server.status());
      case "stop" -> {
        out.println("ko: stopping the build server (pid " + ProcessHandle.current().pid() + ")");
        server.stopSoon();
      }
      default -> {
        PrintStream err = stream(Protocol.STDERR, StandardCharsets.UTF_8);
        err.println("Error: unknown command \"server " + command + "\": want status or stop");
        err.flush();
        code = 2;
      }
    }
    out.flush();
    outgoing.add(Protocol.frame(Protocol.EXIT, code));
  }

  private void start(Protocol.Request request) {
    Charset charset = charset(request.codeset());
    PrintStream out = stream(Protocol.STDOUT, charset);
    PrintStream err = stream(Protocol.STDERR, charset);
    Thread t =
        new Thread(
            () -> {
              int code = 1;
              String[] args = request.args().toArray(String[]::new);
              Env env = new Env(request.env());
              Path cwd = Path.of(request.workingDirectory());
              // As a fresh process does: the go commands of a plain build start at once.
              EarlyGo early = EarlyGo.NONE;
              try {
                early = EarlyStart.plan(args, env, cwd).map(EarlyGo::start).orElse(EarlyGo.NONE);
                code = Cli.run(args, env, cwd, new Stdin(), out, err, false, early, server.warm());
              } catch (RuntimeException | Error e) {
                err.println("Error: internal error (a bug in ko-jvm; please report it): " + e);
                server.log("request failed: " + e);
              } finally {
                early.close(); // kills go commands a cancelled run left, and waits for them
                out.flush();
                err.flush();
                synchronized (runLock) {
                  finished = true;
                }
                // The client exits on this and closes the connection, which ends the reader.
                outgoing.add(Protocol.frame(Protocol.EXIT, code));
              }
            },
            "ko-request");
    t.setDaemon(true);
    synchronized (runLock) {
      run = t;
    }
    t.start();
  }

  /** Reads the client's frames until the run ends or the client goes away. */
  private void readClient() throws IOException {
    while (true) {
      Protocol.Frame f;
      try {
        f = Protocol.read(channel);
      } catch (IOException e) {
        f = null;
      }
      if (f == null) {
        if (!isFinished()) {
          server.log("client went away: cancelling its run");
          cancel();
        }
        return;
      }
      switch (f.type()) {
        case Protocol.STDIN -> stdin.add(f.payload());
        case Protocol.CANCEL -> {
          server.log("client got signal " + f.int32() + ": cancelling its run");
          cancel();
        }
        default -> throw new IOException("unexpected frame '" + (char) f.type() + "'");
      }
    }
  }

  private boolean isFinished() {
    synchronized (runLock) {
      return finished;
    }
  }

  private void cancel() {
    synchronized (runLock) {
      if (run != null && !finished) {
        run.interrupt();
      }
    }
  }

  /** Waits for the run to end (a cancelled one stops its tasks first). */
  private void join() {
    Thread t;
    synchronized (runLock) {
      t = run;
    }
    if (t == null) {
      return;
    }
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void write() {
    try {
      while (true) {
        ByteBuffer b = outgoing.take();
        if (b.capacity() == 0) {
          return;
        }
        while (b.hasRemaining()) {
          channel.write(b);
        }
      }
    } catch (IOException e) {
      // The client went away; the reader notices and cancels the run. What is left, up to the
      // end marker, is dropped.
      drainUntilEnd();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void drainUntilEnd() {
    try {
      while (outgoing.take().capacity() != 0) {
        // discarded: nobody to send it to
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private PrintStream stream(byte type, Charset charset) {
    OutputStream frames =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            if (len > 0) {
              outgoing.add(Protocol.frame(type, b, off, len));
            }
          }
        };
    return new PrintStream(new BufferedOutputStream(frames, 8192), true, charset);
  }

  /**
   * The charset a fresh JVM would print in: the client's locale codeset ({@code ANSI_X3.4-1968},
   * US-ASCII, in the C locale), UTF-8 when Java does not know it.
   */
  static Charset charset(String codeset) {
    try {
      return Charset.forName(codeset);
    } catch (IllegalArgumentException e) {
      return StandardCharsets.UTF_8;
    }
  }

  /** Standard input, read from the client only when the run asks for it. */
  private final class Stdin extends InputStream {
    private byte[] chunk = new byte[0];
    private int position;
    private boolean end;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position == chunk.length) {
        if (end) {
          return -1;
        }
        outgoing.add(Protocol.frame(Protocol.STDIN_WANTED, Math.max(len, 8192)));
        try {
          chunk = stdin.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading standard input");
        }
        position = 0;
        if (chunk.length == 0) {
          end = true;
          return -1;
        }
      }
      int n = Math.min(len, chunk.length - position);
      System.arraycopy(chunk, position, b, off, n);
      position += n;
      return n;
    }
  }
}
