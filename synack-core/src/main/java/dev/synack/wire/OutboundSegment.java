package dev.synack.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP segment on its way out, written straight into its packet: the header fields, the options,
 * and the payload where it lies in the sender's buffer. A sender refills one instance for every
 * segment, so the steady path creates no object per segment and copies each payload byte once, from
 * the send buffer into the packet ({@link Packets#tcp(java.net.InetAddress, java.net.InetAddress,
 * int, OutboundSegment)}). {@link TcpSegment} is the same segment as an immutable record, which
 * {@link #toSegment} makes.
 *
 * <p>Options are either a {@link TcpOptions} written as it is (a SYN's, a reply's), or the layout
 * of every other segment, which is written in place without a list: Linux's {@code nop,nop,TS val
 * ecr} (RFC 7323 Appendix A) followed by {@code nop,nop,sack n ...}.
 *
 * <p>Buffer ownership: the payload is borrowed, not copied. The instance is valid until the
 * sender's buffer next changes, so the caller writes it (or makes it a {@link TcpSegment}) at once.
 */
public final class OutboundSegment {
  /** The first word of the usual options: NOP, NOP, kind 8, length 10. */
  private static final int NOP_NOP_TIMESTAMPS = 0x0101_080a;

  /** The first word of a SACK option behind two NOPs, without its length byte: NOP, NOP, kind 5. */
  private static final int NOP_NOP_SACK = 0x0101_0500;

  private int sourcePort;
  private int destinationPort;
  private int sequenceNumber;
  private int acknowledgmentNumber;
  private int flags;
  private int window;
  private int urgentPointer;

  /**
   * Options written as they are; {@code null} for the usual layout of {@link #timestamps} and
   * {@link #sackEdges}.
   */
  private TcpOptions options;

  private boolean timestamps;
  private int tsVal;
  private int tsEcr;

  /**
   * The SACK blocks of the usual layout, left and right edges in turn: {@link #sackCount} of them.
   * Copied in, so that the caller's array may change and an ACK built allocates nothing.
   */
  private final int[] sackEdges = new int[8];

  private int sackCount;

  /**
   * The AccECN option of the usual layout (RFC 9768 §3.2.3), after the timestamps, or {@code null}.
   */
  private TcpOption.AccEcn accEcn;

  /**
   * The array the payload lies in, wrapping from its end to its start (a ring), or {@code null}.
   */
  private byte[] payloadArray;

  /** Where the payload starts in {@link #payloadArray}. */
  private int payloadStart;

  /** The payload from a {@link TcpSegment}, read through absolute gets, or {@code null}. */
  private ByteBuffer payloadBuffer;

  private int payloadLength;

  /**
   * The ECN codepoint of the IP packet that carries the segment (RFC 3168 §5), {@link Ecn#NOT_ECT}
   * unless set.
   */
  private int ecn;

  /** The record this was set from, returned by {@link #toSegment} as it is. */
  private TcpSegment segment;

  /**
   * The payload length of each segment but the last when the payload is a run of segments for a
   * device to cut (TSO), 0 when it is one segment.
   */
  private int segmentSize;

  /**
   * Starts a segment: the fixed header's fields, with no options, no payload and a zero urgent
   * pointer until set. Returns this.
   */
  public OutboundSegment header(
      int sourcePort, int destinationPort, int seq, int ack, int flags, int window) {
    this.sourcePort = sourcePort;
    this.destinationPort = destinationPort;
    this.sequenceNumber = seq;
    this.acknowledgmentNumber = ack;
    this.flags = flags;
    this.window = window;
    this.urgentPointer = 0;
    this.options = TcpOptions.NONE;
    this.timestamps = false;
    this.sackCount = 0;
    this.accEcn = null;
    this.payloadArray = null;
    this.payloadBuffer = null;
    this.payloadLength = 0;
    this.segment = null;
    this.ecn = Ecn.NOT_ECT;
    this.segmentSize = 0;
    return this;
  }

