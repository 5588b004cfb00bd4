package dev.synack.wire;

import static dev.synack.wire.LinuxCaptures.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the whole wire layer: build-then-parse is the identity; no bytes make parsing
 * throw.
 */
class WirePropertiesTest {

  @Property(tries = 500)
  void buildThenParse_ipv4_isTheIdentity(
      @ForAll("segments") TcpSegment segment,
      @ForAll("v4") InetAddress src,
      @ForAll("v4") InetAddress dst,
      @ForAll @IntRange(max = 255) int ttl) {
    assertRoundTrip(segment, src, dst, ttl);
  }

  @Property(tries = 500)
  void buildThenParse_ipv6_isTheIdentity(
      @ForAll("segments") TcpSegment segment,
      @ForAll("v6") InetAddress src,
      @ForAll("v6") InetAddress dst,
      @ForAll @IntRange(max = 255) int hopLimit) {
    assertRoundTrip(segment, src, dst, hopLimit);
  }

  private static void assertRoundTrip(
      TcpSegment segment, InetAddress src, InetAddress dst, int hopLimit) {
    byte[] packet = Packets.tcp(src, dst, hopLimit, segment);
    Packets.TcpPacket parsed = Packets.parseTcp(ByteBuffer.wrap(packet), true).value();
    assertEquals(src, parsed.ip().source());
    assertEquals(dst, parsed.ip().destination());
    assertEquals(hopLimit, parsed.ip().hopLimit());
    TcpSegment back = parsed.segment();
    // The builder computes the checksum; everything else comes back as given.
    assertEquals(withChecksum(segment, back.checksum()), back);
    assertArrayEquals(
        packet, Packets.tcp(src, dst, hopLimit, back), "parsed then rebuilt gives the same bytes");
  }

  private static TcpSegment withChecksum(TcpSegment s, int checksum) {
    return new TcpSegment(
        s.sourcePort(),
        s.destinationPort(),
        s.sequenceNumber(),
        s.acknowledgmentNumber(),
        s.flags(),
        s.window(),
        checksum,
        s.urgentPointer(),
        s.options(),
        s.payload());
  }

  @Property(tries = 2000)
  void randomBytes_neverThrow(@ForAll @Size(max = 120) byte[] bytes, @ForAll boolean verify) {
    assertOkOrMalformed(bytes, verify);
  }

  @Property(tries = 2000)
  void randomBytesBehindAValidVersionNibble_neverThrow(
      @ForAll @Size(min = 1, max = 120) byte[] bytes, @ForAll boolean v6, @ForAll boolean verify) {
    bytes[0] = (byte) (v6 ? 0x60 | (bytes[0] & 0x0f) : 0x45);
    assertOkOrMalformed(bytes, verify);
  }

  @Property(tries = 200)
  void everyTruncationAndMutationOfAValidPacket_neverThrows(
      @ForAll("segments") TcpSegment segment,
      @ForAll boolean v6,
      @ForAll @IntRange(max = 200) int at,
      @ForAll byte value) {
    InetAddress a = v6 ? LinuxCaptures.loopback6() : LinuxCaptures.loopback4();
    byte[] packet = Packets.tcp(a, a, 64, segment);
    for (int length = 0; length <= packet.length; length++) {
      assertOkOrMalformed(java.util.Arrays.copyOf(packet, length), true);
    }
    packet[at % packet.length] = value;
    assertOkOrMalformed(packet, false);
    assertOkOrMalformed(packet, true);
  }

  @Property(tries = 50)
  void everyTruncationOfTheLinuxCaptures_neverThrows(
      @ForAll byte value, @ForAll @IntRange(max = 120) int at) {
    for (String hex :
        List.of(
            LinuxCaptures.SYN4, LinuxCaptures.SYNACK4, LinuxCaptures.DATA4, LinuxCaptures.SYN6)) {
      byte[] packet = bytes(hex);
      for (int length = 0; length <= packet.length; length++) {
        assertOkOrMalformed(java.util.Arrays.copyOf(packet, length), true);
      }
      packet[at % packet.length] = value;
      assertOkOrMalformed(packet, false);
    }
  }

