package dev.synack.cli.bench;

import dev.synack.stack.Connection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bulk throughput one way between two synack hosts on a {@link dev.synack.sim.SimNetwork} without
 * impairment, in one thread, against the kernel's TCP over loopback between two threads of the same
 * JVM (blocking NIO channels, 256 KiB writes and reads).
 */
final class SimBulkBench {
  private static final int CHUNK = 256 * 1024;

  private SimBulkBench() {}

  /** Returns the figure {@code sim-bulk-mtu<mtu>}: best of the repeats on each side. */
  static Figure run(int mtu, BenchSettings settings) throws IOException {
    double synack = 0;
    double synackCpu = 0;
    double kernel = 0;
    for (int i = 0; i < settings.repeats(); i++) {
      double[] wallAndCpu = synackGbps(mtu, settings.bulkBytes());
      synack = Math.max(synack, wallAndCpu[0]);
      synackCpu = Math.max(synackCpu, wallAndCpu[1]);
      kernel = Math.max(kernel, kernelLoopbackGbps(settings.bulkBytes()));
    }
    return Figure.measured(
        "sim-bulk-mtu" + mtu,
        "Gbit/s",
        synack,
        kernel,
        mb(settings.bulkBytes())
            + " one way, best of "
            + settings.repeats()
            + ", one thread, no delay (per CPU-second of that thread: "
            + String.format(java.util.Locale.ROOT, "%.2f", synackCpu)
            + " Gbit/s); kernel: loopback (MTU 65536), 2 threads");
  }

  /**
   * Moves {@code bytes} from client to server through the engines, checksums and the simulated
   * links; returns {wall-clock Gbit/s, Gbit/s per CPU-second of this thread}.
   */
  static double[] synackGbps(int mtu, long bytes) {
    SimHosts hosts = SimHosts.create(mtu);
    Connection[] pair = hosts.establishedPair();
    Connection client = pair[0];
    Connection server = pair[1];
    ByteBuffer src = ByteBuffer.allocate(CHUNK);
    ByteBuffer dst = ByteBuffer.allocate(CHUNK);
    long sent = 0;
    long received = 0;
    Stopwatch watch = new Stopwatch();
    while (received < bytes) {
      long now = hosts.net.now();
      boolean progress = false;
      if (sent < bytes) {
        src.clear().limit((int) Math.min(CHUNK, bytes - sent));
        int n = client.send(src, now);
        sent += n;
        progress = n > 0;
      }
      dst.clear();
      int n = server.receive(dst, now);
      if (n > 0) {
        received += n;
        progress = true;
      }
      hosts.discardEvents();
      if (!hosts.net.step() && !progress) {
        throw new IllegalStateException(
            "bulk transfer stalled after "
                + received
                + " of "
                + bytes
                + " bytes: client "
                + client.status()
                + ", server "
                + server.status());
      }
    }
    return new double[] {watch.gbitPerSecond(bytes), bytes * 8.0 / watch.cpuNanos()};
  }

  /** Moves {@code bytes} over a kernel loopback connection, from one platform thread to another. */
  static double kernelLoopbackGbps(long bytes) throws IOException {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer =
          Thread.ofPlatform()
              .name("bench-kernel-writer")
              .start(
                  () -> {
                    try (SocketChannel out = SocketChannel.open(listener.getLocalAddress())) {
                      ByteBuffer src = ByteBuffer.allocateDirect(CHUNK);
                      long left = bytes;
                      while (left > 0) {
                        src.clear().limit((int) Math.min(CHUNK, left));
                        left -= out.write(src);
                      }
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      try (SocketChannel in = listener.accept()) {
        ByteBuffer dst = ByteBuffer.allocateDirect(CHUNK);
        long received = 0;
        Stopwatch watch = new Stopwatch();
        while (received < bytes) {
          dst.clear();
          int n = in.read(dst);
          if (n < 0)
            throw new IOException(
                "kernel loopback transfer ended early: " + received + " of " + bytes,
                failure.get());
          received += n;
        }
        double gbps = watch.gbitPerSecond(bytes);
        join(writer);
        if (failure.get() != null)
          throw new IOException("kernel loopback writer failed", failure.get());
        return gbps;
      }
    }
  }

  static void join(Thread t) {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String mb(long bytes) {
    return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
  }
}
