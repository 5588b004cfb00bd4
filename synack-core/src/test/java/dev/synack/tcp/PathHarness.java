package dev.synack.tcp;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One sending engine against a model receiver, over a seeded path in virtual time: a bottleneck of
 * given bandwidth (serialisation, tail-drop queue), one-way delay, random loss and reordering on
 * the data direction. The receiver is a model, not the engine: it keeps every out-of-order segment,
 * ACKs each segment at once with SACK blocks (RFC 2018 §4: the newest block first) and D-SACK for
 * duplicates (RFC 2883), echoes timestamps (RFC 7323 §4.3), and offers a window that never limits.
 * So the sender's loss recovery and congestion control are what the test measures.
 *
 * <p>The sender's application keeps the send buffer full. Only the sender's {@code sample} and
 * {@code note} events are kept.
 */
final class PathHarness {
  private static final int RECEIVER_ISS = 5000;
  private static final int RECEIVER_MSS = 1460;
  private static final int HEADERS = 40;

  /** The path: one-way delay both ways; the rest applies to data segments only. */
  record Path(
      long oneWayDelayNanos,
      long bandwidthBitsPerSecond,
      long queueLimitBytes,
      double loss,
      double reorder,
      long reorderDelayNanos,
      long seed) {
    static Path of(long rttMillis, long megabitsPerSecond) {
      return new Path(
          rttMillis * 500_000L, megabitsPerSecond * 1_000_000L, Long.MAX_VALUE, 0, 0, 0, 1);
    }

    Path withLoss(double p) {
      return new Path(
          oneWayDelayNanos,
          bandwidthBitsPerSecond,
          queueLimitBytes,
          p,
          reorder,
          reorderDelayNanos,
          seed);
    }

    Path withReorder(double p, long extraDelayNanos) {
      return new Path(
          oneWayDelayNanos,
          bandwidthBitsPerSecond,
          queueLimitBytes,
          loss,
          p,
          extraDelayNanos,
          seed);
    }

    Path withQueueLimit(long bytes) {
      return new Path(
          oneWayDelayNanos, bandwidthBitsPerSecond, bytes, loss, reorder, reorderDelayNanos, seed);
    }

    Path withSeed(long s) {
      return new Path(
          oneWayDelayNanos,
          bandwidthBitsPerSecond,
          queueLimitBytes,
          loss,
          reorder,
          reorderDelayNanos,
          s);
    }
  }

  private record Event(long time, long order, boolean toReceiver, TcpSegment segment) {}

