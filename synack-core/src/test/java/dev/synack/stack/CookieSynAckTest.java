package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpConfig;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The SYN-ACKs of SYN cookies written from a listener's templates ({@link CookieSynAcks}): the same
 * bytes the engine writes for every shape of SYN, with no connection built per SYN.
 */
class CookieSynAckTest {
  static final InetAddress SERVER4 = Ipv6EndToEndTest.ip("10.0.0.2");
  static final InetAddress SERVER6 = Ipv6EndToEndTest.ip("fd00::2");
  static final int PORT = 80;
  static final long MS = 1_000_000L;

  /** A host listening on {@link #PORT} with cookies for every SYN, traced (engine) or not. */
  private static Host server(boolean traced, TcpConfig tcp) {
    Host h =
        new Host(
            traced ? "traced" : "untraced",
            HostConfig.defaults(77).withSynCookies(SynCookiePolicy.ALWAYS).withTcp(tcp),
            traced ? event -> {} : null);
    h.addAddress(SERVER4);
    h.addAddress(SERVER6);
    h.listen(null, PORT, 16);
    return h;
  }

  @Test
  void templateSynAcks_areTheEnginesBytes_forEveryShapeFamilyAndTime() {
    for (TcpConfig tcp :
        List.of(
            TcpConfig.defaults(),
            TcpConfig.defaults().withTimestamps(false, 0),
            TcpConfig.defaults().withSackPermitted(false),
            TcpConfig.defaults().withWindowScale(false, 7))) {
      Host engine = server(true, tcp);
      Host template = server(false, tcp);
      SplittableRandom random = new SplittableRandom(5);
      ByteBuffer lent = ByteBuffer.allocate(65535);
      Transmit transmit = new Transmit();
      long now = 0;
      for (int i = 0; i < 2000; i++) {
        // Across several 64-second cookie periods and the wrap of the millisecond clock's low bits.
        now += random.nextLong(200 * MS);
        byte[] syn = randomSyn(random);
        engine.handlePacket(syn.clone(), now);
        template.handlePacket(syn.clone(), now);
        byte[] expected = engine.pollPacket(now);
        lent.clear();
        boolean answered = template.pollTransmit(now, lent, 1, transmit);
        if (expected == null) {
          // A SYN the engine does not answer (with data beside a FIN, say): neither host does.
          assertTrue(!answered, "SYN " + i + " unanswered by both");
          continue;
        }
        assertTrue(answered, "the template host answered " + i);
        byte[] got = new byte[lent.position()];
        lent.get(0, got);
        assertEquals(
            HexFormat.of().formatHex(expected),
            HexFormat.of().formatHex(got),
            "SYN-ACK " + i + " under " + tcp);
        assertEquals(got.length, transmit.length());
        assertEquals(0, transmit.segmentSize());
      }
      assertEquals(
          engine.counters().syncookiesSent(),
          template.counters().syncookiesSent(),
          "each counted its cookies");
      assertTrue(template.counters().syncookiesSent() > 1000, "most SYNs drew a cookie");
      assertTrue(
          template.counters().cookieSynAckTemplates() <= CookieSynAcks.SHAPES,
          "one template per shape at most: " + template.counters().cookieSynAckTemplates());
      assertEquals(0, engine.counters().cookieSynAckTemplates(), "a traced host uses the engine");
    }
  }

