package dev.synack.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes the options field of a TCP header (RFC 9293 §3.1, §3.2). */
final class TcpOptionCodec {
  /**
   * The options field holds at most 40 bytes: a data offset of 15 words minus the fixed 20 bytes.
   */
  static final int MAX_LENGTH = 40;

  private TcpOptionCodec() {}

  /**
   * Parses the options in {@code [start, end)} of {@code buf}.
   *
   * <p>An end-of-option-list ends parsing (RFC 9293 §3.1: "the end of the option list"). When it
   * sits off a 32-bit boundary it is taken for the zero padding {@link #write} adds and is left out
   * of the list, wherever it is: written again, an EOL there would come back as padding of a
   * shorter header, so keeping it would break parse-write-parse (found by WireFuzzTest). On a word
   * boundary it is kept, and written back in the same place. RFC 9293 §3.1 requires every option
   * but EOL and NOP to carry a length, and MUST-68 says a receiver must be prepared for any option;
   * options of unknown kind are kept as {@link TcpOption.Unknown}. A length that is wrong for a
   * known kind, below 2, or past the end of the header makes the header malformed, as in smoltcp,
   * rather than being skipped as Linux's {@code tcp_parse_options} does: the stack drops and traces
   * it instead of guessing.
   */
  static Parsed<TcpOptions> parse(ByteBuffer buf, int start, int end) {
    if (start == end) return Parsed.ok(TcpOptions.NONE);
    List<TcpOption> options = new ArrayList<>(6);
    int i = start;
    while (i < end) {
      int kind = Bytes.u8(buf, i);
      if (kind == TcpOption.KIND_EOL) {
        boolean padding = (i - start) % 4 != 0;
        if (!padding) options.add(new TcpOption.EndOfOptionList());
        break;
      }
      if (kind == TcpOption.KIND_NOP) {
        options.add(TcpOption.NOP);
        i++;
        continue;
      }
      if (i + 1 >= end) return Parsed.malformed(MalformedReason.TCP_OPTION_OVERRUNS_HEADER);
      int length = Bytes.u8(buf, i + 1);
      if (length < 2) return Parsed.malformed(MalformedReason.TCP_BAD_OPTION_LENGTH);
      if (i + length > end) return Parsed.malformed(MalformedReason.TCP_OPTION_OVERRUNS_HEADER);
      TcpOption option =
          switch (kind) {
            case TcpOption.KIND_MSS ->
                length != 4 ? null : new TcpOption.MaximumSegmentSize(Bytes.u16(buf, i + 2));
            case TcpOption.KIND_WINDOW_SCALE ->
                length != 3 ? null : new TcpOption.WindowScale(Bytes.u8(buf, i + 2));
            case TcpOption.KIND_SACK_PERMITTED ->
                length != 2 ? null : new TcpOption.SackPermitted();
            case TcpOption.KIND_SACK -> sack(buf, i, length);
            case TcpOption.KIND_TIMESTAMPS ->
                length != 10
                    ? null
                    : new TcpOption.Timestamps(buf.getInt(i + 2), buf.getInt(i + 6));
            case TcpOption.KIND_ACCECN_0, TcpOption.KIND_ACCECN_1 ->
                accEcn(buf, i, length, kind == TcpOption.KIND_ACCECN_1);
            case TcpOption.KIND_FAST_OPEN ->
                new TcpOption.FastOpen(bytes(buf, i + 2, length - 2), false);
            case TcpOption.KIND_EXPERIMENTAL ->
                length >= 4 && Bytes.u16(buf, i + 2) == TcpOption.FAST_OPEN_MAGIC
                    ? new TcpOption.FastOpen(bytes(buf, i + 4, length - 4), true)
                    : new TcpOption.Unknown(kind, bytes(buf, i + 2, length - 2));
            default -> new TcpOption.Unknown(kind, bytes(buf, i + 2, length - 2));
          };
      if (option == null) return Parsed.malformed(MalformedReason.TCP_BAD_OPTION_LENGTH);
      options.add(option);
      i += length;
    }
    return Parsed.ok(new TcpOptions(options));
  }

  /** Returns a copy of {@code length} bytes of {@code buf} from absolute {@code index}. */
  private static byte[] bytes(ByteBuffer buf, int index, int length) {
    byte[] data = new byte[length];
    buf.get(index, data);
    return data;
  }

