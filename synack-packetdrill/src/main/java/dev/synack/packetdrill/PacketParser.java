package dev.synack.packetdrill;

import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Parses a packet line after its time, as google/packetdrill's {@code packet_spec} and nplab's
 * extensions write it: a direction, outer headers ({@code ipv4 a > b:}, {@code ipv6 ...:}, {@code
 * gre ...:}, {@code mpls ...:}), IP fields in brackets or parentheses ({@code [ect0]}, {@code [tos
 * 0x4]}, {@code (ttl 4)}, {@code [flowlabel 0x1]}), then a TCP segment, a UDP datagram ({@code udp
 * (100)}) or an ICMP message ({@code icmp unreachable frag_needed mtu 1200 [1:1461(1460)]}).
 *
 * <p>Everything valid parses; what the runner cannot honour is named in {@link
 * ScriptPacket#unsupported()}, so that the script ends as unsupported when it reaches the line,
 * never with a parse error.
 */
final class PacketParser {
  private static final Set<String> ECN_WORDS = Set.of("noecn", "ect0", "ect1", "ce", "ect01");

  private PacketParser() {}

  static ScriptPacket packet(LineCursor c) {
    boolean inbound = c.accept("<");
    if (!inbound) c.expect(">");
    List<String> unsupported = new ArrayList<>();
    outerHeaders(c, unsupported);
    IpInfo ip = ipInfo(c, unsupported);
    if (c.acceptWord("udp")) {
      ports(c, unsupported);
      c.expect("(");
      long length = bounded(c, 0xffff);
      c.expect(")");
      if (!c.atEnd()) throw c.error("unexpected text after a UDP packet");
      unsupported.add("UDP packet line (synack's scripts drive TCP sockets only)");
      return new ScriptPacket(
          inbound,
          ip.ecn,
          ip.field,
          0,
          0,
          0,
          false,
          false,
          null,
          null,
          List.of(),
          null,
          0,
          null,
          (int) length,
          unsupported);
    }
    if (c.acceptWord("icmp")) return icmp(c, inbound, ip, unsupported);
    if (c.acceptWord("sctp")) {
      // nplab's SCTP chunks ("sctp: INIT[flgs=0, tag=1, ...]"): read to the end, brackets balanced.
      String chunks = c.rest().strip();
      if (ScriptParser.depth(chunks) != 0) throw c.error("unbalanced brackets in an SCTP packet");
      c.skipRest();
      unsupported.add("SCTP packet line (synack has no SCTP)");
      return new ScriptPacket(
          inbound,
          ip.ecn,
          ip.field,
          0,
          0,
          0,
          false,
          false,
          null,
          null,
          List.of(),
          null,
          0,
          null,
          null,
          unsupported);
    }
    return tcp(c, inbound, ip, unsupported);
  }

  /**
   * Outer headers of an encapsulated packet, each ending in {@code :}: parsed and named as
   * unsupported.
   */
  private static void outerHeaders(LineCursor c, List<String> unsupported) {
    while (true) {
      if (c.acceptWord("ipv4") || c.acceptWord("ipv6")) {
        ipInfo(c, new ArrayList<>());
        String from = c.run("0123456789abcdefABCDEF:.");
        c.expect(">");
        String to = c.run("0123456789abcdefABCDEF:.");
        if (from.isEmpty() || !to.endsWith(":"))
          throw c.error("expected 'ADDRESS > ADDRESS:' in an outer IP header");
        unsupported.add("outer IP header " + from + " > " + to + " (IP-in-IP encapsulation)");
      } else if (c.acceptWord("gre") || c.acceptWord("GREv0")) {
        c.until(":");
        unsupported.add("GRE encapsulation");
      } else if (c.acceptWord("mpls")) {
        c.until(":");
        unsupported.add("MPLS encapsulation");
      } else {
        return;
      }
    }
  }

  private record IpInfo(ScriptPacket.Ecn ecn, ScriptPacket.IpField field) {}

  /**
   * {@code [ip_info]} or {@code (ip_info)}: ECN, TOS, TTL or hop limit, traffic class, flow label.
   */
  private static IpInfo ipInfo(LineCursor c, List<String> unsupported) {
    String close;
    if (c.accept("[")) {
      close = "]";
    } else if (c.accept("(")) {
      close = ")";
    } else {
      return new IpInfo(null, null);
    }
    ScriptPacket.Ecn ecn = null;
    ScriptPacket.IpField field = null;
    do {
      String word = c.word();
      if (ECN_WORDS.contains(word)) {
        for (ScriptPacket.Ecn e : ScriptPacket.Ecn.values()) if (e.word.equals(word)) ecn = e;
      } else if (Set.of("ttl", "tos", "hlim", "class").contains(word)) {
        field = new ScriptPacket.IpField(word, (int) bounded(c, 0xff));
      } else if (word.equals("flowlabel")) {
        long label = bounded(c, 0xfffff);
        unsupported.add("IPv6 flow label 0x" + Long.toHexString(label));
      } else {
        throw c.error("unknown IP field '" + word + "'");
      }
    } while (c.accept(","));
    c.expect(close);
    return new IpInfo(ecn, field);
  }

  /** {@code SPORT > DPORT} before a TCP or UDP packet: ports other than the live ones. */
  private static void ports(LineCursor c, List<String> unsupported) {
    if (!c.atNumber()) return;
    long from = bounded(c, 0xffff);
    c.expect(">");
    long to = bounded(c, 0xffff);
    unsupported.add(
        "explicit ports " + from + " > " + to + " (the runner uses the live connection's)");
  }

  private static ScriptPacket tcp(
      LineCursor c, boolean inbound, IpInfo ip, List<String> unsupported) {
    ports(c, unsupported);
    int flags = flags(c, unsupported);
    boolean ignoreSeq = false;
    boolean absoluteSeq = false;
    long seq = 0;
    int length;
    if (c.accept("...")) {
      ignoreSeq = true;
      c.expect("(");
      length = (int) bounded(c, 0xffff);
      c.expect(")");
    } else {
      long[] range = range(c);
      seq = range[0];
      length = (int) range[1];
      absoluteSeq = c.accept("!");
    }
    Long ack = null;
    Integer window = null;
    int urgent = 0;
    List<TcpOption> options = List.of();
    String udp = null;
    while (!c.atEnd()) {
      if (c.acceptWord("ack")) {
        ack = bounded(c, 0xffffffffL);
      } else if (c.acceptWord("win")) {
        window = (int) bounded(c, 0xffff);
      } else if (c.acceptWord("urg")) {
        urgent = (int) bounded(c, 0xffff);
        if (urgent != 0) unsupported.add("urgent pointer (urg " + urgent + ")");
      } else if (c.accept("<")) {
        options = options(c, unsupported);
      } else if (c.accept("/udp(")) {
        udp = c.until(")").strip();
      } else if (c.accept("{")) {
        c.until("}");
        unsupported.add("packet fuzzing {mut/trun/ins ...}");
      } else {
        throw c.error("unexpected text in a packet");
      }
    }
    if (inbound && window == null)
      throw ScriptException.syntax(c.line(), "an inbound packet needs a window");
    return new ScriptPacket(
        inbound,
        ip.ecn,
        ip.field,
        flags,
        seq,
        length,
        absoluteSeq,
        ignoreSeq,
        ack,
        window,
        options,
        udp,
        urgent,
        null,
        null,
        unsupported);
  }

  /** {@code START:END(LENGTH)}, with END = START + LENGTH; returns the start and the length. */
  private static long[] range(LineCursor c) {
    long start = bounded(c, 0xffffffffL);
    c.expect(":");
    long end = bounded(c, 0xffffffffL);
    c.expect("(");
    long length = bounded(c, 0xffff);
    c.expect(")");
    if (((end - start) & 0xffffffffL) != length)
      throw c.error("the range " + start + ":" + end + " is not " + length + " bytes long");
    return new long[] {start, length};
  }

  /**
   * The TCP flags: letters {@code F S R P U E W A} ({@code A} AccECN's AE bit, RFC 9768 §3.2.1),
   * then {@code .} for ACK; {@code -} for none. A digit among them, before or after the dot ({@code
   * P5.}, {@code .5}), is AccECN's ACE field written as one number, AE CWR ECE from its high bit
   * down, as the AccECN packetdrill of Linux's selftests writes it ({@code
   * tools/testing/selftests/net/packetdrill/tcp_accecn_*.pkt}); the letters add their bits to it.
   */
  private static int flags(LineCursor c, List<String> unsupported) {
    if (c.accept("-")) return 0;
    String text = c.run("FSRPUEWCA.01234567");
    if (text.isEmpty()) throw c.error("expected TCP flags");
    int flags = 0;
    int digits = 0;
    for (char ch : text.toCharArray()) {
      if (ch >= '0' && ch <= '7') {
        if (++digits > 1) throw c.error("more than one ACE value in the flags '" + text + "'");
        flags |= TcpFlags.withAce(0, ch - '0');
        continue;
      }
      flags |=
          switch (ch) {
            case 'F' -> TcpFlags.FIN;
            case 'S' -> TcpFlags.SYN;
            case 'R' -> TcpFlags.RST;
            case 'P' -> TcpFlags.PSH;
            case '.' -> TcpFlags.ACK;
            case 'E' -> TcpFlags.ECE;
            case 'W' -> TcpFlags.CWR;
            case 'A' -> TcpFlags.AE;
            case 'U' -> TcpFlags.URG;
            default -> {
              unsupported.add("TCP flag '" + ch + "'");
              yield 0;
            }
          };
    }
    return flags;
  }

  private static ScriptPacket icmp(
      LineCursor c, boolean inbound, IpInfo ip, List<String> unsupported) {
    String type = c.word();
    String code = null;
    if (c.atWord() && !c.atWordExactly("mtu") && !c.atWordExactly("id")) code = c.word();
    Integer mtu = null;
    if (c.acceptWord("mtu")) mtu = (int) bounded(c, 0xffff);
    long id = 0;
    if (c.acceptWord("id")) id = bounded(c, 0xffff);
    String quoted = "tcp";
    long quotedSeq = 0;
    int quotedLength = 0;
    if (c.accept("[")) {
      if (c.atWordExactly("udp") || c.atWordExactly("raw")) {
        quoted = c.word();
        c.expect("(");
        quotedLength = (int) bounded(c, 0xffff);
        c.expect(")");
      } else {
        long[] range = range(c);
        quotedSeq = range[0];
        quotedLength = (int) range[1];
      }
      c.expect("]");
    }
    if (!c.atEnd()) throw c.error("unexpected text after an ICMP packet");
    if (!inbound) unsupported.add("outbound ICMP packet line (synack sends no ICMP for TCP)");
    if (!quoted.equals("tcp")) unsupported.add("ICMP quoting a " + quoted + " packet");
    return new ScriptPacket(
        inbound,
        ip.ecn,
        ip.field,
        0,
        0,
        0,
        false,
        false,
        null,
        null,
        List.of(),
        null,
        0,
        new ScriptPacket.Icmp(type, code, mtu, id, quoted, quotedSeq, quotedLength),
        null,
        unsupported);
  }

  // ---- TCP options ----

  /** Parses the options after {@code <} up to {@code >}; returns null for {@code <...>}. */
  static List<TcpOption> options(LineCursor c, List<String> unsupported) {
    if (c.accept("...")) {
      c.expect(">");
      return null;
    }
    List<TcpOption> list = new ArrayList<>();
    if (c.accept(">")) return list;
    do {
      list.add(option(c, unsupported));
    } while (c.accept(","));
    c.expect(">");
    return list;
  }

  private static TcpOption option(LineCursor c, List<String> unsupported) {
    String kind = c.token();
    if (kind.equals("exp") && c.accept("-")) kind = "exp-" + c.token();
    return switch (kind) {
      case "nop" -> new TcpOption.NoOperation();
      case "eol" -> new TcpOption.EndOfOptionList();
      case "mss" -> new TcpOption.MaximumSegmentSize((int) bounded(c, 0xffff));
      case "wscale" -> new TcpOption.WindowScale((int) bounded(c, 0xff));
      case "sackOK" -> new TcpOption.SackPermitted();
      case "TS" -> {
        c.expectWord("val");
        long val = bounded(c, 0xffffffffL);
        c.expectWord("ecr");
        long ecr = bounded(c, 0xffffffffL);
        yield new TcpOption.Timestamps((int) val, (int) ecr);
      }
      case "sack" -> {
        List<SackBlock> blocks = new ArrayList<>();
        while (c.atNumber()) {
          long left = bounded(c, 0xffffffffL);
          c.expect(":");
          long right = bounded(c, 0xffffffffL);
          blocks.add(new SackBlock((int) left, (int) right));
        }
        if (blocks.isEmpty() || blocks.size() > 4)
          throw c.error("a sack option holds 1 to 4 blocks");
        yield new TcpOption.Sack(blocks);
      }
      case "md5" -> {
        // A digest in hex, or nplab's word for one the runner computes ("valid", "invalid").
        String digestText = c.token();
        byte[] digest =
            digestText.matches("[0-9a-fA-F]{32}") ? hex(c, digestText, 16, 16) : new byte[16];
        unsupported.add(
            "TCP-MD5 signature option (RFC 2385): synack neither signs nor checks segments");
        yield new TcpOption.Unknown(19, digest);
      }
      // RFC 7413 §4.1.1: kind 34 with a cookie of 4 to 16 bytes, or none in a cookie request.
      case "FO" -> new TcpOption.FastOpen(cookie(c), false);
      // RFC 7413's experimental form (RFC 6994): kind 254, ExID 0xF989, then the cookie.
      case "FOEXP", "exp-FO" -> new TcpOption.FastOpen(cookie(c), true);
      case "ECN" -> accEcn(c);
      default -> throw c.error("unknown TCP option '" + kind + "'");
    };
  }

  /**
   * The AccECN option (RFC 9768 §3.2.3) as {@code ECN e1b 1 ceb 0 e0b 1}: its byte counters in wire
   * order, the first naming the order (EE0B first: kind 172, order 0; EE1B first: kind 174, order
   * 1), fewer of them for a shorter option (§3.2.3.1: fields are left out from the end only).
   */
  private static TcpOption.AccEcn accEcn(LineCursor c) {
    List<String> names = new ArrayList<>(3);
    List<Integer> values = new ArrayList<>(3);
    while (c.atWordExactly("e0b") || c.atWordExactly("e1b") || c.atWordExactly("ceb")) {
      names.add(c.word());
      values.add((int) bounded(c, 0xffffff));
    }
    boolean order1 = !names.isEmpty() && names.getFirst().equals("e1b");
    List<String> order = order1 ? List.of("e1b", "ceb", "e0b") : List.of("e0b", "ceb", "e1b");
    if (!names.equals(order.subList(0, names.size())))
      throw c.error(
          "AccECN option fields "
              + String.join(" ", names)
              + " are not a prefix of "
              + String.join(" ", order));
    int[] v = new int[] {-1, -1, -1}; // e0b, ceb, e1b
    for (int i = 0; i < names.size(); i++) {
      v[List.of("e0b", "ceb", "e1b").indexOf(names.get(i))] = values.get(i);
    }
    return new TcpOption.AccEcn(order1, v[0], v[1], v[2]);
  }

  private static byte[] cookie(LineCursor c) {
    if (c.at(",") || c.at(">")) return new byte[0];
    return hex(c, c.token(), 4, 16);
  }

  private static byte[] hex(LineCursor c, String text, int min, int max) {
    if (text.length() % 2 != 0) throw c.error("odd number of hex digits in '" + text + "'");
    byte[] bytes;
    try {
      bytes = HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException e) {
      throw c.error("not hex: '" + text + "'");
    }
    if (bytes.length < min || bytes.length > max)
      throw c.error(text.length() / 2 + " bytes where " + min + " to " + max + " go");
    return bytes;
  }

  private static long bounded(LineCursor c, long max) {
    long v = c.number();
    if (v < 0 || v > max) throw c.error("value out of range 0.." + max + ": " + v);
    return v;
  }
}