  @Test
  void tenThousandCookies_buildOneTemplate_andNoConnection() {
    Host host = server(false, TcpConfig.defaults());
    SplittableRandom random = new SplittableRandom(9);
    int answered = 0;
    for (int i = 0; i < 10_000; i++) {
      host.handlePacket(linuxSyn(random, randomSource4(random)), i * MS);
      for (byte[] p; (p = host.pollPacket(i * MS)) != null; ) {
        TcpSegment synAck = Packets.parseTcp(ByteBuffer.wrap(p), true).value().segment();
        assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags());
        answered++;
      }
    }
    assertEquals(10_000, answered);
    assertEquals(10_000, host.counters().syncookiesSent());
    assertEquals(
        1,
        host.counters().cookieSynAckTemplates(),
        "one SYN went through the engine; the 9,999 others were written from its template");
    assertEquals(0, host.connectionCount(), "no connection kept for a cookie");
  }

  @Test
  void manyCookiesBetweenPolls_leaveInOrder_throughTheLentBuffer() {
    Host host = server(false, TcpConfig.defaults());
    SplittableRandom random = new SplittableRandom(3);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      byte[] syn = linuxSyn(random, randomSource4(random));
      ports.add(Packets.parseTcp(ByteBuffer.wrap(syn), true).value().segment().sourcePort());
      host.handlePacket(syn, 0);
    }
    ByteBuffer lent = ByteBuffer.allocate(65535);
    Transmit transmit = new Transmit();
    for (int i = 0; i < 1000; i++) {
      lent.clear();
      assertTrue(host.pollTransmit(0, lent, 64, transmit));
      lent.flip();
      var parsed = Packets.parseTcp(lent, true);
      assertNotNull(parsed.value(), () -> "checksums verify: " + parsed.reason());
      assertEquals(ports.get(i), parsed.value().segment().destinationPort(), "SYN-ACK " + i);
    }
    lent.clear();
    assertTrue(!host.pollTransmit(0, lent, 64, transmit), "nothing more");
  }

  private static InetAddress randomSource4(SplittableRandom random) {
    try {
      return InetAddress.getByAddress(
          new byte[] {
            (byte) 198, (byte) (18 + random.nextInt(2)), (byte) random.nextInt(256), (byte) 7
          });
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** A SYN with Linux's options from {@code source}. */
  private static byte[] linuxSyn(SplittableRandom random, InetAddress source) {
    TcpSegment syn =
        TcpSegment.of(1024 + random.nextInt(64000), PORT, random.nextInt(), 0, TcpFlags.SYN, 64240)
            .withOptions(
                TcpOptions.of(
                    new TcpOption.MaximumSegmentSize(1460),
                    new TcpOption.SackPermitted(),
                    new TcpOption.Timestamps(random.nextInt(), 0),
                    new TcpOption.NoOperation(),
                    new TcpOption.WindowScale(7)));
    return Packets.tcp(source, SERVER4, 64, syn);
  }

  /**
   * A SYN of a random shape: either family, any mix of MSS, SACK-permitted, timestamps and window
   * scale (up to 15, above RFC 7323's 14), ECN's setup flags or none, now and then data or a FIN
   * (which only the engine answers).
   */
  private static byte[] randomSyn(SplittableRandom random) {
    boolean ipv6 = random.nextBoolean();
    byte[] address = new byte[ipv6 ? 16 : 4];
    random.nextBytes(address);
    if (ipv6) address[0] = (byte) 0xfd;
    else address[0] = (byte) (1 + random.nextInt(223));
    List<TcpOption> options = new ArrayList<>();
    if (random.nextBoolean()) options.add(new TcpOption.MaximumSegmentSize(random.nextInt(65536)));
    if (random.nextBoolean()) options.add(new TcpOption.SackPermitted());
    if (random.nextBoolean())
      options.add(new TcpOption.Timestamps(random.nextInt(), random.nextInt(4) == 0 ? 1 : 0));
    if (random.nextBoolean()) {
      options.add(new TcpOption.NoOperation());
      options.add(new TcpOption.WindowScale(random.nextInt(16)));
    }
    int flags = TcpFlags.SYN;
    if (random.nextInt(4) == 0) flags |= TcpFlags.ECE | TcpFlags.CWR;
    if (random.nextInt(20) == 0) flags |= TcpFlags.FIN;
    TcpSegment syn =
        TcpSegment.of(
                1 + random.nextInt(65535), PORT, random.nextInt(), 0, flags, random.nextInt(65536))
            .withOptions(new TcpOptions(options));
    if (random.nextInt(20) == 0) syn = syn.withPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    try {
      return Packets.tcp(InetAddress.getByAddress(address), ipv6 ? SERVER6 : SERVER4, 64, syn);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
