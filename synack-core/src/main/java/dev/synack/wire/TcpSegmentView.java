package dev.synack.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reused view over one TCP segment where it lies in its packet: the header's fields read on
 * demand, the steady options (timestamps, SACK) parsed into fields of the view, the payload lent as
 * one buffer positioned anew for each segment. Pointed at one segment after another ({@link
 * #wrap}), it lets the receive path hand the engine a segment without making an object for it
 * (smoltcp's {@code TcpPacket} over the packet's bytes, which its {@code TcpRepr} parses only when
 * asked).
 *
 * <p>{@link #wrap} takes only what it reads exactly as {@link TcpCodec#parse} would: a header whose
 * data offset fits and whose options are NOPs, an end of list, timestamps and SACK, each of a valid
 * length. Anything else it leaves to the parse, which builds the record and gives a malformed
 * header its reason; so a segment read through the view is the segment the record holds.
 *
 * <p>Buffer ownership: the view shares the bytes it wraps, which must not change until the call
 * that handed it over returns; nothing may keep it, or the payload it lends, beyond that call
 * ({@link #toSegment} makes a record, whose payload still shares the packet's bytes).
 */
public final class TcpSegmentView implements InboundSegment {
  /** The packet's buffer, big-endian; indexes below are absolute. */
  private ByteBuffer buf;

  /** Where the segment starts in {@link #buf}. */
  private int at;

  /** The segment's length, header and payload. */
  private int length;

  private int headerLength;

  /** The buffer the payload is lent in: a read-only duplicate of {@link #payloadOf}. */
  private ByteBuffer payloadView;

  /** The buffer {@link #payloadView} duplicates, so that it is made once per packet buffer. */
  private ByteBuffer payloadOf;

  private boolean timestamps;
  private int tsVal;
  private int tsEcr;
  private int sackCount;

  /** The SACK blocks' edges, left and right in turn, {@link #sackCount} pairs. */
  private final int[] sack = new int[8];

  /** The options as a record, parsed when first asked for; {@code null} until then. */
  private TcpOptions options;

  /**
   * Points the view at the segment in {@code [at, at + length)} of {@code packet} and returns true,
   * or returns false, leaving it unusable, when the segment is not one the view reads as the parse
   * would (see the class comment): the caller then parses it. The checksum is not looked at.
   */
  public boolean wrap(ByteBuffer packet, int at, int length) {
    this.buf = null;
    if (packet.order() != ByteOrder.BIG_ENDIAN || length < TcpHeader.MIN_HEADER_LENGTH)
      return false;
    int header = (Bytes.u8(packet, at + 12) >>> 4) * 4;
    if (header < TcpHeader.MIN_HEADER_LENGTH || header > length) return false;
    if (!scanOptions(packet, at + TcpHeader.MIN_HEADER_LENGTH, at + header)) return false;
    this.buf = packet;
    this.at = at;
    this.length = length;
    this.headerLength = header;
    this.options = null;
    return true;
  }

  /**
   * Reads the options in {@code [start, end)} into the view's fields as {@link
   * TcpOptionCodec#parse} would: the first timestamps and the first SACK option count, an
   * end-of-option-list ends them; returns false for any other kind or a length the parse refuses.
   */
  private boolean scanOptions(ByteBuffer b, int start, int end) {
    timestamps = false;
    tsVal = 0;
    tsEcr = 0;
    sackCount = 0;
    int i = start;
    while (i < end) {
      int kind = Bytes.u8(b, i);
      if (kind == TcpOption.KIND_EOL) break;
      if (kind == TcpOption.KIND_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) return false;
      int optionLength = Bytes.u8(b, i + 1);
      if (optionLength < 2 || i + optionLength > end) return false;
      if (kind == TcpOption.KIND_TIMESTAMPS) {
        if (optionLength != 10) return false;
        if (!timestamps) {
          timestamps = true;
          tsVal = b.getInt(i + 2);
          tsEcr = b.getInt(i + 6);
        }
      } else if (kind == TcpOption.KIND_SACK) {
        int n = (optionLength - 2) / 8;
        if ((optionLength - 2) % 8 != 0 || n < 1 || n > 4) return false;
        if (sackCount == 0) {
          for (int k = 0; k < n; k++) {
            sack[2 * k] = b.getInt(i + 2 + 8 * k);
            sack[2 * k + 1] = b.getInt(i + 6 + 8 * k);
          }
          sackCount = n;
        }
      } else {
        return false;
      }
      i += optionLength;
    }
    return true;
  }

  @Override
  public int sourcePort() {
    return Bytes.u16(buf, at);
  }

  @Override
  public int destinationPort() {
    return Bytes.u16(buf, at + 2);
  }

  @Override
  public int sequenceNumber() {
    return buf.getInt(at + 4);
  }

  @Override
  public int acknowledgmentNumber() {
    return buf.getInt(at + 8);
  }

  @Override
  public int flags() {
    return ((Bytes.u8(buf, at + 12) & 0x01) << 8) | Bytes.u8(buf, at + 13);
  }

  @Override
  public int window() {
    return Bytes.u16(buf, at + 14);
  }

  @Override
  public int checksum() {
    return Bytes.u16(buf, at + 16);
  }

  @Override
  public int urgentPointer() {
    return Bytes.u16(buf, at + 18);
  }

  /** Returns the options as a record, parsed (and allocated) on the first call for this segment. */
  @Override
  public TcpOptions options() {
    if (options == null) {
      Parsed<TcpOptions> parsed =
          TcpOptionCodec.parse(buf, at + TcpHeader.MIN_HEADER_LENGTH, at + headerLength);
      // wrap() took only options the parse takes.
      options = parsed.reason() == null ? parsed.value() : TcpOptions.NONE;
    }
    return options;
  }

  /**
   * Returns the payload in the one buffer the view lends: read-only, positioned at the payload's
   * first byte, limited at its end. The next call positions it again.
   */
  @Override
  @SuppressWarnings("ReferenceEquality") // the buffer the lent one duplicates, not an equal one
  public ByteBuffer payload() {
    if (payloadOf != buf) {
      payloadView = buf.asReadOnlyBuffer();
      payloadOf = buf;
    }
    return payloadView.limit(at + length).position(at + headerLength);
  }

  @Override
  public int payloadLength() {
    return length - headerLength;
  }

  @Override
  public boolean hasTimestamps() {
    return timestamps;
  }

  @Override
  public int tsVal() {
    return tsVal;
  }

  @Override
  public int tsEcr() {
    return tsEcr;
  }

  @Override
  public int sackBlockCount() {
    return sackCount;
  }

  @Override
  public int sackLeft(int i) {
    return sack[2 * i];
  }

  @Override
  public int sackRight(int i) {
    return sack[2 * i + 1];
  }

  /** Returns the segment as a record; its payload shares the packet's bytes. */
  @Override
  public TcpSegment toSegment() {
    return new TcpSegment(
        sourcePort(),
        destinationPort(),
        sequenceNumber(),
        acknowledgmentNumber(),
        flags(),
        window(),
        checksum(),
        urgentPointer(),
        options(),
        Bytes.slice(buf, at + headerLength, payloadLength()));
  }

  /** Returns the segment as one tcpdump-like line. */
  @Override
  public String toString() {
    return buf == null ? "TcpSegmentView[none]" : toSegment().toString();
  }
}
