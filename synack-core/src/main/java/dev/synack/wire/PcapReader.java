package dev.synack.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the packets of a capture file: classic pcap (either byte order, microsecond or nanosecond
 * timestamps) or pcapng (any number of sections in either byte order and interfaces of any
 * timestamp resolution), taking off the link-layer header of each frame.
 *
 * <p>Call {@link #next()} until it returns {@code null}. A file that cannot be read further throws
 * a {@link PcapFormatException} naming the reason and the offset; the records read before it stay
 * valid, so a capture cut short (tcpdump killed mid-write) still shows what it holds. Records are
 * views into the file's bytes, which the reader keeps and never changes.
 */
public final class PcapReader {
  /** The container format of a capture file. */
  public enum Format {
    PCAP,
    PCAPNG
  }

  /** The source of records for one container format. */
  interface Source {
    PcapRecord next() throws PcapFormatException;
  }

  private final Format format;
  private final Source source;

  private PcapReader(Format format, Source source) {
    this.format = format;
    this.source = source;
  }

  /**
   * Returns a reader over a whole capture file, after checking its header.
   *
   * @param file the file's bytes; the reader keeps the array, and the caller must not change it
   */
  public static PcapReader of(byte[] file) throws PcapFormatException {
    if (file.length < 4) {
      throw new PcapFormatException(
          file.length == 0
              ? "empty file, not a pcap or pcapng file"
              : "file of " + file.length + " bytes is too short to be a pcap or pcapng file");
    }
    ByteBuffer buffer = ByteBuffer.wrap(file);
    int magic = buffer.getInt(0);
    if (magic == PcapNg.SECTION_HEADER) {
      return new PcapReader(Format.PCAPNG, new PcapNg(buffer));
    }
    for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
      int m = buffer.order(order).getInt(0);
      if (m == ClassicPcap.MAGIC_MICROS || m == ClassicPcap.MAGIC_NANOS) {
        return new PcapReader(
            Format.PCAP, new ClassicPcap(buffer.order(order), m == ClassicPcap.MAGIC_NANOS));
      }
    }
    throw new PcapFormatException(
        "not a pcap or pcapng file: it starts with 0x"
            + HexFormat.of().toHexDigits(magic)
            + ", not a pcap magic (a1b2c3d4, a1b23c4d) or a pcapng section header (0a0d0d0a)");
  }

  /**
   * Returns a reader over everything {@code in} holds; reads it to the end but does not close it.
   */
  public static PcapReader of(InputStream in) throws IOException, PcapFormatException {
    return of(in.readAllBytes());
  }

  /** Returns the container format of the file. */
  public Format format() {
    return format;
  }

  /** Returns the next record, or {@code null} at the end of the file. */
  public PcapRecord next() throws PcapFormatException {
    return source.next();
  }

  /** Returns every remaining record, in file order. */
  public List<PcapRecord> readAll() throws PcapFormatException {
    List<PcapRecord> records = new ArrayList<>();
    for (PcapRecord r = next(); r != null; r = next()) {
      records.add(r);
    }
    return records;
  }

  /** Returns the record of a frame found at {@code offset}, taking off its link-layer header. */
  static PcapRecord record(
      ByteBuffer file,
      int offset,
      int capturedLength,
      long timeNanos,
      int linkType,
      long originalLength) {
    ByteBuffer frame = file.slice(offset, capturedLength);
    return new PcapRecord(
        timeNanos,
        linkType,
        LinkType.ipPacket(linkType, frame),
        (int) Math.min(originalLength, Integer.MAX_VALUE));
  }
}
