package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.Checksum;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.MalformedReason;
import dev.synack.wire.Packets;
import dev.synack.wire.ReasonCode;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import dev.synack.wire.UdpPacket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The wire parsers' reasons ({@link MalformedReason}): stable codes, distinct from the host's and
 * the engine's, and each one a host can meet counted under its code and traced with its text.
 */
class MalformedReasonHostTest {
  static final InetAddress HOST = ip("10.0.0.2");
  static final InetAddress PEER = ip("10.0.0.1");
  static final InetAddress HOST6 = ip("fd00::2");
  static final InetAddress PEER6 = ip("fd00::1");

  @Test
  void codes_areStable_lowerCaseWithHyphens() {
    // The codes are an observable contract (counters, traces, goldens): this list changes only by
    // adding.
    assertEquals(
        List.of(
            "ip-truncated",
            "ip-bad-version",
            "ip-not-tcp",
            "ip-not-icmp",
            "ip-fragment",
            "ipv4-truncated-header",
            "ipv4-bad-version",
            "ipv4-bad-ihl",
            "ipv4-total-length-mismatch",
            "ipv4-bad-header-checksum",
            "ipv6-truncated-header",
            "ipv6-bad-version",
            "ipv6-payload-length-mismatch",
            "ipv6-misplaced-hop-by-hop",
            "ipv6-truncated-extension-header",
            "tcp-truncated-header",
            "tcp-data-offset-too-small",
            "tcp-data-offset-past-end",
            "tcp-bad-checksum",
            "tcp-option-overruns-header",
            "tcp-bad-option-length",
            "udp-truncated",
            "udp-bad-length",
            "udp-zero-checksum-ipv6",
            "udp-bad-checksum",
            "icmp-truncated",
            "icmp-bad-checksum",
            "icmp-quote-truncated",
            "icmp-quote-bad-version",
            "icmp-quote-fragment"),
        Arrays.stream(MalformedReason.values()).map(MalformedReason::code).toList());
    for (MalformedReason r : MalformedReason.values()) {
      assertEquals(r.code(), r.text(), "a parser's reason is traced as its code");
      assertSame(r, MalformedReason.ofCode(r.code()));
    }
    assertNull(MalformedReason.ofCode("no-such-reason"));
  }

  @Test
  void codes_areDistinct_acrossTheParsersTheHostAndTheEngine() {
    // A host counts the three kinds in one table, so a code shared would add two reasons up.
    List<String> all =
        Stream.of(MalformedReason.values(), HostDropReason.values(), DropReason.values())
            .flatMap(Arrays::stream)
            .map(ReasonCode::code)
            .toList();
    Set<String> seen = new HashSet<>();
    for (String code : all) assertEquals(true, seen.add(code), "two reasons share " + code);
  }

  @Test
  void byCode_refusesTwoReasonsWithOneCode_andACodeNotInHyphens() {
    ReasonCode a = () -> "same-code";
    ReasonCode b = () -> "same-code";
    assertThrows(IllegalStateException.class, () -> ReasonCode.byCode(new ReasonCode[] {a, b}));
    ReasonCode upper = () -> "Not Hyphenated";
    assertThrows(IllegalStateException.class, () -> ReasonCode.byCode(new ReasonCode[] {upper}));
  }

