package dev.synack.sim;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One bulk transfer, client to server, over a {@link PathConfig}, measured as a congestion-control
 * experiment: goodput, how full the bottleneck stays after slow start, retransmissions, virtual
 * time. Deterministic and sans-IO, like the rest of the simulation: the same arguments give the
 * same result.
 *
 * <pre>{@code
 * PathResult r = PathExperiment.run(PathConfig.of(100_000_000, Duration.ofMillis(50)), 50_000_000,
 *     TcpConfig.defaults().withBuffers(8 << 20, 8 << 20), 1);
 * r.linkUtilisation();   // issue 4: at least 0.95 once congestion control and window scaling let it
 * }</pre>
 *
 * <p>What the client sends is zeros (content does not matter here; the torture suite checks it),
 * written as fast as the send buffer takes it; the server reads as soon as data arrives. Time is
 * cut into round trips of the path's RTT (at least 1 ms) to find the end of slow start and to give
 * a goodput curve.
 */
public final class PathExperiment {
  private static final int PORT = 5001;
  private static final int CHUNK = 64 * 1024;
  private static final long SECOND = 1_000_000_000L;

  private final PathConfig path;
  private final LinkConfig dataLink;
  private final long bytes;
  private final SimNetwork net;
  private final HostNode clientNode;
  private final Host clientHost;
  private final Host serverHost;
  private final Connection client;
  private final Listener listener;
  private final long binNanos;

  /** Bytes the server read in each round trip. */
  private long[] goodputBins = new long[64];

  /** Bytes the data direction delivered on the wire in each round trip. */
  private long[] wireBins = new long[64];

  private final ByteBuffer zeros = ByteBuffer.allocate(CHUNK);
  private final ByteBuffer readBuffer = ByteBuffer.allocate(CHUNK);
  private Connection server;
  private long unsent;
  private long delivered;
  private long segmentsSent;
  private long retransmissions;

  /** The end of the highest data sent so far; valid once {@link #anyDataSent}. */
  private int highestSent;

  private boolean anyDataSent;

  /** When each data packet in the bottleneck's hands was sent, to measure its wait in the queue. */
  private final java.util.IdentityHashMap<byte[], Long> sentAt = new java.util.IdentityHashMap<>();

  /**
   * Per data packet delivered: when, and how long it queued (ns); per data segment sent: when, and
   * the bytes in flight.
   */
  private final Samples queueDelays = new Samples();

  private final Samples inFlight = new Samples();

  /** The highest acknowledgment the server sent. */
  private int highestAck;

  private boolean anyAck;

  private PathExperiment(PathConfig path, long bytes, TcpConfig tcp, long seed, TraceSink trace) {
    this.path = path;
    this.dataLink = path.dataLink();
    this.bytes = bytes;
    this.unsent = bytes;
    this.binNanos = Math.max(path.rttNanos(), 1_000_000L);
    InetAddress clientAddress = address(1);
    InetAddress serverAddress = address(2);
    clientHost =
        new Host(
            "client", HostConfig.defaults(seed * 2 + 1).withMtu(path.mtu()).withTcp(tcp), trace);
    serverHost =
        new Host(
            "server", HostConfig.defaults(seed * 2 + 2).withMtu(path.mtu()).withTcp(tcp), trace);
    clientHost.addAddress(clientAddress);
    serverHost.addAddress(serverAddress);
    net = new SimNetwork(seed);
    clientNode = new HostNode(clientHost);
    HostNode serverNode = new HostNode(serverHost);
    net.attach(clientNode, clientAddress);
    net.attach(serverNode, serverAddress);
    net.setOneWayLink(clientNode, serverNode, path.dataLink());
    net.setOneWayLink(serverNode, clientNode, path.ackLink());
    net.setTrace(trace);
    net.addObserver(new DataObserver());
    listener = serverHost.listen(null, PORT, 1);
    client = clientHost.connect(serverAddress, PORT, 0);
  }