  /** Makes this the segment {@code seg}, options and payload as they are. Returns this. */
  public OutboundSegment set(TcpSegment seg) {
    header(
        seg.sourcePort(),
        seg.destinationPort(),
        seg.sequenceNumber(),
        seg.acknowledgmentNumber(),
        seg.flags(),
        seg.window());
    urgentPointer = seg.urgentPointer();
    options = seg.options();
    payloadBuffer = seg.payload();
    payloadLength = payloadBuffer.remaining();
    segment = seg;
    return this;
  }

  /**
   * Makes this a copy of {@code other}: its fields, and the same options and payload, which stay
   * borrowed from where {@code other} borrowed them. Returns this.
   */
  public OutboundSegment set(OutboundSegment other) {
    sourcePort = other.sourcePort;
    destinationPort = other.destinationPort;
    sequenceNumber = other.sequenceNumber;
    acknowledgmentNumber = other.acknowledgmentNumber;
    flags = other.flags;
    window = other.window;
    urgentPointer = other.urgentPointer;
    options = other.options;
    timestamps = other.timestamps;
    tsVal = other.tsVal;
    tsEcr = other.tsEcr;
    System.arraycopy(other.sackEdges, 0, sackEdges, 0, 2 * other.sackCount);
    sackCount = other.sackCount;
    accEcn = other.accEcn;
    payloadArray = other.payloadArray;
    payloadStart = other.payloadStart;
    payloadBuffer = other.payloadBuffer;
    payloadLength = other.payloadLength;
    ecn = other.ecn;
    segment = other.segment;
    segmentSize = other.segmentSize;
    return this;
  }

  /**
   * Marks the payload as a run of segments of {@code size} bytes each but the last, for a device
   * with segmentation offload to cut ({@link GsoPacket}); 0 makes it one segment again. Returns
   * this.
   */
  public OutboundSegment segmentSize(int size) {
    if (size < 0) throw new IllegalArgumentException("segment size " + size);
    segmentSize = size;
    return this;
  }

  /**
   * Returns the payload length of each segment of the run the payload is, 0 when it is one segment
   * (see {@link #segmentSize(int)}).
   */
  public int segmentSize() {
    return segmentSize;
  }

  /** Sets options written as they are (a SYN's). Returns this. */
  public OutboundSegment options(TcpOptions newOptions) {
    options = newOptions == null ? TcpOptions.NONE : newOptions;
    timestamps = false;
    sackCount = 0;
    accEcn = null;
    return this;
  }

  /**
   * Sets the options of a segment other than a SYN in Linux's layout: {@code nop,nop,TS val ecr}
   * when {@code withTimestamps}, then {@code nop,nop,sack n ...} when there are SACK blocks (at
   * most four, RFC 2018 §3). Returns this.
   */
  public OutboundSegment usualOptions(
      boolean withTimestamps, int tsVal, int tsEcr, List<SackBlock> blocks) {
    if (blocks.size() > 4)
      throw new IllegalArgumentException("a SACK option holds 1 to 4 blocks, not " + blocks.size());
    for (int b = 0; b < blocks.size(); b++) {
      sackEdges[2 * b] = blocks.get(b).left();
      sackEdges[2 * b + 1] = blocks.get(b).right();
    }
    return usualLayout(withTimestamps, tsVal, tsEcr, blocks.size());
  }

  /**
   * As {@link #usualOptions(boolean, int, int, List)}, with the first {@code count} SACK blocks of
   * {@code edges} (left and right edges in turn), copied. Returns this.
   */
  public OutboundSegment usualOptions(
      boolean withTimestamps, int tsVal, int tsEcr, int[] edges, int count) {
    if (count < 0 || count > 4)
      throw new IllegalArgumentException("a SACK option holds 1 to 4 blocks, not " + count);
    System.arraycopy(edges, 0, sackEdges, 0, 2 * count);
    return usualLayout(withTimestamps, tsVal, tsEcr, count);
  }

