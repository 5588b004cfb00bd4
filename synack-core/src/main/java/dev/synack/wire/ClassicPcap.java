package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * Records of a classic pcap file (the libpcap format, draft-ietf-opsawg-pcap): a 24-byte file
 * header, then per packet a 16-byte record header and the captured bytes. The magic number, written
 * in the writer's byte order, says the byte order and whether the sub-second part of timestamps
 * counts microseconds or nanoseconds.
 */
final class ClassicPcap implements PcapReader.Source {
  static final int MAGIC_MICROS = 0xa1b2c3d4;
  static final int MAGIC_NANOS = 0xa1b23c4d;
  static final int FILE_HEADER_LENGTH = 24;
  static final int RECORD_HEADER_LENGTH = 16;

  /** The whole file, in the byte order its magic number says. */
  private final ByteBuffer file;

  /** Whether the second field of a record timestamp counts nanoseconds rather than microseconds. */
  private final boolean nanos;

  /** The LINKTYPE_ of every record, the low 16 bits of the header's LinkType field. */
  private final int linkType;

  /** The offset of the next record header. */
  private int position = FILE_HEADER_LENGTH;

  /** The number of records read so far, for error messages. */
  private int count;

  ClassicPcap(ByteBuffer file, boolean nanos) throws PcapFormatException {
    this.file = file;
    this.nanos = nanos;
    if (file.limit() < FILE_HEADER_LENGTH) {
      throw new PcapFormatException(
          "pcap file header cut short: the file has "
              + file.limit()
              + " bytes, the header needs "
              + FILE_HEADER_LENGTH);
    }
    int major = file.getShort(4) & 0xffff;
    if (major != 2) {
      throw new PcapFormatException(
          "pcap file header: version "
              + major
              + "."
              + (file.getShort(6) & 0xffff)
              + " is not supported (expected 2.4)");
    }
    // The upper bits of the LinkType field carry the FCS length, not the link type.
    this.linkType = file.getInt(20) & 0xffff;
  }

  @Override
  public PcapRecord next() throws PcapFormatException {
    int left = file.limit() - position;
    if (left == 0) return null;
    String where = "pcap record " + (count + 1) + " at offset " + position;
    if (left < RECORD_HEADER_LENGTH) {
      throw new PcapFormatException(
          where
              + ": only "
              + left
              + " bytes left, a record header needs "
              + RECORD_HEADER_LENGTH
              + " (truncated file?)");
    }
    long seconds = Integer.toUnsignedLong(file.getInt(position));
    long fraction = Integer.toUnsignedLong(file.getInt(position + 4));
    long captured = Integer.toUnsignedLong(file.getInt(position + 8));
    long original = Integer.toUnsignedLong(file.getInt(position + 12));
    if (captured > left - RECORD_HEADER_LENGTH) {
      throw new PcapFormatException(
          where
              + ": captured length "
              + captured
              + " exceeds the "
              + (left - RECORD_HEADER_LENGTH)
              + " bytes left (truncated file?)");
    }
    long timeNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
    PcapRecord r =
        PcapReader.record(
            file, position + RECORD_HEADER_LENGTH, (int) captured, timeNanos, linkType, original);
    position += RECORD_HEADER_LENGTH + (int) captured;
    count++;
    return r;
  }
}
