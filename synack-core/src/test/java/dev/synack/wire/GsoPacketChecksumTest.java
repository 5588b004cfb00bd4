package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link GsoPacket#completeChecksum}: a partial TCP checksum completed as a device would. */
class GsoPacketChecksumTest {
  private static final InetAddress V4_A = address(10, 0, 0, 1);
  private static final InetAddress V4_B = address(10, 0, 0, 2);
  private static final InetAddress V6_A = address6(1);
  private static final InetAddress V6_B = address6(2);

  @Property(tries = 400)
  void completedPartialChecksum_isTheWholeChecksum_forEveryPayloadLength(
      @ForAll @IntRange(min = 0, max = 1600) int payloadLength,
      @ForAll boolean ipv6,
      @ForAll boolean timestamps,
      @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] payload = new byte[payloadLength + 3];
    random.nextBytes(payload);
    // A payload lying at an odd or even place of the sender's ring.
    int offset = random.nextInt(4);
    OutboundSegment segment =
        new OutboundSegment()
            .header(40_000, 5001, random.nextInt(), random.nextInt(), TcpFlags.ACK, 65_535)
            .payload(payload, offset, payloadLength);
    segment.usualOptions(timestamps, random.nextInt(), random.nextInt(), java.util.List.of());
    InetAddress source = ipv6 ? V6_A : V4_A;
    InetAddress destination = ipv6 ? V6_B : V4_B;
    byte[] whole = Packets.tcp(source, destination, 64, segment);

    ByteBuffer out = ByteBuffer.allocate(70_000);
    GsoPacket gso = new GsoPacket();
    gso.begin(out, source, destination, 64, segment);
    int length = gso.finish(true);
    byte[] partial = new byte[length];
    out.get(0, partial);
    if (payloadLength > 0) {
      assertTrue(gso.segmentSize() > 0, "a data segment left partial");
    }

    byte[] completed = partial.clone();
    if (payloadLength > 0) assertTrue(GsoPacket.completeChecksum(completed));
    assertArrayEquals(whole, completed, "the completed packet is the whole one, byte for byte");
    assertTrue(verifies(completed), "its TCP checksum verifies");
  }

  @Property(tries = 200)
  void completedChecksum_stillCatchesACorruptedByte(
      @ForAll @IntRange(min = 1, max = 1460) int payloadLength,
      @ForAll boolean ipv6,
      @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] payload = new byte[payloadLength];
    random.nextBytes(payload);
    OutboundSegment segment =
        new OutboundSegment()
            .header(40_000, 5001, random.nextInt(), random.nextInt(), TcpFlags.ACK, 65_535)
            .payload(payload, 0, payloadLength);
    InetAddress source = ipv6 ? V6_A : V4_A;
    InetAddress destination = ipv6 ? V6_B : V4_B;
    ByteBuffer out = ByteBuffer.allocate(2_000);
    GsoPacket gso = new GsoPacket();
    gso.begin(out, source, destination, 64, segment);
    byte[] packet = new byte[gso.finish(true)];
    out.get(0, packet);
    assertTrue(GsoPacket.completeChecksum(packet));
    int tcp = ipv6 ? 40 : 20;
    // Corrupted after completion, as a link corrupts: the receiver's check must fail.
    int index = tcp + random.nextInt(packet.length - tcp);
    packet[index] ^= (byte) (1 + random.nextInt(255));
    assertFalse(verifies(packet), "a byte changed at " + index + " still caught");
  }

  @Property(tries = 50)
  void notTcp_leftUnchanged(@ForAll @IntRange(min = 0, max = 100) int length, @ForAll long seed) {
    byte[] packet = new byte[length];
    new SplittableRandom(seed).nextBytes(packet);
    if (length > 9) {
      packet[0] = 0x45;
      packet[9] = 17; // UDP
    }
    byte[] before = packet.clone();
    assertFalse(GsoPacket.completeChecksum(packet));
    assertArrayEquals(before, packet);
  }

  /** Returns whether the whole packet's TCP checksum verifies (RFC 9293 §3.1). */
  static boolean verifies(byte[] packet) {
    ByteBuffer p = ByteBuffer.wrap(packet);
    boolean v6 = (packet[0] & 0xff) >>> 4 == 6;
    int tcp = v6 ? 40 : 20;
    int tcpLength = packet.length - tcp;
    long pseudo =
        (v6 ? Checksum.sum(p, 8, 32) : Checksum.sum(p, 12, 8)) + TcpCodec.PROTOCOL + tcpLength;
    return Checksum.verifies(pseudo + Checksum.sum(p, tcp, tcpLength));
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static InetAddress address6(int last) {
    byte[] b = new byte[16];
    b[0] = (byte) 0xfd;
    b[15] = (byte) last;
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