  private OutboundSegment usualLayout(boolean withTimestamps, int tsVal, int tsEcr, int count) {
    options = null;
    timestamps = withTimestamps;
    this.tsVal = tsVal;
    this.tsEcr = tsEcr;
    sackCount = count;
    accEcn = null;
    return this;
  }

  /**
   * Adds an AccECN option (RFC 9768 §3.2.3) to the usual layout, after the timestamps and before
   * the SACK blocks, padded with NOPs to a word as Linux's {@code tcp_options_write} does. Returns
   * this.
   */
  public OutboundSegment accEcnOption(TcpOption.AccEcn option) {
    if (options != null)
      throw new IllegalStateException("an AccECN option goes with the usual options only");
    accEcn = option;
    return this;
  }

  /**
   * Sets the payload: {@code length} bytes of {@code array} from {@code start}, going on from index
   * 0 if they pass the array's end (a ring buffer). Borrowed: the bytes are read when written.
   * Returns this.
   */
  public OutboundSegment payload(byte[] array, int start, int length) {
    if (length < 0 || length > array.length || start < 0 || (start >= array.length && length > 0)) {
      throw new IllegalArgumentException(
          "payload of " + length + " bytes from " + start + " outside an array of " + array.length);
    }
    payloadArray = length == 0 ? null : array;
    payloadStart = start;
    payloadBuffer = null;
    payloadLength = length;
    segment = null;
    return this;
  }

  public int sourcePort() {
    return sourcePort;
  }

  public int destinationPort() {
    return destinationPort;
  }

  public int sequenceNumber() {
    return sequenceNumber;
  }

  public int acknowledgmentNumber() {
    return acknowledgmentNumber;
  }

  public int flags() {
    return flags;
  }

  public int window() {
    return window;
  }

  public int payloadLength() {
    return payloadLength;
  }

  /** Returns the ECN codepoint for the IP header, one of {@link Ecn}'s. */
  public int ecn() {
    return ecn;
  }

  /**
   * Sets the ECN codepoint for the IP header (RFC 3168 §6.1.1: ECT(0) on an ECN connection's data).
   * Returns this.
   */
  public OutboundSegment ecn(int codepoint) {
    if ((codepoint & ~0x3) != 0)
      throw new IllegalArgumentException("ecn out of range: " + codepoint);
    this.ecn = codepoint;
    return this;
  }

  /** Returns the options' length on the wire, padded to a multiple of four. */
  int optionsLength() {
    if (options != null) return TcpOptionCodec.paddedLength(options);
    int length = (timestamps ? 12 : 0) + (accEcn == null ? 0 : (accEcn.encodedLength() + 3) & ~3);
    return sackCount == 0 ? length : length + 4 + 8 * sackCount;
  }

  /** Returns the bytes {@link #write} takes: header, padded options and payload. */
  public int encodedLength() {
    return TcpHeader.MIN_HEADER_LENGTH + optionsLength() + payloadLength;
  }

  /**
   * Writes the segment at absolute index {@code at} of {@code out} (big-endian): the header with a
   * zero checksum field, the options, the payload. Positions are not moved; the caller fills in the
   * checksum ({@link TcpCodec}).
   *
   * @throws IllegalArgumentException if the options exceed 40 bytes
   */
  void write(ByteBuffer out, int at) {
    writePayload(out, at + writeHeader(out, at));
  }

  /**
   * Writes the header and options at absolute index {@code at} of {@code out}, as {@link #write}
   * does, and returns their length; the payload is the caller's to write after them.
   *
   * @throws IllegalArgumentException if the options exceed 40 bytes
   */
  int writeHeader(ByteBuffer out, int at) {
    int optionsLength = optionsLength();
    if (optionsLength > TcpOptionCodec.MAX_LENGTH) {
      int unpadded = options != null ? options.encodedLength() : optionsLength;
      throw new IllegalArgumentException(
          "TCP options take " + unpadded + " bytes, more than 40: " + options());
    }
    int headerLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength;
    out.putShort(at, (short) sourcePort);
    out.putShort(at + 2, (short) destinationPort);
    out.putInt(at + 4, sequenceNumber);
    out.putInt(at + 8, acknowledgmentNumber);
    out.put(at + 12, (byte) (((headerLength / 4) << 4) | ((flags & TcpFlags.AE) >>> 8)));
    out.put(at + 13, (byte) flags);
    out.putShort(at + 14, (short) window);
    out.putShort(at + 16, (short) 0);
    out.putShort(at + 18, (short) urgentPointer);
    if (options != null) {
      TcpOptionCodec.write(options, out, at + TcpHeader.MIN_HEADER_LENGTH);
    } else {
      writeUsualOptions(out, at + TcpHeader.MIN_HEADER_LENGTH);
    }
    return headerLength;
  }

