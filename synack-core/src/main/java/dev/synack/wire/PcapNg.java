package dev.synack.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Records of a pcapng file (draft-ietf-opsawg-pcapng): a sequence of blocks, each {@code type,
 * total length, body, total length}. A Section Header Block starts each section and fixes its byte
 * order; Interface Description Blocks give each interface's link type and timestamp resolution;
 * Enhanced, Simple and (obsolete) Packet Blocks hold the packets. Every other block is skipped, as
 * the format asks of readers that do not know it.
 */
final class PcapNg implements PcapReader.Source {
  /** The Section Header Block type, a palindrome so that it reads the same in both byte orders. */
  static final int SECTION_HEADER = 0x0a0d0d0a;

  private static final int INTERFACE_DESCRIPTION = 1;
  private static final int PACKET_OBSOLETE = 2;
  private static final int SIMPLE_PACKET = 3;
  private static final int ENHANCED_PACKET = 6;
  private static final int BYTE_ORDER_MAGIC = 0x1a2b3c4d;
  private static final int OPT_ENDOFOPT = 0;
  private static final int OPT_IF_TSRESOL = 9;
  private static final int OPT_IF_TSOFFSET = 14;

  /**
   * One interface of the current section.
   *
   * @param binary whether the resolution is 2^-exponent seconds rather than 10^-exponent
   * @param offsetSeconds if_tsoffset, added to every timestamp
   */
  private record Interface(
      int linkType, long snapLength, boolean binary, int exponent, long offsetSeconds) {}

  /** The whole file, in the byte order of the current section. */
  private ByteBuffer file;

  /** The interfaces described so far in the current section, by interface ID. */
  private final List<Interface> interfaces = new ArrayList<>();

  /** The offset of the next block. */
  private int position;

  PcapNg(ByteBuffer file) {
    this.file = file;
  }

  @Override
  public PcapRecord next() throws PcapFormatException {
    while (position < file.limit()) {
      int at = position;
      int left = file.limit() - at;
      if (left < 12) {
        throw error(
            at, "only " + left + " bytes left, a block needs at least 12 (truncated file?)");
      }
      int type = file.getInt(at);
      if (type == SECTION_HEADER) {
        startSection(at, left);
      }
      long length = Integer.toUnsignedLong(file.getInt(at + 4));
      if (length < 12 || length % 4 != 0) {
        throw error(at, "block total length " + length + " is not a multiple of 4 of at least 12");
      }
      if (length > left) {
        throw error(
            at,
            "block total length "
                + length
                + " exceeds the "
                + left
                + " bytes left (truncated file?)");
      }
      if (Integer.toUnsignedLong(file.getInt(at + (int) length - 4)) != length) {
        throw error(
            at, "the trailing block total length does not repeat the leading one (" + length + ")");
      }
      position = at + (int) length;
      PcapRecord r =
          switch (type) {
            case SECTION_HEADER -> null;
            case INTERFACE_DESCRIPTION -> {
              interfaces.add(interfaceDescription(at, (int) length));
              yield null;
            }
            case ENHANCED_PACKET -> packet(at, (int) length, file.getInt(at + 8), 12);
            case PACKET_OBSOLETE -> packet(at, (int) length, file.getShort(at + 8) & 0xffff, 12);
            case SIMPLE_PACKET -> simplePacket(at, (int) length);
            default -> null;
          };
      if (r != null) return r;
    }
    return null;
  }

