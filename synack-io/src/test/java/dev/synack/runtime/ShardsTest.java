package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The loop of a packet is the loop of its flow as the host sees it, read from the packet's bytes.
 */
class ShardsTest {
  private static final InetAddress US = InetAddress.ofLiteral("10.0.0.2");
  private static final InetAddress THEM = InetAddress.ofLiteral("10.0.0.1");
  private static final InetAddress US6 = InetAddress.ofLiteral("fd00::2");
  private static final InetAddress THEM6 = InetAddress.ofLiteral("fd00::1");
  private final Shards shards = new Shards(4, 77);

  @Test
  void tcpPacket_goesToTheLoopOfItsTuple_seenFromUs() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 2000; i++) {
      int ourPort = 1 + r.nextInt(65535);
      int theirPort = 1 + r.nextInt(65535);
      ByteBuffer in = ipv4(6, THEM, US, ports(theirPort, ourPort, 20));
      assertEquals(
          shards.of(6, US, ourPort, THEM, theirPort), shards.ofPacket(in), "port " + ourPort);
      ByteBuffer in6 = ipv6(6, THEM6, US6, ports(theirPort, ourPort, 20));
      assertEquals(shards.of(6, US6, ourPort, THEM6, theirPort), shards.ofPacket(in6));
    }
  }

  @Test
  void ofPacket_readsWithoutMovingTheBuffer() {
    ByteBuffer in = ipv4(6, THEM, US, ports(5000, 80, 20));
    int position = in.position();
    shards.ofPacket(in);
    assertEquals(position, in.position());
  }

  @Test
  void udp_goesByOurPortAlone() {
    for (int theirPort = 1; theirPort < 200; theirPort++) {
      assertEquals(shards.ofUdp(53), shards.ofPacket(ipv4(17, THEM, US, ports(theirPort, 53, 8))));
    }
    assertEquals(shards.ofUdp(53), shards.of(17, US, 53, THEM, 9));
  }

  @Test
  void udpByFlow_goesByTheWholeTuple_asTcp_andSpreadsOnePortOverEveryLoop() {
    Shards byFlow = new Shards(4, 77, true);
    int[] seen = new int[4];
    for (int theirPort = 1024; theirPort < 1024 + 4000; theirPort++) {
      int loop = byFlow.of(17, US, 53, THEM, theirPort);
      assertEquals(loop, byFlow.ofPacket(ipv4(17, THEM, US, ports(theirPort, 53, 8))));
      assertEquals(byFlow.of(6, US, 53, THEM, theirPort), loop, "the same hash as TCP's");
      ByteBuffer in6 = ipv6(17, THEM6, US6, ports(theirPort, 53, 8));
      assertEquals(byFlow.of(17, US6, 53, THEM6, theirPort), byFlow.ofPacket(in6));
      seen[loop]++;
    }
    for (int n : seen)
      assertTrue(n > 800 && n < 1200, "about a quarter each: " + java.util.Arrays.toString(seen));
    // An endpoint bound to no peer still goes by its port.
    assertEquals(byFlow.ofUdp(5353), byFlow.of(17, US, 5353, null, 0));
    // An ICMP error about a datagram we sent goes to that datagram's flow.
    for (int ourPort = 40000; ourPort < 40100; ourPort++) {
      byte[] quoted = bytes(ipv4(17, US, THEM, ports(ourPort, 53, 8)));
      byte[] icmp = new byte[8 + 28];
      icmp[0] = 3;
      icmp[1] = 3;
      System.arraycopy(quoted, 0, icmp, 8, 28);
      assertEquals(byFlow.of(17, US, ourPort, THEM, 53), byFlow.ofPacket(ipv4(1, THEM, US, icmp)));
    }
  }

  @Test
  void icmpError_goesToTheFlowOfThePacketItQuotes() {
    for (int ourPort = 40000; ourPort < 40100; ourPort++) {
      // What we sent: us -> them; the error comes from them (or a router) and quotes it.
      byte[] quoted = bytes(ipv4(6, US, THEM, ports(ourPort, 443, 20)));
      byte[] icmp = new byte[8 + 28];
      icmp[0] = 3; // destination unreachable
      icmp[1] = 4; // fragmentation needed
      System.arraycopy(quoted, 0, icmp, 8, 28);
      assertEquals(shards.of(6, US, ourPort, THEM, 443), shards.ofPacket(ipv4(1, THEM, US, icmp)));
    }
    byte[] quotedUdp = bytes(ipv4(17, US, THEM, ports(5353, 53, 8)));
    byte[] icmp = new byte[8 + 28];
    icmp[0] = 3;
    icmp[1] = 3;
    System.arraycopy(quotedUdp, 0, icmp, 8, 28);
    assertEquals(shards.ofUdp(5353), shards.ofPacket(ipv4(1, THEM, US, icmp)));
  }

  @Test
  void ofArrival_tcpAndIcmpErrorsAboutTcp_handledWhereRead_udpStillByItsPort() {
    for (int ourPort = 40000; ourPort < 40100; ourPort++) {
      assertEquals(Shards.ANY, shards.ofArrival(ipv4(6, THEM, US, ports(443, ourPort, 20))));
      assertEquals(Shards.ANY, shards.ofArrival(ipv6(6, THEM6, US6, ports(443, ourPort, 20))));
      byte[] quoted = bytes(ipv4(6, US, THEM, ports(ourPort, 443, 20)));
      byte[] icmp = new byte[8 + 28];
      icmp[0] = 3;
      icmp[1] = 4;
      System.arraycopy(quoted, 0, icmp, 8, 28);
      assertEquals(Shards.ANY, shards.ofArrival(ipv4(1, THEM, US, icmp)));
      assertEquals(
          shards.ofUdp(ourPort), shards.ofArrival(ipv4(17, THEM, US, ports(53, ourPort, 8))));
    }
  }

  @Test
  void echoFragmentsAndTruncatedPackets_goToAnyLoop() {
    byte[] echo = new byte[16];
    echo[0] = 8;
    assertEquals(Shards.ANY, shards.ofPacket(ipv4(1, THEM, US, echo)));
    ByteBuffer fragment = ipv4(6, THEM, US, ports(5000, 80, 20));
    fragment.putShort(6, (short) 0x2000); // more fragments
    assertEquals(Shards.ANY, shards.ofPacket(fragment));
    assertEquals(Shards.ANY, shards.ofPacket(ByteBuffer.wrap(new byte[10])));
    ByteBuffer shortTcp = ipv4(6, THEM, US, new byte[2]);
    assertEquals(Shards.ANY, shards.ofPacket(shortTcp));
    assertEquals(Shards.ANY, shards.ofPacket(ByteBuffer.wrap(new byte[40])), "version 0");
  }

  @Test
  void flowsSpreadOverEveryLoop_andTheKeyChangesWhere() {
    int[] seen = new int[4];
    int moved = 0;
    Shards other = new Shards(4, 78);
    for (int port = 32768; port < 32768 + 4000; port++) {
      seen[shards.of(6, US, port, THEM, 80)]++;
      if (shards.of(6, US, port, THEM, 80) != other.of(6, US, port, THEM, 80)) moved++;
    }
    for (int n : seen)
      assertTrue(n > 800 && n < 1200, "about a quarter each: " + java.util.Arrays.toString(seen));
    assertTrue(moved > 2000, "another key places flows elsewhere: " + moved);
    assertEquals(0, new Shards(1, 77).of(6, US, 1, THEM, 2));
    assertNotEquals(Shards.ANY, shards.ofUdp(0));
  }

  private static byte[] ports(int source, int destination, int length) {
    byte[] b = new byte[length];
    b[0] = (byte) (source >>> 8);
    b[1] = (byte) source;
    b[2] = (byte) (destination >>> 8);
    b[3] = (byte) destination;
    return b;
  }

  private static ByteBuffer ipv4(
      int protocol, InetAddress source, InetAddress destination, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) (20 + payload.length))
        .putInt(0x4000_0000); // DF
    b.put((byte) 64).put((byte) protocol).putShort((short) 0);
    b.put(source.getAddress()).put(destination.getAddress()).put(payload);
    return b.flip();
  }

  private static ByteBuffer ipv6(
      int next, InetAddress source, InetAddress destination, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
    b.putInt(0x6000_0000).putShort((short) payload.length).put((byte) next).put((byte) 64);
    b.put(source.getAddress()).put(destination.getAddress()).put(payload);
    return b.flip();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
