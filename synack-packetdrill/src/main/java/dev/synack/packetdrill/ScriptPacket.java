package dev.synack.packetdrill;

import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import java.util.List;

/**
 * A TCP packet line of a script, {@code < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>},
 * with the values as written (script sequence space).
 *
 * @param inbound {@code <}: the script injects it; {@code >}: the stack must send it
 * @param ecn the IP ECN field in brackets ({@code [ect0]}), or null when not written
 * @param ipField an IP header field in parentheses ({@code (ttl 4)}), or null
 * @param flags the TCP flags ({@link TcpFlags} bits)
 * @param seq the first sequence number
 * @param length the payload length
 * @param absoluteSeq {@code !} after the range: the number is on the wire as written, not relative
 *     to the ISN
 * @param ignoreSeq {@code ...} instead of the range: any sequence number matches
 * @param ack the acknowledgment number as written, or null when not written
 * @param window the window field, or null when not written (then not checked)
 * @param options the options in order, or null for {@code <...>} (then not checked); an empty list
 *     when no options are written, which means the packet has none
 * @param udpEncapsulation {@code /udp(sport > dport)} after the packet (RFC 6951 style), or null
 * @param urgentPointer the urgent pointer ({@code urg 1}), 0 when not written
 * @param icmp for an ICMP line ({@code < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]}),
 *     its fields; null for a TCP line
 * @param udpLength for a UDP line ({@code < udp (100)}), its payload length; null otherwise
 * @param unsupported what the line writes that the runner cannot honour (an outer {@code ipv4 a >
 *     b:} header, GRE, MPLS, a flow label, fuzzing, TCP-MD5...), each named; empty when none
 */
record ScriptPacket(
    boolean inbound,
    Ecn ecn,
    IpField ipField,
    int flags,
    long seq,
    int length,
    boolean absoluteSeq,
    boolean ignoreSeq,
    Long ack,
    Integer window,
    List<TcpOption> options,
    String udpEncapsulation,
    int urgentPointer,
    Icmp icmp,
    Integer udpLength,
    List<String> unsupported) {

  ScriptPacket {
    unsupported = List.copyOf(unsupported);
  }

  /** A TCP line without urgent pointer or anything the runner cannot honour. */
  ScriptPacket(
      boolean inbound,
      Ecn ecn,
      IpField ipField,
      int flags,
      long seq,
      int length,
      boolean absoluteSeq,
      boolean ignoreSeq,
      Long ack,
      Integer window,
      List<TcpOption> options,
      String udpEncapsulation) {
    this(
        inbound,
        ecn,
        ipField,
        flags,
        seq,
        length,
        absoluteSeq,
        ignoreSeq,
        ack,
        window,
        options,
        udpEncapsulation,
        0,
        null,
        null,
        List.of());
  }

  /**
   * The ICMP part of an ICMP line: its type and code as packetdrill names them ({@code
   * unreachable}, {@code port_unreachable}, {@code frag_needed}, {@code packet_too_big}, {@code
   * time_exceeded}...), the MTU it reports, and the packet it quotes: a TCP segment of the live
   * connection ({@code [1:1461(1460)]}), or a UDP or raw one by length.
   *
   * @param type the type's name
   * @param code the code's name, or null
   * @param mtu the next-hop MTU ({@code mtu 1200}), or null
   * @param echoId the echo identifier ({@code id 7}), 0 when not written
   * @param quoted {@code tcp}, {@code udp} or {@code raw}: what the quoted packet is
   * @param quotedSeq the quoted TCP segment's first sequence number (script space)
   * @param quotedLength the quoted payload length
   */
  record Icmp(
      String type,
      String code,
      Integer mtu,
      long echoId,
      String quoted,
      long quotedSeq,
      int quotedLength) {}

  /** The ECN codepoints a script can name (RFC 3168 §5). */
  enum Ecn {
    NO_ECN("noecn", 0),
    ECT1("ect1", 1),
    ECT0("ect0", 2),
    CE("ce", 3),
    /** Either ECT(0) or ECT(1). */
    ECT01("ect01", -1);

    final String word;
    final int bits;

    Ecn(String word, int bits) {
      this.word = word;
      this.bits = bits;
    }
  }

  /**
   * An IP header field written in parentheses: {@code ttl}, {@code tos}, {@code hlim}, {@code
   * class}.
   */
  record IpField(String name, int value) {
    @Override
    public String toString() {
      return "("
          + name
          + " "
          + (name.equals("tos") || name.equals("class") ? "0x" + Integer.toHexString(value) : value)
          + ")";
    }
  }

  /** Returns the options as a wire record, or null when they are not checked. */
  TcpOptions tcpOptions() {
    return options == null ? null : new TcpOptions(options);
  }

  /** Returns whether the ACK flag is written ({@code .}). */
  boolean hasAck() {
    return (flags & TcpFlags.ACK) != 0;
  }

  /** Returns the packet as a script line would write it. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(inbound ? "< " : "> ");
    if (icmp != null) {
      return b.append("icmp ")
          .append(icmp.type())
          .append(icmp.code() == null ? "" : " " + icmp.code())
          .append(icmp.mtu() == null ? "" : " mtu " + icmp.mtu())
          .toString();
    }
    if (udpLength != null) return b.append("udp (").append(udpLength).append(')').toString();
    if (ecn != null) b.append('[').append(ecn.word).append("] ");
    if (ipField != null) b.append(ipField).append(' ');
    b.append(flagString(flags)).append(' ');
    if (ignoreSeq) {
      b.append("...(").append(length).append(')');
    } else {
      b.append(Long.toUnsignedString(seq))
          .append(':')
          .append(Long.toUnsignedString((seq + length) & 0xffffffffL))
          .append('(')
          .append(length)
          .append(')')
          .append(absoluteSeq ? "!" : "");
    }
    if (ack != null) b.append(" ack ").append(Long.toUnsignedString(ack));
    if (window != null) b.append(" win ").append(window);
    if (options == null) {
      b.append(" <...>");
    } else if (!options.isEmpty()) {
      b.append(" <").append(new TcpOptions(options).describe()).append('>');
    }
    if (udpEncapsulation != null) b.append("/udp(").append(udpEncapsulation).append(')');
    if (urgentPointer != 0) b.append(" urg ").append(urgentPointer);
    return b.toString();
  }

  /**
   * Returns flags the way packetdrill writes them: {@code S}, {@code F}, {@code R}, {@code P},
   * {@code E}, {@code W}, {@code A} (AccECN's AE), {@code .}.
   */
  static String flagString(int flags) {
    StringBuilder b = new StringBuilder(4);
    if ((flags & TcpFlags.SYN) != 0) b.append('S');
    if ((flags & TcpFlags.FIN) != 0) b.append('F');
    if ((flags & TcpFlags.RST) != 0) b.append('R');
    if ((flags & TcpFlags.PSH) != 0) b.append('P');
    if ((flags & TcpFlags.URG) != 0) b.append('U');
    if ((flags & TcpFlags.ECE) != 0) b.append('E');
    if ((flags & TcpFlags.CWR) != 0) b.append('W');
    if ((flags & TcpFlags.AE) != 0) b.append('A');
    if ((flags & TcpFlags.ACK) != 0) b.append('.');
    return b.isEmpty() ? "." : b.toString();
  }
}