  @Test
  void everyReasonAHostCanMeet_isCountedUnderItsCode_andTracedWithItsText() {
    Map<MalformedReason, Input> inputs = new EnumMap<>(MalformedReason.class);
    byte[] syn = Packets.tcp(PEER, HOST, 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 100));
    byte[] syn6 = Packets.tcp(PEER6, HOST6, 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 100));

    inputs.put(MalformedReason.IP_TRUNCATED, new Input(new byte[0], false));
    inputs.put(MalformedReason.IP_BAD_VERSION, new Input(new byte[] {0x50, 0, 0, 0}, false));
    inputs.put(MalformedReason.IPV4_TRUNCATED_HEADER, new Input(Arrays.copyOf(syn, 10), false));
    inputs.put(MalformedReason.IPV4_BAD_IHL, new Input(with(syn, 0, 0x44), false));
    inputs.put(
        MalformedReason.IPV4_TOTAL_LENGTH_MISMATCH,
        new Input(with(syn, 2, 0x7f), false)); // total length 0x7f28, past the bytes there are
    inputs.put(
        MalformedReason.IPV4_BAD_HEADER_CHECKSUM, new Input(with(syn, 10, syn[10] ^ 0x01), false));
    inputs.put(MalformedReason.IPV6_TRUNCATED_HEADER, new Input(Arrays.copyOf(syn6, 39), false));
    inputs.put(
        MalformedReason.IPV6_PAYLOAD_LENGTH_MISMATCH,
        new Input(with(syn6, 5, syn6[5] + 1), false)); // one byte more than there is
    inputs.put(
        MalformedReason.IPV6_MISPLACED_HOP_BY_HOP,
        new Input(ipv6(60, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 59, 0, 0, 0, 0, 0, 0, 0}), false));
    inputs.put(
        MalformedReason.IPV6_TRUNCATED_EXTENSION_HEADER,
        new Input(ipv6(60, new byte[] {6}), false));

    inputs.put(MalformedReason.TCP_TRUNCATED_HEADER, new Input(ipv4(6, new byte[10]), false));
    inputs.put(MalformedReason.TCP_BAD_CHECKSUM, new Input(with(syn, 36, syn[36] ^ 0x01), false));
    // The header's own checks come after the checksum: a link that vouches for it skips that.
    inputs.put(MalformedReason.TCP_DATA_OFFSET_TOO_SMALL, new Input(ipv4(6, tcp(0x40, 20)), true));
    inputs.put(MalformedReason.TCP_DATA_OFFSET_PAST_END, new Input(ipv4(6, tcp(0xf0, 20)), true));
    byte[] overrun = tcp(0x60, 24);
    overrun[20] = 2; // MSS, whose length runs past the 24-byte header
    overrun[21] = 10;
    inputs.put(MalformedReason.TCP_OPTION_OVERRUNS_HEADER, new Input(ipv4(6, overrun), true));
    byte[] shortOption = tcp(0x60, 24);
    shortOption[20] = 2;
    shortOption[21] = 1;
    inputs.put(MalformedReason.TCP_BAD_OPTION_LENGTH, new Input(ipv4(6, shortOption), true));

    byte[] udp = UdpPacket.packet(PEER, 5000, HOST, 53, 64, ByteBuffer.wrap(new byte[4]));
    inputs.put(MalformedReason.UDP_TRUNCATED, new Input(ipv4(17, new byte[4]), false));
    inputs.put(
        MalformedReason.UDP_BAD_LENGTH,
        new Input(ipv4(17, new byte[] {0, 1, 0, 2, 0, 100, 0, 0}), true));
    inputs.put(
        MalformedReason.UDP_ZERO_CHECKSUM_IPV6,
        new Input(ipv6(17, new byte[] {0x13, (byte) 0x88, 0, 53, 0, 8, 0, 0}), false));
    inputs.put(MalformedReason.UDP_BAD_CHECKSUM, new Input(with(udp, 26, udp[26] ^ 0x01), false));

    byte[] echo =
        Packets.icmp(PEER, HOST, 64, new IcmpMessage.EchoRequest(1, 1, ByteBuffer.allocate(8)));
    inputs.put(MalformedReason.ICMP_TRUNCATED, new Input(ipv4(1, new byte[4]), false));
    inputs.put(
        MalformedReason.ICMP_BAD_CHECKSUM, new Input(with(echo, 22, echo[22] ^ 0x01), false));
    inputs.put(MalformedReason.ICMP_QUOTE_TRUNCATED, new Input(unreachable(new byte[0]), false));
    inputs.put(MalformedReason.ICMP_QUOTE_BAD_VERSION, new Input(unreachable(new byte[40]), false));
    byte[] fragment = Arrays.copyOf(syn, 28);
    fragment[7] = 1; // fragment offset 8 bytes: no transport header in the quote
    inputs.put(MalformedReason.ICMP_QUOTE_FRAGMENT, new Input(unreachable(fragment), false));

    // A host hands only its own protocols to their parsers, whole datagrams only, and reads the
    // version before it picks a parser: these reasons are the parsers' own, met by other callers
    // (decode, the TUN readers, the tests).
    Set<MalformedReason> notThroughAHost =
        EnumSet.of(
            MalformedReason.IP_NOT_TCP,
            MalformedReason.IP_NOT_ICMP,
            MalformedReason.IP_FRAGMENT,
            MalformedReason.IPV4_BAD_VERSION,
            MalformedReason.IPV6_BAD_VERSION);
    Set<MalformedReason> covered = EnumSet.copyOf(inputs.keySet());
    covered.addAll(notThroughAHost);
    assertEquals(EnumSet.allOf(MalformedReason.class), covered, "a new reason needs an input here");

    for (Map.Entry<MalformedReason, Input> e : inputs.entrySet()) {
      MalformedReason reason = e.getKey();
      List<TraceEvent> trace = new ArrayList<>();
      Host host = new Host("server", HostConfig.defaults(7), trace::add);
      host.addAddress(HOST);
      host.addAddress(HOST6);

      host.handlePacket(ByteBuffer.wrap(e.getValue().bytes()), e.getValue().trusted(), 0);

      assertEquals(1, host.counters().dropped(reason), reason + ": " + host.counters().drops());
      assertEquals(1, host.counters().dropped(reason.code()), reason.code());
      assertEquals(Map.of(reason.code(), 1L), host.counters().drops(), "nothing else counted");
      assertEquals(List.of(reason.text()), dropReasons(trace), reason + " traced with its text");
      assertNull(host.pollPacket(0), reason + ": a malformed packet is not answered");
    }
  }

  /** A packet and whether the link vouches for its transport checksum. */
  record Input(byte[] bytes, boolean trusted) {}

  private static byte[] with(byte[] packet, int at, int value) {
    byte[] b = packet.clone();
    b[at] = (byte) value;
    return b;
  }

  /**
   * Returns a TCP header of {@code length} bytes, ports 40000 to 80, with the given offset byte.
   */
  private static byte[] tcp(int dataOffsetByte, int length) {
    byte[] b = new byte[length];
    b[0] = (byte) 0x9c;
    b[1] = 0x40;
    b[3] = 80;
    b[12] = (byte) dataOffsetByte;
    b[13] = (byte) TcpFlags.SYN;
    return b;
  }

  /** Returns an IPv4 packet from PEER to HOST, its header checksum right. */
  private static byte[] ipv4(int protocol, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putInt(0);
    b.put((byte) 64).put((byte) protocol).putShort((short) 0);
    b.put(PEER.getAddress()).put(HOST.getAddress()).put(payload);
    b.putShort(10, (short) Checksum.compute(b, 0, 20));
    return b.array();
  }

  /** Returns an IPv6 packet from PEER6 to HOST6 whose first next header is {@code next}. */
  private static byte[] ipv6(int next, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
    b.putInt(0x60000000).putShort((short) payload.length).put((byte) next).put((byte) 64);
    b.put(PEER6.getAddress()).put(HOST6.getAddress()).put(payload);
    return b.array();
  }

  /** Returns an ICMP port unreachable to HOST quoting {@code original}, its checksum right. */
  private static byte[] unreachable(byte[] original) {
    return Packets.icmp(
        PEER, HOST, 64, new IcmpMessage.DestinationUnreachable(3, 0, ByteBuffer.wrap(original)));
  }

  private static List<String> dropReasons(List<TraceEvent> trace) {
    return trace.stream()
        .filter(
            e -> e instanceof TraceEvent.Segment s && s.action() == TraceEvent.SegmentAction.DROP)
        .map(e -> ((TraceEvent.Segment) e).reason())
        .toList();
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
