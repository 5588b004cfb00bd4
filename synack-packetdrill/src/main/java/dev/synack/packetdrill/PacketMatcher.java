package dev.synack.packetdrill;

import dev.synack.wire.Ipv4Packet;
import dev.synack.wire.Ipv6Packet;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Decides whether a packet the stack sent is the one a {@code >} line expects, field by field in
 * packetdrill's order, and names the first field that differs.
 */
final class PacketMatcher {
  private static final InetAddress ANY;

  static {
    try {
      ANY = Inet4Address.getByAddress(new byte[4]);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private PacketMatcher() {}

  /**
   * Compares {@code actual} with {@code expected}. On a match, the sequence map learns from it (our
   * ISN from a first SYN or SYN-ACK, the TSval mapping) and null is returned; otherwise the first
   * difference, such as {@code "tcp_window: expected 65535, seen 64240"}.
   */
  static String compare(
      ScriptPacket expected, Packets.TcpPacket actual, SequenceMap map, MatchMode mode) {
    TcpSegment seg = actual.segment();
    boolean expectSyn = (expected.flags() & TcpFlags.SYN) != 0;
    if (expectSyn && seg.has(TcpFlags.SYN) && !expected.ignoreSeq() && !expected.absoluteSeq()) {
      map.learnLocalIsn(expected.seq(), seg.sequenceNumber());
    }
    if (seg.flags() != expected.flags()) {
      return "tcp flags: expected "
          + ScriptPacket.flagString(expected.flags())
          + ", seen "
          + ScriptPacket.flagString(seg.flags());
    }
    if (!expected.ignoreSeq()) {
      long seq =
          expected.absoluteSeq()
              ? Integer.toUnsignedLong(seg.sequenceNumber())
              : map.localToScript(seg.sequenceNumber());
      if (seq != expected.seq()) return "tcp_seq: expected " + expected.seq() + ", seen " + seq;
    }
    if (seg.payloadLength() != expected.length()) {
      return "payload length: expected " + expected.length() + ", seen " + seg.payloadLength();
    }
    // The peer's numbers are used as the script writes them, so an ACK compares unshifted; a
    // segment without ACK must carry 0 there, or the value the script wrote.
    long ack = Integer.toUnsignedLong(seg.acknowledgmentNumber());
    long expectedAck = expected.ack() == null ? 0 : expected.ack();
    if (ack != expectedAck) return "tcp_ack_seq: expected " + expectedAck + ", seen " + ack;
    if (mode == MatchMode.EXACT && expected.window() != null && seg.window() != expected.window()) {
      return "tcp_window: expected " + expected.window() + ", seen " + seg.window();
    }
    if (seg.urgentPointer() != 0) return "tcp_urg_ptr: expected 0, seen " + seg.urgentPointer();
    if (expected.ecn() != null) {
      int bits = ecnBits(actual);
      boolean ok =
          expected.ecn() == ScriptPacket.Ecn.ECT01
              ? bits == 1 || bits == 2
              : bits == expected.ecn().bits;
      if (!ok) return "ip_ecn: expected " + expected.ecn().word + ", seen " + bits;
    }
    if (expected.options() != null) {
      String why =
          mode == MatchMode.EXACT
              ? exactOptions(expected.tcpOptions(), seg.options())
              : semanticOptions(expected.tcpOptions(), seg.options());
      if (why != null) return why;
    }
    ByteBuffer payload = seg.payload();
    while (payload.hasRemaining()) {
      if (payload.get() != 0)
        return "payload: expected zeros (the script's write buffer), seen other bytes";
    }
    TcpOption.Timestamps want =
        expected.options() == null ? null : expected.tcpOptions().timestamps();
    TcpOption.Timestamps got = seg.options().timestamps();
    if (want != null && got != null) map.learnTsVal(want.tsVal(), got.tsVal());
    return null;
  }

  /**
   * Options byte for byte, padding included, with the TSval taken as the script's (packetdrill's
   * default).
   */
  private static String exactOptions(TcpOptions want, TcpOptions got) {
    TcpOption.Timestamps wantTs = want.timestamps();
    TcpOptions comparable = got;
    if (wantTs != null && got.timestamps() != null) {
      List<TcpOption> list = new ArrayList<>(got.list());
      list.replaceAll(
          o ->
              o instanceof TcpOption.Timestamps t
                  ? new TcpOption.Timestamps(wantTs.tsVal(), t.tsEcr())
                  : o);
      comparable = new TcpOptions(list);
    }
    if (Arrays.equals(bytes(want), bytes(comparable))) return null;
    return "tcp options: expected <" + want.describe() + ">, seen <" + got.describe() + ">";
  }

  /**
   * Which options are present (the MSS and SACK blocks by value), whatever their order, padding and
   * other values.
   */
  private static String semanticOptions(TcpOptions want, TcpOptions got) {
    if (kinds(want).equals(kinds(got))
        && want.mss() == got.mss()
        && want.sackBlocks().equals(got.sackBlocks())
        && Objects.equals(ecr(want), ecr(got))) {
      return null;
    }
    return "tcp options: expected <" + want.describe() + ">, seen <" + got.describe() + ">";
  }

  private static Integer ecr(TcpOptions o) {
    return o.timestamps() == null ? null : o.timestamps().tsEcr();
  }

  private static SortedSet<Integer> kinds(TcpOptions o) {
    TreeSet<Integer> kinds = new TreeSet<>();
    for (TcpOption option : o.list()) {
      if (option.kind() != TcpOption.KIND_NOP && option.kind() != TcpOption.KIND_EOL)
        kinds.add(option.kind());
    }
    return kinds;
  }

  /** Returns the options as written on the wire, padded to a multiple of four. */
  private static byte[] bytes(TcpOptions options) {
    byte[] segment =
        TcpCodec.toBytes(TcpSegment.of(0, 0, 0, 0, 0, 0).withOptions(options), ANY, ANY);
    return Arrays.copyOfRange(segment, 20, segment.length);
  }

  private static int ecnBits(Packets.TcpPacket p) {
    return switch (p.ip().header()) {
      case Ipv4Packet.Repr v4 -> v4.ecn();
      case Ipv6Packet.Repr v6 -> v6.trafficClass() & 3;
    };
  }

  /**
   * Returns the packet in the script's notation and sequence space, as a {@code >} line would write
   * it.
   */
  static String describe(Packets.TcpPacket actual, SequenceMap map) {
    TcpSegment s = actual.segment();
    long seq = map.localToScript(s.sequenceNumber());
    Long ack =
        s.has(TcpFlags.ACK) || s.acknowledgmentNumber() != 0
            ? Integer.toUnsignedLong(s.acknowledgmentNumber())
            : null;
    return new ScriptPacket(
            false,
            null,
            null,
            s.flags(),
            seq,
            s.payloadLength(),
            false,
            false,
            ack,
            s.window(),
            s.options().list(),
            null)
        .toString();
  }
}