  /** Parses {@code bytes} every way the stack does; any exception fails the property. */
  private static void assertOkOrMalformed(byte[] bytes, boolean verify) {
    Parsed<Packets.TcpPacket> tcp = Packets.parseTcp(ByteBuffer.wrap(bytes), verify);
    assertNotNull(tcp.isOk() ? tcp.value().toString() : tcp.reason());
    Parsed<IpDatagram> ip = IpDatagram.parse(ByteBuffer.wrap(bytes));
    if (ip.isOk()) {
      IpDatagram d = ip.value();
      assertNotNull(d.toString());
      assertNotNull(IcmpCodec.parse(d, verify).toString());
      Packets.icmpEchoReply(d);
    }
    Parsed<TcpHeader> header = TcpHeader.wrap(ByteBuffer.wrap(bytes));
    if (header.isOk()) assertNotNull(header.value().toSegment().toString());
    Parsed<TcpSegment> segment =
        TcpCodec.parse(
            ByteBuffer.wrap(bytes), LinuxCaptures.loopback4(), LinuxCaptures.loopback4(), verify);
    assertNotNull(segment.isOk() ? segment.value() : segment.reason());
  }

  @Provide
  Arbitrary<InetAddress> v4() {
    return Arbitraries.bytes().array(byte[].class).ofSize(4).map(LinuxCaptures::address);
  }

  @Provide
  Arbitrary<InetAddress> v6() {
    // Through Inet6Address.getByAddress, so IPv4-mapped addresses stay IPv6 as on the wire.
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofSize(16)
        .map(
            raw -> {
              try {
                return java.net.Inet6Address.getByAddress(null, raw, -1);
              } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
              }
            });
  }

  @Provide
  Arbitrary<TcpSegment> segments() {
    Arbitrary<Integer> port = Arbitraries.integers().between(0, 0xffff);
    Arbitrary<Integer> u32 = Arbitraries.integers();
    Arbitrary<Integer> flags =
        Arbitraries.integers().between(0, 0x1ff); // AE included (RFC 9768 §3.2.1)
    Arbitrary<Integer> u16 = Arbitraries.integers().between(0, 0xffff);
    Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    return Combinators.combine(
            port, port, u32, u32, flags, u16, u16, Arbitraries.of(0).flatMap(x -> optionLists()))
        .as(
            (sp, dp, seq, ack, f, win, up, opts) ->
                new TcpSegment(sp, dp, seq, ack, f, win, 0, up, opts, null))
        .flatMap(s -> payload.map(p -> s.withPayload(ByteBuffer.wrap(p))));
  }

  /**
   * Valid option lists up to 40 bytes; an EOL only last and word-aligned, the form the parser
   * returns.
   */
  Arbitrary<TcpOptions> optionLists() {
    return option()
        .list()
        .ofMaxSize(12)
        .filter(l -> total(l) <= 40)
        .flatMap(
            list ->
                Arbitraries.of(false, true)
                    .map(
                        eol -> {
                          List<TcpOption> options = new ArrayList<>(list);
                          if (eol && total(list) % 4 == 0 && total(list) < 40)
                            options.add(new TcpOption.EndOfOptionList());
                          return new TcpOptions(options);
                        }));
  }

  private static int total(List<TcpOption> options) {
    return new TcpOptions(options).encodedLength();
  }

  Arbitrary<TcpOption> option() {
    Arbitrary<Integer> u32 = Arbitraries.integers();
    Arbitrary<SackBlock> block = Combinators.combine(u32, u32).as(SackBlock::new);
    // Kinds 34 and 254 (with Fast Open's ExID) parse as FastOpen, generated on their own below.
    Arbitrary<Integer> unknownKind =
        Arbitraries.integers()
            .between(6, 255)
            .filter(
                k ->
                    k != TcpOption.KIND_TIMESTAMPS
                        && k != TcpOption.KIND_FAST_OPEN
                        && k != TcpOption.KIND_EXPERIMENTAL
                        && k != TcpOption.KIND_ACCECN_0
                        && k != TcpOption.KIND_ACCECN_1);
    Arbitrary<Integer> u24 = Arbitraries.integers().between(0, 0xffffff);
    return Arbitraries.oneOf(
        Arbitraries.just(new TcpOption.NoOperation()),
        Arbitraries.integers().between(0, 0xffff).map(TcpOption.MaximumSegmentSize::new),
        Arbitraries.integers().between(0, 0xff).map(TcpOption.WindowScale::new),
        Arbitraries.just(new TcpOption.SackPermitted()),
        block.list().ofMinSize(1).ofMaxSize(4).map(TcpOption.Sack::new),
        Combinators.combine(u32, u32).as(TcpOption.Timestamps::new),
        Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(16), Arbitraries.of(false, true))
            .as(TcpOption.FastOpen::new),
        Combinators.combine(
                Arbitraries.of(false, true), Arbitraries.integers().between(0, 3), u24, u24, u24)
            .as(TcpOption.AccEcn::of),
        Combinators.combine(unknownKind, Arbitraries.bytes().array(byte[].class).ofMaxSize(10))
            .as(TcpOption.Unknown::new));
  }
}
