package dev.synack.cli.bench;

import dev.synack.stack.Connection;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpState;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection cycles per second: connect, accept, one byte each way, close on both sides (the client
 * first, so it holds the TIME-WAIT). synack runs the cycles on a SimNetwork, a number of them in
 * progress at once, and counts the time until every connection is released, the TIME-WAITs' expiry
 * (a jump of virtual time) included. The kernel runs the same cycle over loopback with one virtual
 * thread per cycle in progress; its TIME-WAITs expire later, outside the time.
 */
final class ConnRateBench {
  private ConnRateBench() {}

  /**
   * Returns the figure {@code sim-conn-rate}: best of the repeats on each side. Each repeat starts
   * from a collected heap: the synack side holds one TIME-WAIT end per cycle until the end (virtual
   * time jumps over 2 MSL only then), so every young collection in the timed window copies the
   * TIME-WAITs made since the one before, and a repeat that began with the garbage of the figures
   * or the repeat before it paid for more and longer pauses (session 9: 3.3x and 6.1x in two quiet
   * runs of the same code). The note gives the repeats' spread and the pauses of the best one.
   */
  static Figure run(BenchSettings settings) throws IOException {
    double synack = 0;
    double synackCpu = 0;
    double synackWorst = Double.MAX_VALUE;
    long bestGcMillis = 0;
    long bestWallMillis = 0;
    double kernel = 0;
    for (int i = 0; i < settings.repeats(); i++) {
      System.gc(); // the same start for every repeat (see above)
      double[] r = synackCyclesPerSecond(settings.connCycles(), settings.connConcurrency());
      if (r[0] > synack) {
        synack = r[0];
        bestGcMillis = Math.round(r[2]);
        bestWallMillis = Math.round(settings.connCycles() * 1e3 / r[0]);
      }
      synackWorst = Math.min(synackWorst, r[0]);
      synackCpu = Math.max(synackCpu, r[1]);
      System.gc();
      kernel =
          Math.max(
              kernel, kernelCyclesPerSecond(settings.connCycles(), settings.connConcurrency()));
    }
    return Figure.measured(
        "sim-conn-rate",
        "cycles/s",
        synack,
        kernel,
        settings.connCycles()
            + " cycles, "
            + settings.connConcurrency()
            + " at once, best of "
            + settings.repeats()
            + " (synack repeats "
            + Math.round(synackWorst)
            + ".."
            + Math.round(synack)
            + ", each from a collected heap); synack: one thread, TIME-WAIT expiry included (per"
            + " CPU-second of that thread: "
            + Math.round(synackCpu)
            + " cycles/s; GC pauses "
            + bestGcMillis
            + " of the best repeat's "
            + bestWallMillis
            + " ms); kernel: loopback, one virtual thread per cycle in progress");
  }

  /**
   * Runs {@code cycles} cycles between two synack hosts, {@code concurrency} at a time; returns
   * {wall-clock cycles/s, cycles per CPU-second of this thread, milliseconds the collectors
   * reported in the timed window}.
   */
  static double[] synackCyclesPerSecond(int cycles, int concurrency) {
    SimHosts hosts = SimHosts.forConnections(cycles);
    long gcMillis = gcMillis();
    Stopwatch watch = new Stopwatch();
    runCycles(hosts, cycles, concurrency, () -> {});
    return new double[] {
      watch.perSecond(cycles), cycles * 1e9 / watch.cpuNanos(), gcMillis() - gcMillis
    };
  }

  /**
   * Returns the heap (after full collections) one cycle's ends hold once the client has closed and
   * waits in TIME-WAIT, the server's end released: what sim-conn-rate accumulates per cycle until
   * virtual time jumps over 2 MSL, and every young collection of its timed window copies.
   */
  static double timeWaitBytesPerCycle(int cycles) {
    SimHosts hosts = SimHosts.forConnections(cycles);
    HeapMeter meter = HeapMeter.runtime();
    long before = meter.stable();
    long[] held = new long[1];
    runCycles(hosts, cycles, 16, () -> held[0] = meter.stable());
    return meter.perItem(before, held[0], cycles);
  }