  /** Moves {@code bytes} from client to server over {@code path}, both hosts with {@code tcp}. */
  public static PathResult run(PathConfig path, long bytes, TcpConfig tcp, long seed) {
    return run(path, bytes, tcp, seed, TraceSink.NONE);
  }

  /**
   * Like {@link #run(PathConfig, long, TcpConfig, long)}, tracing both hosts into {@code trace}.
   */
  public static PathResult run(
      PathConfig path, long bytes, TcpConfig tcp, long seed, TraceSink trace) {
    if (bytes < 1) throw new IllegalArgumentException("bytes must be positive: " + bytes);
    return new PathExperiment(path, bytes, tcp, seed, trace == null ? TraceSink.NONE : trace)
        .measure();
  }

  /**
   * Returns the virtual time the transfer may take: ten minutes plus fifty times what the
   * bottleneck needs for the bytes, enough for an engine without congestion control at 10 % loss.
   */
  static long timeLimitNanos(PathConfig path, long bytes) {
    return 600 * SECOND + 50 * Math.ceilDiv(bytes * 8 * SECOND / 1000, path.bandwidth() / 1000);
  }

  private PathResult measure() {
    boolean completed = net.runUntil(this::pump, timeLimitNanos(path, bytes));
    long end = net.now();
    int bins = (int) Math.min(goodputBins.length, end / binNanos + 1);
    int slowStartEnd = slowStartEndBin(end);
    long start = Math.min(end, slowStartEnd * binNanos);
    long goodAfter = 0;
    long wireAfter = 0;
    for (int i = slowStartEnd; i < bins; i++) {
      goodAfter += goodputBins[i];
      wireAfter += wireBins[i];
    }
    double seconds = (end - start) / 1e9;
    double goodput = seconds > 0 ? goodAfter * 8 / seconds : 0;
    double utilisation = seconds > 0 ? wireAfter * 8 / seconds / path.bandwidth() : 0;
    List<Double> perRoundTrip = new ArrayList<>(bins);
    for (int i = 0; i < bins; i++) perRoundTrip.add(goodputBins[i] * 8e9 / binNanos);
    return new PathResult(
        path,
        bytes,
        delivered,
        completed,
        end,
        start,
        goodput,
        utilisation,
        segmentsSent,
        retransmissions,
        perRoundTrip,
        net.stats(clientNode, net.nodes().get(1)),
        queueDelays.medianFrom(start),
        queueDelays.meanPerBin(binNanos, bins),
        inFlight.medianFrom(start));
  }

  /**
   * Returns the first round trip after the end of slow start: the first complete one, after data
   * began to arrive, in which delivery grew by less than 25 % over the one before. Slow start
   * doubles the window each round trip, so growth that slow means it is over. Returns the round
   * trip the transfer ended in when slow start never ended.
   */
  private int slowStartEndBin(long end) {
    int complete = (int) Math.min(goodputBins.length, end / binNanos);
    int first = 0;
    while (first < complete && goodputBins[first] == 0) first++;
    for (int i = first + 1; i < complete; i++) {
      if (goodputBins[i] * 4 < goodputBins[i - 1] * 5) return i;
    }
    return (int) (end / binNanos);
  }

  /** Writes what the send buffer takes, reads what arrived; returns whether every byte was read. */
  private boolean pump() {
    long now = net.now();
    // The experiment polls its two connections directly; host events are drained so that their
    // queues stay empty.
    while (clientHost.pollEvent() != null) {
      /* drained */
    }
    while (serverHost.pollEvent() != null) {
      /* drained */
    }
    if (server == null) server = listener.accept();
    if (unsent > 0 && client.state() != TcpState.CLOSED) {
      int n;
      do {
        zeros.clear().limit((int) Math.min(CHUNK, unsent));
        n = client.send(zeros, now);
        unsent -= n;
      } while (n > 0 && unsent > 0);
    }
    if (server != null) {
      int n;
      while ((n = server.receive(readBuffer.clear(), now)) > 0) {
        delivered += n;
        goodputBins = add(goodputBins, now, n);
      }
    }
    return delivered == bytes;
  }

