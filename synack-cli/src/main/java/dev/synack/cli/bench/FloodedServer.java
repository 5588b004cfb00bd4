package dev.synack.cli.bench;

import dev.synack.cli.bench.TunBench.SynackOnTun;
import dev.synack.cli.serve.Server;
import dev.synack.cli.serve.Service;
import dev.synack.link.TunLink;
import dev.synack.runtime.HostDriver;
import dev.synack.runtime.Stack;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.util.Locale;

/**
 * The synack side of {@link SynFloodBench}: {@code serve --http}'s server on a TUN device whose
 * kernel end is in a namespace of its own, read by one loop or by a group of loops (one a queue of
 * a multiqueue device, as {@code serve --loops N}), and what its loops say of the flood.
 */
abstract sealed class FloodedServer implements AutoCloseable {
  /** The port the server listens on. */
  static final int PORT = 8080;

  private static final int MTU = 1500;

  /** Returns one loop on a single-queue device ({@link SynackOnTun}). */
  static FloodedServer oneLoop() throws IOException {
    return new OneLoop(SynackOnTun.open(MTU));
  }

  /** Returns {@code loops} loops on a device of as many queues. */
  static FloodedServer loops(int loops) throws IOException {
    Netns ns = Netns.create();
    Stack stack = null;
    try {
      stack =
          Stack.builder()
              .name("synack")
              .tun("sbf" + Netns.randomSuffix(), MTU)
              .loops(loops)
              .config(HostConfig.defaults(System.nanoTime()).withMtu(MTU))
              .address(SynackOnTun.SYNACK)
              .build();
      String device = ((TunLink) stack.link(0)).name();
      ns.moveIn(device);
      ns.configure(device, SynackOnTun.KERNEL.getHostAddress() + "/24", MTU);
      return new Loops(ns, stack, device);
    } catch (IOException | RuntimeException e) {
      if (stack != null) stack.close();
      ns.close();
      throw e;
    }
  }

  /** The namespace of the device's kernel end, where curl and the flood run. */
  abstract Netns namespace();

  /** The device's name in {@link #namespace()}. */
  abstract String device();

  /** Starts the server on {@link #PORT} of {@link SynackOnTun#SYNACK}. */
  abstract Server serve(Service service) throws IOException;

  /** The loops of the server, loop 0 first (it sets the device's SYN filter). */
  abstract HostDriver[] drivers();

  /** Returns the SYN cookies every loop's host sent so far. */
  final long cookies() throws IOException {
    long sum = 0;
    for (HostDriver d : drivers()) sum += d.call(now -> d.host().counters().syncookiesSent());
    return sum;
  }

  /** Returns each loop's SYN cookies so far, loop 0 first, as "a / b". */
  final String cookiesPerLoop() throws IOException {
    StringBuilder b = new StringBuilder();
    for (HostDriver d : drivers()) {
      long cookies = d.call(now -> d.host().counters().syncookiesSent());
      if (b.length() > 0) b.append(" / ");
      b.append(String.format(Locale.ROOT, "%,d", cookies));
    }
    return b.toString();
  }

  /** Returns the SYNs every loop's host shed after the read (full batches) so far. */
  final long shed() throws IOException {
    long sum = 0;
    for (HostDriver d : drivers())
      sum += d.call(now -> d.host().counters().drops().getOrDefault("syn-flood-shed", 0L));
    return sum;
  }

  /** Returns loop 0's shift: SYNs kept one in 2^shift by the device's filter. */
  final int shedShift() {
    return drivers()[0].synShedShift();
  }

  @Override
  public abstract void close() throws IOException;

  private static final class OneLoop extends FloodedServer {
    private final SynackOnTun tun;

    OneLoop(SynackOnTun tun) {
      this.tun = tun;
    }

    @Override
    Netns namespace() {
      return tun.namespace();
    }

    @Override
    String device() {
      return tun.device();
    }

    @Override
    Server serve(Service service) throws IOException {
      return Server.start(tun.driver(), tun.host(), SynackOnTun.SYNACK, PORT, service, line -> {});
    }

    @Override
    HostDriver[] drivers() {
      return new HostDriver[] {tun.driver()};
    }

    @Override
    public void close() throws IOException {
      tun.close();
    }
  }

  private static final class Loops extends FloodedServer {
    private final Netns ns;
    private final Stack stack;
    private final String device;

    Loops(Netns ns, Stack stack, String device) {
      this.ns = ns;
      this.stack = stack;
      this.device = device;
    }

    @Override
    Netns namespace() {
      return ns;
    }

    @Override
    String device() {
      return device;
    }

    @Override
    Server serve(Service service) throws IOException {
      return Server.start(stack, SynackOnTun.SYNACK, PORT, service, line -> {});
    }

    @Override
    HostDriver[] drivers() {
      return stack.loops().toArray(new HostDriver[0]);
    }

    @Override
    public void close() throws IOException {
      try {
        stack.close();
      } finally {
        ns.close();
      }
    }
  }
}