  /** Reads a Section Header Block's byte-order magic and version, and forgets the interfaces. */
  private void startSection(int at, int left) throws PcapFormatException {
    if (left < 28) {
      throw error(
          at, "section header block cut short: " + left + " bytes left, it needs at least 28");
    }
    int magic = file.order(ByteOrder.BIG_ENDIAN).getInt(at + 8);
    if (magic == BYTE_ORDER_MAGIC) {
      file = file.order(ByteOrder.BIG_ENDIAN);
    } else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
      file = file.order(ByteOrder.LITTLE_ENDIAN);
    } else {
      throw error(
          at,
          "section header block: byte-order magic 0x"
              + HexFormat.of().toHexDigits(magic)
              + " is neither 1a2b3c4d nor 4d3c2b1a");
    }
    int major = file.getShort(at + 12) & 0xffff;
    if (major != 1) {
      throw error(
          at,
          "section header block: version "
              + major
              + "."
              + (file.getShort(at + 14) & 0xffff)
              + " is not supported (expected 1.0)");
    }
    interfaces.clear();
  }

  /** Reads an Interface Description Block: link type, snapshot length, if_tsresol, if_tsoffset. */
  private Interface interfaceDescription(int at, int length) throws PcapFormatException {
    if (length < 20) {
      throw error(at, "interface description block of " + length + " bytes, it needs at least 20");
    }
    int linkType = file.getShort(at + 8) & 0xffff;
    long snapLength = Integer.toUnsignedLong(file.getInt(at + 12));
    boolean binary = false;
    int exponent = 6; // if_tsresol absent: microseconds
    long offsetSeconds = 0;
    int end = at + length - 4;
    for (int o = at + 16; o + 4 <= end; ) {
      int code = file.getShort(o) & 0xffff;
      int optionLength = file.getShort(o + 2) & 0xffff;
      if (code == OPT_ENDOFOPT) break;
      if (o + 4 + optionLength > end) {
        throw error(
            at,
            "interface description block: option "
                + code
                + " of "
                + optionLength
                + " bytes runs past the end of the block");
      }
      if (code == OPT_IF_TSRESOL && optionLength >= 1) {
        int v = file.get(o + 4) & 0xff;
        binary = (v & 0x80) != 0;
        exponent = v & 0x7f;
        if ((binary && exponent > 62) || (!binary && exponent > 18)) {
          throw error(
              at,
              "interface description block: if_tsresol 0x"
                  + Integer.toHexString(v)
                  + " is out of range");
        }
      } else if (code == OPT_IF_TSOFFSET && optionLength >= 8) {
        offsetSeconds = file.getLong(o + 4);
      }
      o += 4 + ((optionLength + 3) & ~3);
    }
    return new Interface(linkType, snapLength, binary, exponent, offsetSeconds);
  }

  /**
   * Reads an Enhanced Packet Block or an obsolete Packet Block, which differ only in the width of
   * the interface ID: after it come the timestamp (high, low), captured and original lengths, data.
   */
  private PcapRecord packet(int at, int length, int interfaceId, int afterId)
      throws PcapFormatException {
    if (length < 32) {
      throw error(at, "packet block of " + length + " bytes, it needs at least 32");
    }
    Interface iface = iface(at, interfaceId);
    long high = Integer.toUnsignedLong(file.getInt(at + afterId));
    long low = Integer.toUnsignedLong(file.getInt(at + afterId + 4));
    long captured = Integer.toUnsignedLong(file.getInt(at + afterId + 8));
    long original = Integer.toUnsignedLong(file.getInt(at + afterId + 12));
    int data = at + afterId + 16;
    if (captured > at + length - 4 - data) {
      throw error(at, "captured length " + captured + " runs past the end of the packet block");
    }
    return PcapReader.record(
        file,
        data,
        (int) captured,
        timeNanos(at, iface, high << 32 | low),
        iface.linkType(),
        original);
  }

  /** Reads a Simple Packet Block: interface 0, no timestamp, captured length implied. */
  private PcapRecord simplePacket(int at, int length) throws PcapFormatException {
    if (length < 16) {
      throw error(at, "simple packet block of " + length + " bytes, it needs at least 16");
    }
    Interface iface = iface(at, 0);
    long original = Integer.toUnsignedLong(file.getInt(at + 8));
    long captured = Math.min(original, length - 16);
    if (iface.snapLength() != 0) captured = Math.min(captured, iface.snapLength());
    return PcapReader.record(file, at + 12, (int) captured, 0, iface.linkType(), original);
  }

  private Interface iface(int at, int interfaceId) throws PcapFormatException {
    if (interfaceId < 0 || interfaceId >= interfaces.size()) {
      throw error(
          at,
          "packet block refers to interface "
              + Integer.toUnsignedString(interfaceId)
              + " but "
              + interfaces.size()
              + " interface(s) are described in this section");
    }
    return interfaces.get(interfaceId);
  }

  /** Converts a timestamp in the interface's units to nanoseconds since the epoch. */
  private long timeNanos(int at, Interface iface, long ticks) throws PcapFormatException {
    try {
      long nanos;
      int e = iface.exponent();
      if (iface.binary()) {
        long seconds = ticks >>> e;
        long fraction = ticks & ((1L << e) - 1);
        // fraction * 10^9 needs up to e + 30 bits: take the 128-bit product before shifting.
        long lowBits = fraction * 1_000_000_000L;
        long highBits = Math.multiplyHigh(fraction, 1_000_000_000L);
        long fractionNanos = e == 0 ? 0 : (lowBits >>> e) | (highBits << (64 - e));
        nanos = Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), fractionNanos);
      } else if (e <= 9) {
        nanos = Math.multiplyExact(ticks, pow10(9 - e));
      } else {
        nanos = Long.divideUnsigned(ticks, pow10(e - 9));
      }
      return Math.addExact(nanos, Math.multiplyExact(iface.offsetSeconds(), 1_000_000_000L));
    } catch (ArithmeticException overflow) {
      throw error(
          at, "timestamp " + Long.toUnsignedString(ticks) + " does not fit in 64-bit nanoseconds");
    }
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) p *= 10;
    return p;
  }

  private static PcapFormatException error(int at, String reason) {
    return new PcapFormatException("pcapng block at offset " + at + ": " + reason);
  }
}