  /**
   * Runs {@code cycles} cycles on {@code hosts}, {@code concurrency} at a time, until every
   * connection is released; {@code allClosed} runs once, when the last client has closed.
   */
  private static void runCycles(SimHosts hosts, int cycles, int concurrency, Runnable allClosed) {
    hosts.listen();
    ByteBuffer one = ByteBuffer.allocate(1);
    int started = 0;
    int finished = 0;
    for (; started < Math.min(concurrency, cycles); started++) hosts.connect(started);
    // Until every connection is released: the servers close on the clients' FINs, and TIME-WAIT
    // (2 MSL of virtual time) runs out.
    while (finished < cycles
        || hosts.client.connectionCount() > 0
        || hosts.server.connectionCount() > 0) {
      HostEvent e;
      while ((e = hosts.pollEvent()) != null) {
        switch (e) {
          case HostEvent.Acceptable(Listener l) -> {
            Connection accepted;
            while ((accepted = l.accept()) != null) serve(accepted, one, hosts.net.now());
          }
          case HostEvent.OfConnection(Connection c, var ignored) -> {
            if (c.id().localPort() == SimHosts.SERVER_PORT) {
              serve(c, one, hosts.net.now());
            } else if (clientTurn(c, one, hosts.net.now())) {
              finished++;
              if (started < cycles) hosts.connect(started++);
              if (finished == cycles) allClosed.run();
            }
          }
          case HostEvent.UdpReadable u -> {} // no UDP in this bench
          case HostEvent.UdpError u -> {}
        }
      }
      if (!hosts.net.step()) {
        throw new IllegalStateException(
            "connection cycles stalled: "
                + finished
                + " of "
                + cycles
                + " done, connections left: client "
                + hosts.client.connectionCount()
                + ", server "
                + hosts.server.connectionCount());
      }
    }
  }

  /**
   * Returns the milliseconds every collector of this JVM reported so far (pauses, for Parallel).
   */
  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
      total += Math.max(0, gc.getCollectionTime());
    return total;
  }

  /**
   * The client's side of a cycle, on each of its events: once established it sends its byte once;
   * when the answer is read it closes. Returns true when this event completed the cycle.
   */
  private static boolean clientTurn(Connection c, ByteBuffer one, long now) {
    switch (c.state()) {
      case ESTABLISHED -> {
        if (c.attachment() == null) {
          one.clear();
          c.send(one, now);
          c.attach(true); // the request went
        }
        one.clear();
        if (c.receive(one, now) > 0) {
          c.closeFully(now);
          return true;
        }
        return false;
      }
      default -> {
        return false;
      }
    }
  }

  /**
   * The server's side: answers the byte with one byte, and closes when the client's FIN arrives.
   */
  private static void serve(Connection c, ByteBuffer one, long now) {
    TcpState state = c.state();
    if (c.attachment() != null || (state != TcpState.ESTABLISHED && state != TcpState.CLOSE_WAIT))
      return;
    one.clear();
    int n = c.receive(one, now);
    if (n > 0) {
      one.flip();
      c.send(one, now);
      one.clear();
      n = c.receive(one, now);
    }
    if (n < 0) {
      c.closeFully(now);
      c.attach(true); // closed: later events of the connection need nothing
    }
  }

  /**
   * Runs {@code cycles} cycles over kernel loopback, {@code concurrency} virtual threads at once.
   */
  static double kernelCyclesPerSecond(int cycles, int concurrency) throws IOException {
    // The listener is closed first, which ends the acceptor; then the executor waits for the rest.
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
      InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
      Queue<Future<?>> served = new ConcurrentLinkedQueue<>();
      Future<?> acceptor =
          threads.submit(
              () -> {
                while (true) {
                  SocketChannel accepted = listener.accept();
                  served.add(
                      threads.submit(
                          () -> {
                            try (SocketChannel s = accepted) {
                              ByteBuffer b = ByteBuffer.allocate(1);
                              if (s.read(b) <= 0) return null;
                              b.flip();
                              s.write(b);
                              b.clear();
                              while (s.read(b) >= 0) b.clear();
                            }
                            return null;
                          }));
                }
              });
      AtomicInteger next = new AtomicInteger();
      Stopwatch watch = new Stopwatch();
      Future<?>[] clients = new Future<?>[concurrency];
      for (int i = 0; i < concurrency; i++) {
        clients[i] =
            threads.submit(
                () -> {
                  ByteBuffer b = ByteBuffer.allocate(1);
                  while (next.getAndIncrement() < cycles) {
                    try (SocketChannel c = SocketChannel.open(address)) {
                      b.clear();
                      c.write(b);
                      b.clear();
                      if (c.read(b) != 1)
                        throw new IOException("no answer from the loopback server");
                    }
                  }
                  return null;
                });
      }
      for (Future<?> f : clients) await(f);
      double rate = watch.perSecond(cycles);
      acceptor.cancel(true);
      // Every client has closed, so each server side has read its FIN and ended: a failed one
      // makes the figure wrong.
      for (Future<?> f : served) await(f);
      return rate;
    }
  }

  static void await(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("kernel reference failed: " + e.getCause(), e.getCause());
    }
  }
}
