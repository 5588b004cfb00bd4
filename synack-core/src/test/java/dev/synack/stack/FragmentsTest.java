package dev.synack.stack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Ipv4Packet;
import dev.synack.wire.Ipv6Packet;
import dev.synack.wire.Parsed;
import dev.synack.wire.UdpPacket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * IP fragments both ways: IPv6 reassembly (RFC 8200 §4.5, RFC 5722, RFC 6946) and UDP fragmented at
 * the source.
 */
class FragmentsTest {
  static final InetAddress A4 = ip("10.0.0.1");
  static final InetAddress B4 = ip("10.0.0.2");
  static final InetAddress A6 = ip("fd00::1");
  static final InetAddress B6 = ip("fd00::2");
  static final long SECOND = 1_000_000_000L;

  final Host a = new Host("a", HostConfig.defaults(41), null);
  final Host b = new Host("b", HostConfig.defaults(42), null);
  final UdpEndpoint server;

  FragmentsTest() {
    a.addAddress(A4);
    a.addAddress(A6);
    b.addAddress(B4);
    b.addAddress(B6);
    server = b.bindUdp(null, 53);
  }

  @Nested
  class Ipv6Reassembly {
    final byte[] payload = random(3000, 1);
    final byte[] whole = UdpPacket.packet(A6, 40000, B6, 53, 64, ByteBuffer.wrap(payload));
    final int udpLength = whole.length - 40;

    @Test
    void threeFragments_outOfOrder_deliverTheWholeDatagram() {
      b.handlePacket(fragment6(whole, 2464, udpLength - 2464, false, 7), 0);
      b.handlePacket(fragment6(whole, 0, 1232, true, 7), 0);
      assertEquals(0, server.pending(), "nothing until the datagram is whole");
      b.handlePacket(fragment6(whole, 1232, 1232, true, 7), 0);

      UdpMessage m = server.receive();
      assertArrayEquals(payload, m.payload());
      assertEquals(A6, m.remoteAddress());
      assertEquals(3, b.counters().fragmentsIn());
      assertEquals(1, b.counters().datagramsReassembled());
      assertEquals(Long.MAX_VALUE, b.pollTimeout(), "nothing left to expire");
    }

    @Test
    void reassembledHandoff_takesTheWholeDatagram_theHostNeitherDeliversNorAnswersIt() {
      List<byte[]> handed = new ArrayList<>();
      b.setReassembledHandoff((datagram, now) -> handed.add(datagram));
      b.handlePacket(fragment6(whole, 0, 1232, true, 7), 0);
      b.handlePacket(fragment6(whole, 1232, 1232, true, 7), 0);
      assertTrue(handed.isEmpty(), "only a whole datagram is handed off");
      b.handlePacket(fragment6(whole, 2464, udpLength - 2464, false, 7), 0);
      assertEquals(1, handed.size());
      assertArrayEquals(whole, handed.getFirst(), "the datagram as sent, no fragment header");
      assertEquals(0, server.pending(), "taken by the handoff, not delivered here");
      assertNull(b.pollPacket(0), "no answer");
      b.setReassembledHandoff((datagram, now) -> false);
      b.handlePacket(handed.getFirst(), 0);
      assertArrayEquals(
          payload,
          server.receive().payload(),
          "the whole datagram, handled by a host, is delivered");
    }

    @Test
    void fragmentsOfTwoIdentifications_areKeptApart() {
      b.handlePacket(fragment6(whole, 0, 1232, true, 1), 0);
      b.handlePacket(fragment6(whole, 1232, udpLength - 1232, false, 2), 0);
      assertEquals(0, server.pending());
      b.handlePacket(fragment6(whole, 1232, udpLength - 1232, false, 1), 0);
      assertArrayEquals(payload, server.receive().payload());
    }

    @Test
    void destinationOptionsBeforeTheFragmentHeader_stayInTheReassembledPacket() {
      // The unfragmentable part (RFC 8200 §4.5) here is the fixed header and an 8-byte destination
      // options header.
      b.handlePacket(withDestinationOptions(fragment6(whole, 1232, udpLength - 1232, false, 9)), 0);
      b.handlePacket(withDestinationOptions(fragment6(whole, 0, 1232, true, 9)), 0);
      assertArrayEquals(payload, server.receive().payload());
    }

    @Test
    void overlappingFragment_dropsTheWholeDatagram() {
      b.handlePacket(fragment6(whole, 0, 1232, true, 7), 0);
      b.handlePacket(fragment6(whole, 1224, 16, true, 7), 0);
      assertEquals(1, b.counters().dropped("ipv6-fragment-overlap"));
      // RFC 5722 §4: what came before is gone, so the rest cannot complete the datagram.
      b.handlePacket(fragment6(whole, 1232, udpLength - 1232, false, 7), 0);
      assertEquals(0, server.pending());
      assertEquals(0, b.counters().datagramsReassembled());
    }