  final List<TraceEvent.Sample> samples = new ArrayList<>();
  final List<TraceEvent.Note> notes = new ArrayList<>();
  private final TcpConnection sender;
  private final Path path;
  private final SplittableRandom random;
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) ->
              a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.order, b.order));
  private final ByteBuffer appData = ByteBuffer.allocate(256 * 1024);
  private final Receiver receiver = new Receiver();
  private long order;
  private long now;
  private long linkFreeAt;
  private Predicate<TcpSegment> dropFilter = seg -> false;

  /** Data segments sent, retransmitted, dropped by the path. */
  long segmentsSent;

  long retransmissions;
  long dropped;

  PathHarness(TcpConfig cfg, Path path) {
    this.path = path;
    this.random = new SplittableRandom(path.seed);
    TraceSink sink =
        event -> {
          if (event instanceof TraceEvent.Sample s) samples.add(s);
          else if (event instanceof TraceEvent.Note n) notes.add(n);
          else if (event instanceof TraceEvent.Segment s
              && s.action() == TraceEvent.SegmentAction.RETRANSMIT) retransmissions++;
        };
    this.sender =
        TcpConnection.connect(EnginePair.CLIENT_ID, cfg, EnginePair.CLIENT_ISS, 0, sink, "sender");
  }

  TcpConnection sender() {
    return sender;
  }

  long now() {
    return now;
  }

  /** Returns the bytes the receiver got in order so far. */
  long delivered() {
    return receiver.delivered;
  }

  /** Drops the data segments the filter matches (on top of the random loss). */
  void dropWhen(Predicate<TcpSegment> filter) {
    this.dropFilter = filter;
  }

  /**
   * Opens the connection and runs until {@code untilNanos} of virtual time, the sender always
   * having data to send.
   */
  void run(long untilNanos) {
    while (true) {
      if (sender.state() == TcpState.ESTABLISHED) {
        while (sender.send(appData.clear(), now) > 0) {}
      }
      for (TcpSegment seg; (seg = sender.pollTransmit(now)) != null; ) transmit(seg);
      long next =
          Math.min(events.isEmpty() ? Long.MAX_VALUE : events.peek().time, sender.pollTimeout());
      if (next > untilNanos) break;
      now = Math.max(now, next);
      if (!events.isEmpty() && events.peek().time <= now) {
        Event e = events.poll();
        if (e.toReceiver) {
          TcpSegment ack = receiver.onSegment(e.segment);
          if (ack != null) schedule(now + path.oneWayDelayNanos, false, ack);
        } else {
          sender.handleSegment(e.segment, now);
        }
      } else {
        sender.handleTimeout(now);
      }
    }
    now = untilNanos;
  }

  /** Returns the samples from {@code fromNanos} on. */
  List<TraceEvent.Sample> samplesFrom(long fromNanos) {
    return samples.stream().filter(s -> s.timeNanos() >= fromNanos).toList();
  }

  private void transmit(TcpSegment seg) {
    if (seg.payloadLength() == 0) {
      schedule(now + path.oneWayDelayNanos, true, seg);
      return;
    }
    segmentsSent++;
    long departure = now;
    if (path.bandwidthBitsPerSecond > 0) {
      long serialisation =
          (seg.payloadLength() + HEADERS) * 8L * 1_000_000_000L / path.bandwidthBitsPerSecond;
      long queued =
          Math.max(0, linkFreeAt - now) * path.bandwidthBitsPerSecond / 8 / 1_000_000_000L;
      if (queued > path.queueLimitBytes) {
        dropped++;
        return;
      }
      departure = Math.max(now, linkFreeAt) + serialisation;
      linkFreeAt = departure;
    }
    if (dropFilter.test(seg) || (path.loss > 0 && random.nextDouble() < path.loss)) {
      dropped++;
      return;
    }
    long arrival = departure + path.oneWayDelayNanos;
    if (path.reorder > 0 && random.nextDouble() < path.reorder) arrival += path.reorderDelayNanos;
    schedule(arrival, true, seg);
  }

  private void schedule(long time, boolean toReceiver, TcpSegment seg) {
    events.add(new Event(time, order++, toReceiver, seg));
  }

  /** The model receiver: every byte kept, an ACK per segment with SACK and D-SACK blocks. */
  private final class Receiver {
    /**
     * Offsets from the sender's ISS + 1: the in-order end, and the out-of-order blocks {left,
     * right} by left edge.
     */
    private long rcvNxt;

    private final TreeMap<Long, long[]> blocks = new TreeMap<>();

    /** The blocks most recently changed, newest first (RFC 2018 §4 reports them in that order). */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();

    private long delivered;
    private boolean sack;
    private boolean timestamps;
    private boolean windowScale;
    private int tsRecent;
    private long lastAckSent;

    TcpSegment onSegment(TcpSegment seg) {
      if (seg.has(TcpFlags.SYN)) return synAck(seg);
      if (seg.has(TcpFlags.RST) || (seg.payloadLength() == 0 && !seg.has(TcpFlags.FIN)))
        return null;
      TcpOption.Timestamps ts = seg.options().timestamps();
      long start = offset(seg.sequenceNumber());
      long end = start + seg.payloadLength();
      // RFC 7323 §4.3: TS.Recent from a segment that covers Last.ACK.sent.
      if (timestamps && ts != null && start <= lastAckSent) tsRecent = ts.tsVal();
      long[] dsack = null;
      if (end > start) {
        if (end <= rcvNxt || covered(start, end)) {
          dsack = new long[] {start, end};
        } else {
          add(Math.max(start, rcvNxt), end);
        }
      }
      lastAckSent = rcvNxt;
      List<SackBlock> out = new ArrayList<>(4);
      if (sack) {
        int limit = timestamps ? 3 : 4;
        if (dsack != null) out.add(block(dsack));
        for (long[] b : recent) {
          if (out.size() >= limit) break;
          out.add(block(b));
        }
      }
      List<TcpOption> options = new ArrayList<>();
      if (timestamps) {
        options.add(new TcpOption.NoOperation());
        options.add(new TcpOption.NoOperation());
        options.add(new TcpOption.Timestamps((int) (now / 1_000_000L), tsRecent));
      }
      if (!out.isEmpty()) {
        options.add(new TcpOption.NoOperation());
        options.add(new TcpOption.NoOperation());
        options.add(new TcpOption.Sack(out));
      }
      TcpSegment ack =
          TcpSegment.of(
              EnginePair.SERVER_PORT,
              EnginePair.CLIENT_PORT,
              RECEIVER_ISS + 1,
              (int) (EnginePair.CLIENT_ISS + 1 + rcvNxt),
              TcpFlags.ACK,
              0xffff);
      return options.isEmpty() ? ack : ack.withOptions(new TcpOptions(options));
    }

    private TcpSegment synAck(TcpSegment syn) {
      TcpOptions o = syn.options();
      sack = o.sackPermitted();
      timestamps = o.timestamps() != null;
      windowScale = o.windowScale() >= 0;
      List<TcpOption> options = new ArrayList<>();
      options.add(new TcpOption.MaximumSegmentSize(RECEIVER_MSS));
      if (sack) options.add(new TcpOption.SackPermitted());
      if (timestamps) {
        tsRecent = o.timestamps().tsVal();
        options.add(new TcpOption.Timestamps((int) (now / 1_000_000L), tsRecent));
      }
      if (windowScale) options.add(new TcpOption.WindowScale(8));
      return TcpSegment.of(
              EnginePair.SERVER_PORT,
              EnginePair.CLIENT_PORT,
              RECEIVER_ISS,
              EnginePair.CLIENT_ISS + 1,
              TcpFlags.SYN | TcpFlags.ACK,
              0xffff)
          .withOptions(new TcpOptions(options));
    }

    private long offset(int seq) {
      return Integer.toUnsignedLong(seq - (EnginePair.CLIENT_ISS + 1));
    }

    private boolean covered(long start, long end) {
      Map.Entry<Long, long[]> e = blocks.floorEntry(start);
      return e != null && e.getValue()[1] >= end;
    }

    /**
     * Adds [start, end) to the out-of-order blocks, merging neighbours, and moves RCV.NXT when the
     * first hole fills.
     */
    private void add(long start, long end) {
      long[] merged = {start, end};
      Map.Entry<Long, long[]> e = blocks.floorEntry(start);
      if (e == null || e.getValue()[1] < start) e = blocks.ceilingEntry(start);
      while (e != null && e.getKey() <= merged[1]) {
        long[] b = e.getValue();
        if (b[1] >= merged[0]) {
          merged[0] = Math.min(merged[0], b[0]);
          merged[1] = Math.max(merged[1], b[1]);
          blocks.remove(e.getKey());
          recent.remove(b);
        }
        e = blocks.higherEntry(e.getKey());
      }
      if (merged[0] <= rcvNxt) {
        delivered += merged[1] - rcvNxt;
        rcvNxt = merged[1];
        return;
      }
      blocks.put(merged[0], merged);
      recent.addFirst(merged);
      if (recent.size() > 8) recent.removeLast();
    }

    private SackBlock block(long[] b) {
      int base = EnginePair.CLIENT_ISS + 1;
      return new SackBlock((int) (base + b[0]), (int) (base + b[1]));
    }
  }
}