  /**
   * Parses an AccECN option (RFC 9768 §3.2.3): its length is 2, 5, 8 or 11. Any other length is
   * kept as an unknown option, not a malformed header: the option is advisory and the ACE field
   * still carries the feedback, so the segment is worth keeping.
   */
  private static TcpOption accEcn(ByteBuffer buf, int i, int length, boolean order1) {
    if (length > 11 || (length - 2) % 3 != 0)
      return new TcpOption.Unknown(
          order1 ? TcpOption.KIND_ACCECN_1 : TcpOption.KIND_ACCECN_0,
          bytes(buf, i + 2, length - 2));
    int n = (length - 2) / 3;
    int[] f = {-1, -1, -1};
    for (int k = 0; k < n; k++)
      f[k] = Bytes.u8(buf, i + 2 + 3 * k) << 16 | Bytes.u16(buf, i + 3 + 3 * k);
    return order1
        ? new TcpOption.AccEcn(true, f[2], f[1], f[0])
        : new TcpOption.AccEcn(false, f[0], f[1], f[2]);
  }

  /**
   * Returns the SACK option at {@code i}, or null when its length is not 2 + 8n for n in 1..4 (RFC
   * 2018 §3).
   */
  private static TcpOption.Sack sack(ByteBuffer buf, int i, int length) {
    int n = (length - 2) / 8;
    if ((length - 2) % 8 != 0 || n < 1 || n > 4) return null;
    List<SackBlock> blocks = new ArrayList<>(n);
    for (int b = 0; b < n; b++) {
      blocks.add(new SackBlock(buf.getInt(i + 2 + 8 * b), buf.getInt(i + 6 + 8 * b)));
    }
    return new TcpOption.Sack(blocks);
  }

  /** Returns the options' length on the wire, padded to a multiple of four. */
  static int paddedLength(TcpOptions options) {
    return (options.encodedLength() + 3) & ~3;
  }

  /**
   * Writes {@code options} in order at absolute {@code index}, then zero bytes (end-of-option-list)
   * up to a multiple of four (RFC 9293 §3.1: "The TCP header padding is used to ensure that the TCP
   * header ends ... on a 32-bit boundary. The padding is composed of zeros"). Returns the bytes
   * written.
   *
   * @throws IllegalArgumentException if the options take more than 40 bytes
   */
  static int write(TcpOptions options, ByteBuffer buf, int index) {
    int length = paddedLength(options);
    if (length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "TCP options take " + options.encodedLength() + " bytes, more than 40: " + options);
    }
    int i = index;
    for (TcpOption option : options.list()) {
      buf.put(i, (byte) option.kind());
      switch (option) {
        case TcpOption.EndOfOptionList e -> {}
        case TcpOption.NoOperation n -> {}
        case TcpOption.MaximumSegmentSize m -> buf.putShort(i + 2, (short) m.mss());
        case TcpOption.WindowScale w -> buf.put(i + 2, (byte) w.shiftCount());
        case TcpOption.SackPermitted s -> {}
        case TcpOption.Sack s -> {
          for (int b = 0; b < s.blocks().size(); b++) {
            buf.putInt(i + 2 + 8 * b, s.blocks().get(b).left());
            buf.putInt(i + 6 + 8 * b, s.blocks().get(b).right());
          }
        }
        case TcpOption.Timestamps t -> {
          buf.putInt(i + 2, t.tsVal());
          buf.putInt(i + 6, t.tsEcr());
        }
        case TcpOption.AccEcn a -> {
          int[] fields = a.inOrder();
          for (int f = 0; f < fields.length; f++) {
            buf.put(i + 2 + 3 * f, (byte) (fields[f] >>> 16));
            buf.putShort(i + 3 + 3 * f, (short) fields[f]);
          }
        }
        case TcpOption.FastOpen f -> {
          if (f.experimental()) buf.putShort(i + 2, (short) TcpOption.FAST_OPEN_MAGIC);
          buf.put(i + (f.experimental() ? 4 : 2), f.cookie());
        }
        case TcpOption.Unknown u -> buf.put(i + 2, u.data());
      }
      if (option.encodedLength() > 1) buf.put(i + 1, (byte) option.encodedLength());
      i += option.encodedLength();
    }
    for (; i < index + length; i++) buf.put(i, (byte) 0);
    return length;
  }
}
