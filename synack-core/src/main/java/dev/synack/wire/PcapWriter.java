package dev.synack.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes IP packets as a classic pcap file (draft-ietf-opsawg-pcap) of link type {@link
 * LinkType#RAW}, which Wireshark and tcpdump open: a file header, then one record per packet.
 * Multi-byte fields are written big-endian, which the magic number tells readers.
 *
 * <p>Not safe for use by several threads. The caller owns the stream: the writer neither buffers
 * nor closes it.
 */
public final class PcapWriter {
  /** The sub-second unit of record timestamps, which the file's magic number announces. */
  public enum Resolution {
    MICROSECONDS,
    NANOSECONDS
  }

  /** The snapshot length written in the header: large enough for any IP packet, as tcpdump uses. */
  private static final int SNAP_LENGTH = 262_144;

  private final OutputStream out;
  private final Resolution resolution;

  private PcapWriter(OutputStream out, Resolution resolution) {
    this.out = out;
    this.resolution = resolution;
  }

  /** Writes the file header to {@code out} and returns a writer for the records that follow. */
  public static PcapWriter open(OutputStream out, Resolution resolution) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(ClassicPcap.FILE_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
    h.putInt(
        resolution == Resolution.NANOSECONDS ? ClassicPcap.MAGIC_NANOS : ClassicPcap.MAGIC_MICROS);
    h.putShort((short) 2).putShort((short) 4); // version 2.4
    h.putInt(0).putInt(0); // thiszone and sigfigs, always 0
    h.putInt(SNAP_LENGTH).putInt(LinkType.RAW);
    out.write(h.array());
    return new PcapWriter(out, resolution);
  }

  /**
   * Writes one record holding a whole IP packet.
   *
   * @param timeNanos nanoseconds since the Unix epoch; must not be negative
   * @param ipPacket the packet; not changed or kept
   */
  public void write(long timeNanos, byte[] ipPacket) throws IOException {
    write(timeNanos, ByteBuffer.wrap(ipPacket));
  }

  /**
   * Writes one record holding the remaining bytes of {@code ipPacket}.
   *
   * @param timeNanos nanoseconds since the Unix epoch; must not be negative
   * @param ipPacket the packet from its position to its limit; neither the buffer nor its position
   *     is changed, nor the buffer kept
   */
  public void write(long timeNanos, ByteBuffer ipPacket) throws IOException {
    if (timeNanos < 0) throw new IllegalArgumentException("negative time: " + timeNanos);
    long seconds = timeNanos / 1_000_000_000L;
    if (seconds > 0xffffffffL)
      throw new IllegalArgumentException("time beyond the pcap range (year 2106): " + timeNanos);
    long fraction = timeNanos % 1_000_000_000L;
    int length = ipPacket.remaining();
    ByteBuffer r =
        ByteBuffer.allocate(ClassicPcap.RECORD_HEADER_LENGTH + length).order(ByteOrder.BIG_ENDIAN);
    r.putInt((int) seconds);
    r.putInt((int) (resolution == Resolution.NANOSECONDS ? fraction : fraction / 1_000L));
    r.putInt(length).putInt(length);
    r.put(ipPacket.duplicate());
    out.write(r.array());
  }
}