  private long[] add(long[] bins, long now, long n) {
    int i = (int) Math.min(Integer.MAX_VALUE - 8, now / binNanos);
    if (i >= bins.length) bins = Arrays.copyOf(bins, Math.max(i + 1, bins.length * 2));
    bins[i] += n;
    return bins;
  }

  /** Counts the client's data segments as they leave and its bytes on the wire as they arrive. */
  private final class DataObserver implements PacketObserver {
    @Override
    public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
      if (from != clientNode) return;
      if (!(Packets.parseTcp(ByteBuffer.wrap(packet), false)
          instanceof Parsed.Ok<Packets.TcpPacket>(var p))) return;
      TcpSegment seg = p.segment();
      if (seg.payloadLength() == 0) return;
      sentAt.put(packet, now);
      segmentsSent++;
      int end = SeqNum.add(seg.sequenceNumber(), seg.payloadLength());
      if (anyDataSent && SeqNum.lt(seg.sequenceNumber(), highestSent)) retransmissions++;
      if (!anyDataSent || SeqNum.gt(end, highestSent)) highestSent = end;
      anyDataSent = true;
      if (anyAck) inFlight.add(now, Math.max(0, SeqNum.diff(highestSent, highestAck)));
    }

    /** Notes the server's acknowledgments, for what is in flight. */
    private void onAck(byte[] packet) {
      if (!(Packets.parseTcp(ByteBuffer.wrap(packet), false)
          instanceof Parsed.Ok<Packets.TcpPacket>(var p))) return;
      int ack = p.segment().acknowledgmentNumber();
      if (!anyAck || SeqNum.gt(ack, highestAck)) highestAck = ack;
      anyAck = true;
    }

    @Override
    public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
      if (from != clientNode) {
        onAck(packet);
        return;
      }
      wireBins = add(wireBins, now, packet.length);
      Long sent = sentAt.remove(packet);
      if (sent != null) {
        // The time beyond propagation and its own serialisation: what it waited behind others.
        long queued = now - sent - path.rttNanos() / 2 - dataLink.serialisationNanos(packet.length);
        queueDelays.add(now, Math.max(0, queued));
      }
    }

    @Override
    public void onDrop(SimNode from, SimNode to, byte[] packet, String reason, long now) {
      sentAt.remove(packet);
    }
  }

  private static InetAddress address(int last) {
    try {
      return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 bytes are always an address", e);
    }
  }

  /** Values with the time each was taken, in a growing pair of arrays. */
  private static final class Samples {
    private long[] times = new long[1024];
    private long[] values = new long[1024];
    private int n;

    void add(long t, long v) {
      if (n == times.length) {
        times = Arrays.copyOf(times, n * 2);
        values = Arrays.copyOf(values, n * 2);
      }
      times[n] = t;
      values[n++] = v;
    }

    /** Returns the median of the values taken at or after {@code from}, 0 when none. */
    long medianFrom(long from) {
      int first = 0;
      while (first < n && times[first] < from) first++;
      if (first == n) return 0;
      long[] sorted = Arrays.copyOfRange(values, first, n);
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }

    /**
     * Returns the mean value in each bin of {@code binNanos}, in ms for ns values (0 for a bin
     * without samples).
     */
    List<Double> meanPerBin(long binNanos, int bins) {
      double[] sums = new double[bins];
      int[] counts = new int[bins];
      for (int i = 0; i < n; i++) {
        int b = (int) Math.min(bins - 1, times[i] / binNanos);
        sums[b] += values[i];
        counts[b]++;
      }
      List<Double> out = new ArrayList<>(bins);
      for (int b = 0; b < bins; b++) out.add(counts[b] == 0 ? 0.0 : sums[b] / counts[b] / 1e6);
      return out;
    }
  }
}
