package dev.synack.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Everything one torture run is made of, derived from its seed alone: how much data each side
 * sends, each direction's impairments, the buffers, IPv4 or IPv6, and the close order. The same
 * seed gives the same parameters on every machine, so a failing seed replays exactly.
 *
 * @param seed the run's seed
 * @param ipv6 whether the hosts talk over IPv6 (else IPv4)
 * @param clientBytes bytes the client sends
 * @param serverBytes bytes the server sends
 * @param clientToServer the impairments of the link from the client to the server
 * @param serverToClient the impairments of the link from the server to the client
 * @param mtu both hosts' MTU: the smaller link MTU, so that no segment is too large for either link
 *     (the stack has no path MTU discovery yet)
 * @param receiveBuffer both hosts' receive buffer in bytes
 * @param sendBuffer both hosts' send buffer in bytes
 * @param closeOrder who closes first, and how
 */
public record TortureParameters(
    long seed,
    boolean ipv6,
    int clientBytes,
    int serverBytes,
    LinkConfig clientToServer,
    LinkConfig serverToClient,
    int mtu,
    int receiveBuffer,
    int sendBuffer,
    CloseOrder closeOrder) {

  /** The highest loss probability of a link, as issue 4 asks. */
  public static final double MAX_LOSS = 0.30;

  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;
  private static final long MS = 1_000_000L;
  private static final int[] MTUS_V4 = {576, 1280, 1500, 1500, 1500, 4000, 9000};
  private static final int[] MTUS_V6 = {1280, 1500, 1500, 1500, 4000, 9000};
  private static final int[] BUFFERS = {8 * KIB, 32 * KIB, 128 * KIB, 128 * KIB, 512 * KIB};

  /**
   * Derives the parameters of the run with this seed.
   *
   * <p>Data sizes per direction: 10 % send nothing, 45 % up to 16 KiB, 30 % up to 256 KiB, 10 % up
   * to 1 MiB and 5 % up to 4 MiB, so that most runs are quick handshakes and teardowns with a
   * little data under harsh impairments, and about one in ten moves megabytes.
   */
  public static TortureParameters derive(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    boolean ipv6 = r.nextDouble() < 0.2;
    int clientBytes = dataSize(r);
    int serverBytes = dataSize(r);
    LinkConfig up = link(r, ipv6);
    LinkConfig down = link(r, ipv6);
    int receiveBuffer = BUFFERS[r.nextInt(BUFFERS.length)];
    int sendBuffer = BUFFERS[r.nextInt(BUFFERS.length)];
    CloseOrder order = CloseOrder.values()[r.nextInt(CloseOrder.values().length)];
    return new TortureParameters(
        seed,
        ipv6,
        clientBytes,
        serverBytes,
        up,
        down,
        Math.min(up.mtu(), down.mtu()),
        receiveBuffer,
        sendBuffer,
        order);
  }

  /** Returns the bytes both sides send together. */
  public long totalBytes() {
    return (long) clientBytes + serverBytes;
  }

  /** Returns the parameters as lines of text, one link per line. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add(
        "seed "
            + seed
            + ": "
            + (ipv6 ? "IPv6" : "IPv4")
            + ", client sends "
            + clientBytes
            + " B, server sends "
            + serverBytes
            + " B, close "
            + closeOrder.label());
    lines.add("client>server: " + describe(clientToServer));
    lines.add("server>client: " + describe(serverToClient));
    lines.add(
        "hosts: mtu "
            + mtu
            + ", receive buffer "
            + receiveBuffer
            + " B, send buffer "
            + sendBuffer
            + " B");
    return lines;
  }

  private static String describe(LinkConfig l) {
    StringBuilder s = new StringBuilder();
    s.append("delay ").append(millis(l.delayNanos())).append(" ms");
    if (l.jitterNanos() > 0) s.append(", jitter ").append(millis(l.jitterNanos())).append(" ms");
    s.append(", loss ").append(percent(l.loss()));
    if (l.reorder() > 0) {
      s.append(", reorder ")
          .append(percent(l.reorder()))
          .append(" by ")
          .append(millis(l.reorderDelayNanos()))
          .append(" ms");
    }
    if (l.duplication() > 0) s.append(", dup ").append(percent(l.duplication()));
    if (l.corruption() > 0) s.append(", corrupt ").append(percent(l.corruption()));
    if (l.bandwidth() > 0) {
      s.append(", ")
          .append(String.format(Locale.ROOT, "%.2f", l.bandwidth() / 1e6))
          .append(" Mbit/s, queue ")
          .append(l.queueLimitBytes())
          .append(" B");
    }
    s.append(", mtu ").append(l.mtu());
    return s.toString();
  }

  private static int dataSize(SplittableRandom r) {
    double p = r.nextDouble();
    if (p < 0.10) return 0;
    if (p < 0.55) return 1 + r.nextInt(16 * KIB);
    if (p < 0.85) return 16 * KIB + r.nextInt(240 * KIB);
    if (p < 0.95) return 256 * KIB + r.nextInt(768 * KIB);
    return MIB + r.nextInt(3 * MIB);
  }

  /**
   * Draws one direction's impairments: each is off in a good share of runs, so that they also meet
   * alone.
   */
  private static LinkConfig link(SplittableRandom r, boolean ipv6) {
    long delay = r.nextDouble() < 0.2 ? 0 : logUniform(r, MS / 10, 100 * MS);
    long jitter = r.nextBoolean() ? 0 : r.nextLong(Math.max(delay / 2, MS) + 1);
    double loss = r.nextDouble() < 0.25 ? 0 : MAX_LOSS * r.nextDouble();
    boolean reorder = r.nextDouble() < 0.4;
    double reorderP = reorder ? 0.2 * r.nextDouble() : 0;
    long reorderDelay = reorder ? 1 + r.nextLong(delay + 20 * MS) : 0;
    double dup = r.nextDouble() < 0.4 ? 0.1 * r.nextDouble() : 0;
    double corrupt = r.nextDouble() < 0.4 ? 0.05 * r.nextDouble() : 0;
    boolean limited = r.nextBoolean();
    long bandwidth = limited ? logUniform(r, 1_000_000, 1_000_000_000) : 0;
    // A queue of 4 KiB up to 200 ms of the bandwidth (at least 8 KiB): from shallow to bloated.
    long deepest = Math.max(8 * KIB, bandwidth / 8 / 5);
    int queue = limited ? (int) logUniform(r, 4 * KIB, deepest) : Integer.MAX_VALUE;
    int[] mtus = ipv6 ? MTUS_V6 : MTUS_V4;
    int mtu = mtus[r.nextInt(mtus.length)];
    return LinkConfig.ideal()
        .withDelay(Duration.ofNanos(delay))
        .withJitter(Duration.ofNanos(jitter))
        .withLoss(loss)
        .withReorder(reorderP, Duration.ofNanos(reorderDelay))
        .withDuplication(dup)
        .withCorruption(corrupt)
        .withBandwidth(bandwidth)
        .withQueueLimit(queue)
        .withMtu(mtu);
  }

  private static long logUniform(SplittableRandom r, long low, long high) {
    return Math.round(
        Math.exp(
            Math.log((double) low)
                + r.nextDouble() * (Math.log((double) high) - Math.log((double) low))));
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
  }

  private static String percent(double p) {
    return String.format(Locale.ROOT, "%.1f %%", p * 100);
  }
}