    @Test
    void incompleteDatagram_expiresAfter60Seconds_andIsCounted() {
      b.handlePacket(fragment6(whole, 0, 1232, true, 7), 0);
      assertEquals(60 * SECOND, b.pollTimeout());
      b.handleTimeout(60 * SECOND - 1);
      assertEquals(0, b.counters().dropped("ipv6-reassembly-timeout"));
      b.handleTimeout(60 * SECOND);
      assertEquals(1, b.counters().dropped("ipv6-reassembly-timeout"));
      assertEquals(Long.MAX_VALUE, b.pollTimeout());
      b.handlePacket(fragment6(whole, 1232, udpLength - 1232, false, 7), 61 * SECOND);
      assertEquals(0, server.pending(), "the first fragment expired");
    }

    @Test
    void timedOutWithTheFirstFragment_sendsIcmpv6TimeExceededCode1QuotingIt() {
      byte[] first = fragment6(whole, 0, 1232, true, 7);
      b.handlePacket(first, 0);
      b.handleTimeout(60 * SECOND);
      byte[] error = b.pollPacket(60 * SECOND);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(error)).value();
      assertEquals(B6, ip.source());
      assertEquals(A6, ip.destination());
      IcmpMessage.TimeExceeded x = (IcmpMessage.TimeExceeded) IcmpCodec.parse(ip, true).value();
      assertEquals(1, x.code(), "fragment reassembly time exceeded (RFC 8200 §4.5)");
      byte[] quoted = new byte[x.original().remaining()];
      x.original().duplicate().get(quoted);
      assertArrayEquals(
          java.util.Arrays.copyOf(first, quoted.length), quoted, "the first fragment's start");
      assertEquals(1, b.counters().timeExceededSent());
    }

    @Test
    void timedOutWithoutTheFirstFragment_sendsNothing() {
      b.handlePacket(fragment6(whole, 1232, 1232, true, 7), 0);
      b.handleTimeout(60 * SECOND);
      assertEquals(1, b.counters().dropped("ipv6-reassembly-timeout"));
      assertEquals(
          null, b.pollPacket(60 * SECOND), "RFC 8200 §4.5: no error without the first fragment");
    }

    @Test
    void manyTimeouts_errorsAreRateLimited() {
      for (int id = 0; id < 50; id++) b.handlePacket(fragment6(whole, 0, 1232, true, id), 0);
      b.handleTimeout(60 * SECOND);
      int sent = 0;
      while (b.pollPacket(60 * SECOND) != null) sent++;
      assertEquals(50, b.counters().dropped("ipv6-reassembly-timeout"));
      assertTrue(sent > 0 && sent < 50, "a burst, then the rate limit: " + sent);
      assertEquals(sent, b.counters().timeExceededSent());
    }

    @Test
    void fragmentWithMoreSetNotAMultipleOf8_isDropped() {
      b.handlePacket(fragment6(whole, 0, 1230, true, 7), 0);
      assertEquals(1, b.counters().dropped("ipv6-fragment-bad-length"));
      assertEquals(Long.MAX_VALUE, b.pollTimeout(), "nothing held");
    }

    @Test
    void fragmentEndingPast65535_isDropped() {
      b.handlePacket(fragment6(whole, 0, 16, false, 7, 65528), 0);
      assertEquals(1, b.counters().dropped("ipv6-fragment-too-large"));
    }

    @Test
    void atomicFragment_isProcessedAlone() {
      // RFC 6946 §4: offset 0 and M clear; the datagram is whole and never waits for reassembly.
      byte[] small = UdpPacket.packet(A6, 40000, B6, 53, 64, ByteBuffer.wrap("hi".getBytes(UTF_8)));
      b.handlePacket(fragment6(small, 0, small.length - 40, false, 7), 0);
      assertArrayEquals("hi".getBytes(UTF_8), server.receive().payload());
      assertEquals(0, b.counters().fragmentsIn());
    }