  private void writeUsualOptions(ByteBuffer out, int i) {
    if (timestamps) {
      out.putInt(i, NOP_NOP_TIMESTAMPS);
      out.putInt(i + 4, tsVal);
      out.putInt(i + 8, tsEcr);
      i += 12;
    }
    if (accEcn != null) {
      int padded = (accEcn.encodedLength() + 3) & ~3;
      TcpOptionCodec.write(new TcpOptions(List.of(accEcn)), out, i);
      for (int k = accEcn.encodedLength(); k < padded; k++)
        out.put(i + k, (byte) TcpOption.KIND_NOP);
      i += padded;
    }
    if (sackCount > 0) {
      out.putInt(i, NOP_NOP_SACK | (2 + 8 * sackCount));
      for (int b = 0; b < sackCount; b++) {
        out.putInt(i + 4 + 8 * b, sackEdges[2 * b]);
        out.putInt(i + 8 + 8 * b, sackEdges[2 * b + 1]);
      }
    }
  }

  /** Writes the payload at absolute index {@code at} of {@code out}: the one copy of its bytes. */
  void writePayload(ByteBuffer out, int at) {
    if (payloadBuffer != null) {
      out.put(at, payloadBuffer, payloadBuffer.position(), payloadLength);
    } else if (payloadArray != null) {
      int first = Math.min(payloadLength, payloadArray.length - payloadStart);
      out.put(at, payloadArray, payloadStart, first);
      out.put(at + first, payloadArray, 0, payloadLength - first);
    }
  }

  /**
   * Returns the options as a record, as they will be written (for traces and {@link #toSegment}).
   */
  public TcpOptions options() {
    if (options != null) return options;
    List<TcpOption> list = new ArrayList<>(6);
    if (timestamps) {
      list.add(TcpOption.NOP);
      list.add(TcpOption.NOP);
      list.add(new TcpOption.Timestamps(tsVal, tsEcr));
    }
    if (accEcn != null) {
      list.add(accEcn);
      for (int k = accEcn.encodedLength(); k % 4 != 0; k++) list.add(TcpOption.NOP);
    }
    if (sackCount > 0) {
      List<SackBlock> blocks = new ArrayList<>(sackCount);
      for (int b = 0; b < sackCount; b++)
        blocks.add(new SackBlock(sackEdges[2 * b], sackEdges[2 * b + 1]));
      list.add(TcpOption.NOP);
      list.add(TcpOption.NOP);
      list.add(new TcpOption.Sack(blocks));
    }
    return list.isEmpty() ? TcpOptions.NONE : new TcpOptions(list);
  }

  /** Returns the segment as an immutable record that owns a copy of the payload. */
  public TcpSegment toSegment() {
    if (segment != null) return segment;
    ByteBuffer payload = null;
    if (payloadLength > 0) {
      byte[] copy = new byte[payloadLength];
      writePayload(ByteBuffer.wrap(copy), 0);
      payload = ByteBuffer.wrap(copy).asReadOnlyBuffer();
    }
    return new TcpSegment(
        sourcePort,
        destinationPort,
        sequenceNumber,
        acknowledgmentNumber,
        flags,
        window,
        0,
        urgentPointer,
        options(),
        payload);
  }

  @Override
  public String toString() {
    return "OutboundSegment[" + toSegment() + "]";
  }
}
