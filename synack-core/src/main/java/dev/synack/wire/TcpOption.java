package dev.synack.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One TCP option (RFC 9293 §3.1 and §3.2, RFC 7323, RFC 2018), as parsed from or written to the
 * options field. Options keep their order on the wire, so a parsed header can be written back byte
 * for byte and compared with what a peer sent.
 */
public sealed interface TcpOption {
  /** Option kinds, as assigned by IANA. */
  int KIND_EOL = 0;

  int KIND_NOP = 1;
  int KIND_MSS = 2;
  int KIND_WINDOW_SCALE = 3;
  int KIND_SACK_PERMITTED = 4;
  int KIND_SACK = 5;
  int KIND_TIMESTAMPS = 8;
  int KIND_FAST_OPEN = 34;

  /** The AccECN option in order 0: EE0B, ECEB, EE1B (RFC 9768 §3.2.3). */
  int KIND_ACCECN_0 = 172;

  /** The AccECN option in order 1: EE1B, ECEB, EE0B (RFC 9768 §3.2.3). */
  int KIND_ACCECN_1 = 174;

  int KIND_EXPERIMENTAL = 254;

  /** The ExID of Fast Open's experimental form (RFC 6994, RFC 7413 §4.1.1), kind 254. */
  int FAST_OPEN_MAGIC = 0xf989;

  /** Returns the option's kind byte. */
  int kind();

  /** Returns the number of bytes the option takes on the wire, kind and length included. */
  int encodedLength();

  /** Returns the option as tcpdump prints it, e.g. {@code mss 1460} or {@code TS val 1 ecr 0}. */
  String describe();

  /** End of option list (kind 0): the rest of the options field is padding. */
  record EndOfOptionList() implements TcpOption {
    @Override
    public int kind() {
      return KIND_EOL;
    }

    @Override
    public int encodedLength() {
      return 1;
    }

    @Override
    public String describe() {
      return "eol";
    }
  }

  /** A no-operation option: all are equal, so parsers and builders share this one. */
  NoOperation NOP = new NoOperation();

  /** No-operation (kind 1), used to align the options that follow. */
  record NoOperation() implements TcpOption {
    @Override
    public int kind() {
      return KIND_NOP;
    }

    @Override
    public int encodedLength() {
      return 1;
    }

    @Override
    public String describe() {
      return "nop";
    }
  }

  /**
   * Maximum segment size (kind 2, RFC 9293 §3.7.1): the largest segment the sender will receive.
   */
  record MaximumSegmentSize(int mss) implements TcpOption {
    public MaximumSegmentSize {
      if (mss < 0 || mss > 0xffff) throw new IllegalArgumentException("mss out of range: " + mss);
    }

    @Override
    public int kind() {
      return KIND_MSS;
    }

    @Override
    public int encodedLength() {
      return 4;
    }

    @Override
    public String describe() {
      return "mss " + mss;
    }
  }

  /** Window scale (kind 3, RFC 7323 §2): the shift count the sender applies to its windows. */
  record WindowScale(int shiftCount) implements TcpOption {
    public WindowScale {
      if (shiftCount < 0 || shiftCount > 0xff)
        throw new IllegalArgumentException("shift count out of range: " + shiftCount);
    }

    @Override
    public int kind() {
      return KIND_WINDOW_SCALE;
    }

    @Override
    public int encodedLength() {
      return 3;
    }

    @Override
    public String describe() {
      return "wscale " + shiftCount;
    }
  }

  /** SACK permitted (kind 4, RFC 2018 §2), only in a SYN. */
  record SackPermitted() implements TcpOption {
    @Override
    public int kind() {
      return KIND_SACK_PERMITTED;
    }

    @Override
    public int encodedLength() {
      return 2;
    }

    @Override
    public String describe() {
      return "sackOK";
    }
  }

  /** Selective acknowledgment (kind 5, RFC 2018 §3): up to four blocks of received data. */
  record Sack(List<SackBlock> blocks) implements TcpOption {
    public Sack {
      blocks = List.copyOf(blocks);
      if (blocks.isEmpty() || blocks.size() > 4)
        throw new IllegalArgumentException(
            "a SACK option holds 1 to 4 blocks, not " + blocks.size());
    }

    @Override
    public int kind() {
      return KIND_SACK;
    }

    @Override
    public int encodedLength() {
      return 2 + 8 * blocks.size();
    }

    @Override
    public String describe() {
      StringBuilder b = new StringBuilder("sack ").append(blocks.size());
      for (SackBlock block : blocks) {
        b.append(" {")
            .append(Integer.toUnsignedString(block.left()))
            .append(':')
            .append(Integer.toUnsignedString(block.right()))
            .append('}');
      }
      return b.toString();
    }
  }

  /**
   * Timestamps (kind 8, RFC 7323 §3): TSval and TSecr, unsigned 32-bit values kept in {@code int}s.
   */
  record Timestamps(int tsVal, int tsEcr) implements TcpOption {
    @Override
    public int kind() {
      return KIND_TIMESTAMPS;
    }

    @Override
    public int encodedLength() {
      return 10;
    }

    @Override
    public String describe() {
      return "TS val "
          + Integer.toUnsignedString(tsVal)
          + " ecr "
          + Integer.toUnsignedString(tsEcr);
    }
  }

  /**
   * TCP Fast Open cookie (RFC 7413 §4.1.1): kind 34 with a cookie of 4 to 16 bytes, or no cookie at
   * all, which asks for one; or, {@code experimental}, the form Linux still reads and may send,
   * kind 254 with the ExID 0xF989 before the cookie (RFC 6994). Any cookie length is kept as sent:
   * the engine, not the parser, decides what a cookie of an odd size is worth (Linux ignores it).
   */
  record FastOpen(byte[] cookie, boolean experimental) implements TcpOption {
    public FastOpen {
      cookie = cookie.clone();
      if (cookie.length > (experimental ? 36 : 38))
        throw new IllegalArgumentException("fast open cookie too long: " + cookie.length);
    }