    @Test
    void memoryLimit_dropsWhatWouldExceedIt() {
      HostConfig d = HostConfig.defaults(42);
      Host small =
          new Host(
              "small",
              new HostConfig(
                  d.mtu(),
                  d.hopLimit(),
                  d.tcp(),
                  d.somaxconn(),
                  d.ephemeralPortLow(),
                  d.ephemeralPortHigh(),
                  d.fragmentTimeoutNanos(),
                  2000,
                  d.secretSeed(),
                  d.synCookies(),
                  false,
                  d.heldSynLimit()),
              null);
      small.addAddress(B6);
      small.bindUdp(null, 53);
      small.handlePacket(fragment6(whole, 0, 1232, true, 7), 0);
      small.handlePacket(fragment6(whole, 1232, 1232, true, 7), 0);
      assertEquals(1, small.counters().dropped("ipv6-reassembly-memory-full"));
      assertEquals(Long.MAX_VALUE, small.pollTimeout(), "the datagram was given up");
    }
  }

  @Nested
  class Ipv4Reassembly {
    @Test
    void incompleteDatagram_expiresAfter30Seconds_andIsCounted() {
      byte[] whole = UdpPacket.packet(A4, 40000, B4, 53, 64, ByteBuffer.wrap(random(2000, 3)));
      List<byte[]> fragments = dev.synack.wire.IpFragments.ipv4(whole, 1500, 77);
      b.handlePacket(fragments.get(1), 0);
      b.handleTimeout(30 * SECOND);
      assertEquals(1, b.counters().dropped("ipv4-reassembly-timeout"));
      assertEquals(null, b.pollPacket(30 * SECOND), "the first fragment never came: no error");
    }

    @Test
    void timedOutWithTheFirstFragment_sendsTimeExceededCode1QuotingItsHeaderAndUdpHeader() {
      byte[] whole = UdpPacket.packet(A4, 40000, B4, 53, 64, ByteBuffer.wrap(random(2000, 3)));
      List<byte[]> fragments = dev.synack.wire.IpFragments.ipv4(whole, 1500, 77);
      b.handlePacket(fragments.get(0), 0);
      b.handleTimeout(30 * SECOND);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(b.pollPacket(30 * SECOND))).value();
      assertEquals(A4, ip.destination());
      IcmpMessage.TimeExceeded x = (IcmpMessage.TimeExceeded) IcmpCodec.parse(ip, true).value();
      assertEquals(1, x.code(), "RFC 792: fragment reassembly time exceeded");
      assertTrue(x.original().remaining() >= 28, "the IP header and 64 bits of data, at least");
      assertEquals(
          40000, x.original().getShort(20) & 0xffff, "the UDP source port is in the quote");
    }
  }

  @Nested
  class UdpFragmentedAtTheSource {
    final UdpEndpoint client = a.bindUdp(null, 40000);

    @Test
    void ipv4_4000Bytes_leaveInThreeFragments_withDfClear_andArriveWhole() {
      byte[] payload = random(4000, 4);
      client.send(ByteBuffer.wrap(payload), B4, 53, 0);
      List<byte[]> sent = drain(a);
      assertEquals(3, sent.size());
      int id = -1;
      int[] offsets = {0, 185, 370}; // (1500 - 20) / 8 blocks per fragment
      for (int i = 0; i < 3; i++) {
        Ipv4Packet p =
            ((Parsed.Ok<Ipv4Packet>) Ipv4Packet.wrap(ByteBuffer.wrap(sent.get(i)))).value();
        assertTrue(
            sent.get(i).length <= 1500, "fragment " + i + " is " + sent.get(i).length + " bytes");
        assertEquals(false, p.dontFragment(), "RFC 791: a fragmentable datagram has DF clear");
        assertEquals(i < 2, p.moreFragments());
        assertEquals(offsets[i], p.fragmentOffset());
        if (id < 0) id = p.identification();
        assertEquals(id, p.identification(), "one identification for the datagram");
      }
      assertEquals(4000 + 8 + 60, sent.stream().mapToInt(f -> f.length).sum());
      for (int i = 2; i >= 0; i--) b.handlePacket(sent.get(i), 0);
      assertArrayEquals(payload, server.receive().payload());
      assertEquals(1, a.counters().datagramsFragmented());
      assertEquals(3, a.counters().fragmentsOut());
      assertEquals(1, a.counters().udpDatagramsOut());
    }

    @Test
    void ipv6_4000Bytes_leaveWithAFragmentHeader_neverOverTheMtu_andArriveWhole() {
      byte[] payload = random(4000, 5);
      client.send(ByteBuffer.wrap(payload), B6, 53, 0);
      List<byte[]> sent = drain(a);
      assertEquals(3, sent.size());
      int[] offsets = {0, 181, 362}; // (1500 - 40 - 8) / 8 blocks per fragment
      int id = 0;
      for (int i = 0; i < 3; i++) {
        Ipv6Packet p =
            ((Parsed.Ok<Ipv6Packet>) Ipv6Packet.wrap(ByteBuffer.wrap(sent.get(i)))).value();
        assertTrue(sent.get(i).length <= 1500);
        assertEquals(Ipv6Packet.FRAGMENT, p.nextHeader());
        assertEquals(UdpPacket.PROTOCOL, p.upperLayerProtocol());
        assertEquals(i < 2, p.moreFragments());
        assertEquals(offsets[i], p.fragmentOffset());
        if (i == 0) id = p.fragmentIdentification();
        assertEquals(id, p.fragmentIdentification());
      }
      b.handlePacket(sent.get(1), 0);
      b.handlePacket(sent.get(2), 0);
      b.handlePacket(sent.get(0), 0);
      assertArrayEquals(payload, server.receive().payload());

      client.send(ByteBuffer.wrap(payload), B6, 53, 0);
      Ipv6Packet next =
          ((Parsed.Ok<Ipv6Packet>) Ipv6Packet.wrap(ByteBuffer.wrap(drain(a).get(0)))).value();
      assertNotEquals(
          id,
          next.fragmentIdentification(),
          "the next datagram to the destination has another identification");
    }

    @Test
    void datagramThatFits_leavesWhole() {
      client.send(ByteBuffer.wrap(random(1472, 6)), B4, 53, 0);
      List<byte[]> sent = drain(a);
      assertEquals(1, sent.size());
      assertEquals(1500, sent.get(0).length);
      assertEquals(0, a.counters().datagramsFragmented());
    }

    @Test
    void dontFragment_datagramOverTheMtu_isRefusedWithEmsgsize() {
      client.setDontFragment(true);
      MessageTooLongException e =
          assertThrows(
              MessageTooLongException.class,
              () -> client.send(ByteBuffer.wrap(random(1473, 7)), B4, 53, 0));
      assertEquals(1500, e.mtu());
      assertNull(a.pollPacket(0), "nothing sent");
      assertEquals(1, a.counters().fragmentationRefused());
      assertEquals(0, a.counters().udpDatagramsOut());
      client.send(ByteBuffer.wrap(random(1472, 7)), B4, 53, 0);
      assertEquals(1, drain(a).size(), "what fits still leaves");
    }

    @Test
    void smallerHostMtu_fragmentsToIt() {
      Host c = new Host("c", HostConfig.defaults(43).withMtu(1280), null);
      c.addAddress(A6);
      UdpEndpoint e = c.bindUdp(null, 0);
      byte[] payload = random(9000, 8);
      e.send(ByteBuffer.wrap(payload), B6, 53, 0);
      List<byte[]> sent = drain(c);
      assertEquals(8, sent.size()); // 9008 bytes of UDP in pieces of 1232
      for (byte[] f : sent) assertTrue(f.length <= 1280, f.length + " bytes");
      for (byte[] f : sent) b.handlePacket(f, 0);
      assertArrayEquals(payload, server.receive().payload());
      assertInstanceOf(HostEvent.UdpReadable.class, b.pollEvent());
    }
  }

  static List<byte[]> drain(Host h) {
    List<byte[]> out = new ArrayList<>();
    for (byte[] p; (p = h.pollPacket(0)) != null; ) out.add(p);
    return out;
  }

  /**
   * Returns an IPv6 fragment of {@code whole} (a packet with no extension headers): the fixed
   * header, a Fragment header (RFC 8200 §4.5) and {@code length} bytes of its payload from {@code
   * offset}.
   */
  static byte[] fragment6(byte[] whole, int offset, int length, boolean more, int id) {
    return fragment6(whole, offset, length, more, id, offset);
  }

  /** As above, with the fragment offset field saying {@code claimedOffset}. */
  static byte[] fragment6(
      byte[] whole, int offset, int length, boolean more, int id, int claimedOffset) {
    byte[] f = new byte[40 + 8 + length];
    System.arraycopy(whole, 0, f, 0, 40);
    f[4] = (byte) ((8 + length) >>> 8);
    f[5] = (byte) (8 + length);
    f[6] = 44;
    f[40] = whole[6];
    f[42] = (byte) (claimedOffset >>> 8);
    f[43] = (byte) ((claimedOffset & 0xf8) | (more ? 1 : 0));
    ByteBuffer.wrap(f).putInt(44, id);
    System.arraycopy(whole, 40 + offset, f, 48, length);
    return f;
  }

  /**
   * Returns {@code fragment} with an 8-byte destination options header (two PadN bytes... a PadN
   * option) before its fragment header.
   */
  static byte[] withDestinationOptions(byte[] fragment) {
    byte[] f = new byte[fragment.length + 8];
    System.arraycopy(fragment, 0, f, 0, 40);
    int payloadLength = fragment.length - 40 + 8;
    f[4] = (byte) (payloadLength >>> 8);
    f[5] = (byte) payloadLength;
    f[6] = 60; // destination options
    f[40] = 44; // then the fragment header
    f[41] = 0; // 8 bytes
    f[42] = 1; // PadN
    f[43] = 4;
    System.arraycopy(fragment, 40, f, 48, fragment.length - 40);
    return f;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
