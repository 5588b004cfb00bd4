package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.Lesson;
import dev.synack.tcp.TcpConfig;
import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostDropReasonTest {
  static final InetAddress HOST = ip("10.0.0.2");
  static final InetAddress PEER = ip("10.0.0.1");

  @Test
  void codes_areStable_lowerCaseWithHyphens() {
    // The codes are an observable contract (counters, tests, tools): this list changes only by
    // adding.
    List<String> codes = Arrays.stream(HostDropReason.values()).map(HostDropReason::code).toList();
    assertEquals(
        List.of(
            "not-for-this-host",
            "unknown-protocol",
            "ipv4-fragment-malformed",
            "ipv4-fragment-too-large",
            "ipv4-fragment-bad-length",
            "ipv4-fragment-overlap",
            "ipv4-fragment-inconsistent-end",
            "ipv4-reassembly-memory-full",
            "ipv4-reassembly-timeout",
            "ipv6-fragment-malformed",
            "ipv6-fragment-too-large",
            "ipv6-fragment-bad-length",
            "ipv6-fragment-overlap",
            "ipv6-fragment-inconsistent-end",
            "ipv6-fragment-past-the-end",
            "ipv6-reassembly-memory-full",
            "ipv6-reassembly-timeout",
            "icmp-rate-limited",
            "icmp-not-handled",
            "icmp-quote-unknown-protocol",
            "icmp-ignored",
            "icmp-no-connection",
            "icmp-out-of-window",
            "icmp-ignored-in-state",
            "icmp-no-udp-endpoint",
            "closed-port",
            "unanswered-lesson",
            "listen-not-syn",
            "listen-bad-syn",
            "listen-queue-full",
            "syn-queue-full",
            "syn-held-limit",
            "syn-held",
            "syn-held-reset",
            "syn-held-tuple-in-use",
            "syn-policy-drop",
            "syn-policy-no-icmp",
            "syn-flood-shed",
            "udp-closed-port",
            "udp-receive-buffer-full"),
        codes);
    for (String code : codes) assertTrue(code.matches("[a-z0-9]+(-[a-z0-9]+)*"), code);
  }

  @Test
  void codes_areDistinct_fromEachOtherAndFromTheEngines() {
    assertEquals(
        HostDropReason.values().length,
        Arrays.stream(HostDropReason.values()).map(HostDropReason::code).distinct().count());
    for (HostDropReason r : HostDropReason.values())
      assertNull(DropReason.ofCode(r.code()), r + " has an engine reason's code");
  }

  @Test
  void ofCode_findsEachReason_andNothingElse() {
    for (HostDropReason r : HostDropReason.values()) assertSame(r, HostDropReason.ofCode(r.code()));
    assertNull(HostDropReason.ofCode("unanswered (lesson)"), "a text is not a code");
    assertNull(HostDropReason.ofCode("no-such-reason"));
  }

  @Test
  void packetForAnotherAddress_countedUnderItsCode_tracedWithItsText() {
    List<TraceEvent> trace = new ArrayList<>();
    Host host = new Host("server", HostConfig.defaults(7), trace::add);
    host.addAddress(HOST);

    host.handlePacket(
        Packets.tcp(PEER, ip("10.0.0.99"), 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 100)),
        0);

    assertEquals(1, host.counters().dropped(HostDropReason.NOT_FOR_THIS_HOST));
    assertEquals(1, host.counters().dropped("not-for-this-host"));
    assertEquals(List.of("not-for-this-host"), dropReasons(trace));
  }

  @Test
  void lessonsUnansweredSynAck_countedUnderItsCode_tracedWithItsWords() {
    List<TraceEvent> trace = new ArrayList<>();
    TcpConfig tcp = TcpConfig.defaults().withLesson(Lesson.TWO_MESSAGE_HANDSHAKE);
    Host host = new Host("client", HostConfig.defaults(7).withTcp(tcp), trace::add);
    host.addAddress(HOST);

    host.handlePacket(
        Packets.tcp(
            PEER, HOST, 64, TcpSegment.of(80, 40000, 1, 1, TcpFlags.SYN | TcpFlags.ACK, 100)),
        0);

    assertNull(host.pollPacket(0), "the lesson's client does not answer the SYN-ACK");
    assertEquals(1, host.counters().dropped(HostDropReason.UNANSWERED_LESSON));
    assertEquals(1, host.counters().dropped("unanswered-lesson"));
    assertEquals(0, host.counters().dropped("unanswered (lesson)"));
    assertEquals(List.of("unanswered (lesson)"), dropReasons(trace));
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