    /** Returns a cookie request: the option without a cookie. */
    public static FastOpen request() {
      return new FastOpen(new byte[0], false);
    }

    @Override
    public byte[] cookie() {
      return cookie.clone();
    }

    /** Returns whether the option carries no cookie (a cookie request, RFC 7413 §4.1.2). */
    public boolean isRequest() {
      return cookie.length == 0;
    }

    @Override
    public int kind() {
      return experimental ? KIND_EXPERIMENTAL : KIND_FAST_OPEN;
    }

    @Override
    public int encodedLength() {
      return (experimental ? 4 : 2) + cookie.length;
    }

    @Override
    public String describe() {
      return (experimental ? "tfo-exp" : "tfo")
          + (cookie.length == 0 ? " cookiereq" : " cookie " + HexFormat.of().formatHex(cookie));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FastOpen f
          && f.experimental == experimental
          && Arrays.equals(f.cookie, cookie);
    }

    @Override
    public int hashCode() {
      return Boolean.hashCode(experimental) * 31 + Arrays.hashCode(cookie);
    }

    @Override
    public String toString() {
      return "FastOpen[cookie="
          + HexFormat.of().formatHex(cookie)
          + (experimental ? ", experimental" : "")
          + "]";
    }
  }

  /**
   * The AccECN option (RFC 9768 §3.2.3): up to three 24-bit byte counters of the payload received
   * as ECT(0) (EE0B), CE (ECEB) and ECT(1) (EE1B), in order 0 (kind 172: EE0B, ECEB, EE1B) or order
   * 1 (kind 174: EE1B, ECEB, EE0B). A counter the option leaves out (it may be cut short from its
   * end, down to no field at all) is -1.
   *
   * @param order1 whether the option is kind 174
   * @param e0b EE0B, 0 to 2^24-1, or -1 when absent
   * @param ceb ECEB, or -1 when absent
   * @param e1b EE1B, or -1 when absent
   */
  record AccEcn(boolean order1, int e0b, int ceb, int e1b) implements TcpOption {
    public AccEcn {
      for (int f : new int[] {e0b, ceb, e1b}) {
        if (f < -1 || f > 0xffffff)
          throw new IllegalArgumentException("AccECN field out of range: " + f);
      }
      int[] inOrder = order1 ? new int[] {e1b, ceb, e0b} : new int[] {e0b, ceb, e1b};
      for (int i = 1; i < 3; i++) {
        if (inOrder[i] >= 0 && inOrder[i - 1] < 0)
          throw new IllegalArgumentException(
              "AccECN fields are cut from the end only: " + e0b + "," + ceb + "," + e1b);
      }
    }

    /** Returns the option with the first {@code fields} counters of its order (0 to 3) kept. */
    public static AccEcn of(boolean order1, int fields, int e0b, int ceb, int e1b) {
      if (fields < 0 || fields > 3) throw new IllegalArgumentException("AccECN fields: " + fields);
      int first = fields >= 1 ? 1 : 0;
      int third = fields >= 3 ? 1 : 0;
      return order1
          ? new AccEcn(
              true,
              third > 0 ? e0b & 0xffffff : -1,
              fields >= 2 ? ceb & 0xffffff : -1,
              first > 0 ? e1b & 0xffffff : -1)
          : new AccEcn(
              false,
              first > 0 ? e0b & 0xffffff : -1,
              fields >= 2 ? ceb & 0xffffff : -1,
              third > 0 ? e1b & 0xffffff : -1);
    }

    /** Returns how many counters the option carries, 0 to 3. */
    public int fields() {
      return (e0b >= 0 ? 1 : 0) + (ceb >= 0 ? 1 : 0) + (e1b >= 0 ? 1 : 0);
    }

    /** Returns the counters in wire order. */
    int[] inOrder() {
      int[] all = order1 ? new int[] {e1b, ceb, e0b} : new int[] {e0b, ceb, e1b};
      return java.util.Arrays.copyOf(all, fields());
    }

    @Override
    public int kind() {
      return order1 ? KIND_ACCECN_1 : KIND_ACCECN_0;
    }

    @Override
    public int encodedLength() {
      return 2 + 3 * fields();
    }

    @Override
    public String describe() {
      StringBuilder b = new StringBuilder(order1 ? "accecn1" : "accecn0");
      if (e0b >= 0) b.append(" e0b ").append(e0b);
      if (ceb >= 0) b.append(" ceb ").append(ceb);
      if (e1b >= 0) b.append(" e1b ").append(e1b);
      return b.toString();
    }
  }

  /** An option this stack does not interpret, kept as its kind and the bytes after the length. */
  record Unknown(int kind, byte[] data) implements TcpOption {
    public Unknown {
      if (kind < 0 || kind > 0xff)
        throw new IllegalArgumentException("option kind out of range: " + kind);
      data = data.clone();
      if (data.length > 38)
        throw new IllegalArgumentException("option data too long: " + data.length);
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public int encodedLength() {
      return 2 + data.length;
    }

    @Override
    public String describe() {
      return "unknown-" + kind + (data.length == 0 ? "" : " " + HexFormat.of().formatHex(data));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Unknown u && u.kind == kind && Arrays.equals(u.data, data);
    }

    @Override
    public int hashCode() {
      return 31 * kind + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Unknown[kind=" + kind + ", data=" + HexFormat.of().formatHex(data) + "]";
    }
  }
}
