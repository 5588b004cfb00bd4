package dev.synack.link;

import dev.synack.wire.PcapWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * A link that passes everything to another link and records every packet sent and received in a
 * pcap file (raw IP, nanosecond timestamps) that Wireshark and tcpdump open.
 *
 * <p>The tap owns both the inner link and the output: closing the tap closes them. Records are
 * written in the order the calls complete, from whichever thread sends or receives.
 */
public final class PcapTap implements Link {
  private final Link inner;
  private final OutputStream out;
  private final InstantSource clock;

  /** Guarded by itself, since send and receive may run on two threads. */
  private final PcapWriter writer;

  private PcapTap(Link inner, OutputStream out, InstantSource clock) throws IOException {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.out = Objects.requireNonNull(out, "out");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.writer = PcapWriter.open(out, PcapWriter.Resolution.NANOSECONDS);
  }

  /** Wraps {@code inner}, writing the pcap to {@code out} with timestamps from the system clock. */
  public static PcapTap wrap(Link inner, OutputStream out) throws IOException {
    return new PcapTap(inner, out, InstantSource.system());
  }

  /** Wraps {@code inner}, writing the pcap to {@code out} with timestamps from {@code clock}. */
  public static PcapTap wrap(Link inner, OutputStream out, InstantSource clock) throws IOException {
    return new PcapTap(inner, out, clock);
  }

  /** Wraps {@code inner}, writing the pcap to a new or truncated {@code file} through a buffer. */
  public static PcapTap open(Link inner, Path file) throws IOException {
    OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    try {
      return new PcapTap(inner, out, InstantSource.system());
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    int start = dst.position();
    int length = inner.receive(dst, timeoutNanos);
    if (length > 0) record(dst, start, length);
    return length;
  }

  @Override
  public int receiveBatch(ByteBuffer[] dsts, long timeoutNanos) throws IOException {
    return receiveBatch(dsts, null, timeoutNanos);
  }

  /** Receives as the inner link does, the checksum word passed on, and records each packet. */
  @Override
  public int receiveBatch(ByteBuffer[] dsts, boolean[] checksumUnnecessary, long timeoutNanos)
      throws IOException {
    int[] starts = new int[dsts.length];
    for (int i = 0; i < dsts.length; i++) starts[i] = dsts[i].position();
    int count =
        checksumUnnecessary == null
            ? inner.receiveBatch(dsts, timeoutNanos)
            : inner.receiveBatch(dsts, checksumUnnecessary, timeoutNanos);
    for (int i = 0; i < count; i++) record(dsts[i], starts[i], dsts[i].position() - starts[i]);
    return count;
  }

  /**
   * Records each packet as it was given, then sends as the inner link does (which may merge
   * segments).
   */
  @Override
  public void sendBatch(ByteBuffer[] packets, int count) throws IOException {
    int[] starts = new int[count];
    int[] lengths = new int[count];
    for (int i = 0; i < count; i++) {
      starts[i] = packets[i].position();
      lengths[i] = packets[i].remaining();
    }
    // Recorded before they leave, as Linux's taps see a packet before its driver does: a reply,
    // which another thread may read and record, can then never come first in the file.
    for (int i = 0; i < count; i++) record(packets[i], starts[i], lengths[i]);
    inner.sendBatch(packets, count);
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    int start = packet.position();
    int length = packet.remaining();
    record(packet, start, length);
    inner.send(packet);
  }

  @Override
  public void wakeup() {
    inner.wakeup();
  }

  /** Writes out what the output buffers, so a reader of the file sees every packet so far. */
  public void flush() throws IOException {
    synchronized (writer) {
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      inner.close();
    } finally {
      synchronized (writer) {
        out.close();
      }
    }
  }

  @Override
  public String toString() {
    return "PcapTap[" + inner + "]";
  }

  private void record(ByteBuffer packet, int start, int length) throws IOException {
    synchronized (writer) {
      Instant now = clock.instant();
      writer.write(
          now.getEpochSecond() * 1_000_000_000L + now.getNano(), packet.slice(start, length));
    }
  }
}
