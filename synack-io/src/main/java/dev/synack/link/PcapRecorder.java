package dev.synack.link;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;

/**
 * Writes a classic pcap file of raw IP packets (link type RAW, nanosecond timestamps), little
 * endian as tcpdump writes it on x86.
 *
 * <p>TODO(lead): replace with {@code dev.synack.wire.PcapWriter} from branch {@code pcap} once it
 * is merged; this exists only so the tap works before then.
 *
 * @see <a href="https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html">pcap file format</a>
 */
final class PcapRecorder {
  /** Magic of a pcap file whose timestamps are in nanoseconds. */
  static final int MAGIC_NANOS = 0xa1b23c4d;
  /** LINKTYPE_RAW: each packet begins with an IPv4 or IPv6 header. */
  static final int LINKTYPE_RAW = 101;
  static final int SNAPLEN = 65_535;
  static final int FILE_HEADER_LENGTH = 24;
  static final int RECORD_HEADER_LENGTH = 16;

  private final OutputStream out;
  /** Record header and packet, reused for every record so a record is one write. */
  private final byte[] record = new byte[RECORD_HEADER_LENGTH + SNAPLEN];
  private final ByteBuffer recordView = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);

  /** Writes the file header to {@code out}, which this recorder then writes to and never closes. */
  PcapRecorder(OutputStream out) throws IOException {
    this.out = out;
    ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(MAGIC_NANOS)
        .putShort((short) 2).putShort((short) 4) // version 2.4
        .putInt(0).putInt(0) // reserved (thiszone, sigfigs in old readers)
        .putInt(SNAPLEN)
        .putInt(LINKTYPE_RAW);
    out.write(header.array());
  }

  /** Writes one record for the {@code length} bytes of {@code packet} at absolute {@code offset}. */
  void write(Instant time, ByteBuffer packet, int offset, int length) throws IOException {
    int captured = Math.min(length, SNAPLEN);
    recordView.putInt(0, (int) time.getEpochSecond())
        .putInt(4, time.getNano())
        .putInt(8, captured)
        .putInt(12, length);
    packet.get(offset, record, RECORD_HEADER_LENGTH, captured);
    out.write(record, 0, RECORD_HEADER_LENGTH + captured);
  }
}
