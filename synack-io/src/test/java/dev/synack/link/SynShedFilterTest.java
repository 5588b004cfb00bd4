package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.BPF_PROG_TEST_RUN;
import static dev.synack.link.LinuxSyscalls.CALL_STATE_SIZE;
import static dev.synack.link.LinuxSyscalls.bpf;
import static dev.synack.link.LinuxSyscalls.errno;
import static dev.synack.link.LinuxSyscalls.strerror;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SYN filter's program ({@link SynShedFilter}) as the kernel runs it: loaded through the
 * verifier with its map, then run on packets with {@code BPF_PROG_TEST_RUN}, which for a socket
 * filter takes an Ethernet frame, strips its header and runs the program on an skb whose data
 * starts at the IP header, as {@code tun_net_xmit} does for a TUN device's filter.
 */
class SynShedFilterTest {
  private static final byte[] V4_SOURCE = {(byte) 198, 51, 100, 7};
  private static final byte[] V4_DEST = {10, (byte) 205, 0, 2};
  private static final byte[] V6_SOURCE = v6(0x20, 0x01, 0x0d, 0xb8, 7);
  private static final byte[] V6_DEST = v6(0xfd, 0, 0, 0, 2);

  private static final int SYN = 0x02;
  private static final int ACK = 0x10;

  private SynShedFilter filter;
  private int prog = -1;

  @BeforeEach
  void setUp() {
    NetnsFixture.assumePrivileged();
    filter = SynShedFilter.create("test");
    assertNull(filter.note(), "the kernel made the map");
  }

  @AfterEach
  void tearDown() {
    if (prog >= 0) LinuxSyscalls.close(prog);
    if (filter != null) filter.close();
  }

  private void load(int shift) throws IOException {
    prog = filter.load(shift);
    assertTrue(filter.remembers(), "the verifier took the program with memory: " + filter.note());
  }

  @Test
  void keepNone_firstSynShed_itsRetransmissionPasses_aThirdStartsOver() throws IOException {
    load(SynShedFilter.KEEP_NONE);
    byte[] syn = tcp4(V4_SOURCE, 40000, 1000, SYN);

    assertFalse(passes(syn), "a SYN from a source never seen is shed");
    assertTrue(passes(syn), "its retransmission (same address, port, ISN) passes");
    assertFalse(passes(syn), "the pass forgot it: a repeat starts over");
    assertTrue(passes(syn), "and its next repeat passes");
  }

  @Test
  void keepNone_distinctSources_allShed_eachRetransmissionPasses() throws IOException {
    load(SynShedFilter.KEEP_NONE);
    int passed = 0;
    for (int i = 0; i < 2_000; i++) {
      byte[] source = {(byte) 198, 18, (byte) (i >> 8), (byte) i};
      if (passes(tcp4(source, 1024 + i, i * 7919, SYN))) passed++;
    }
    assertEquals(0, passed, "spoofed SYNs from distinct sources passed");
    // 2,000 hashes in 2^20 slots: a collision (one source's slot taken by another's) is unlikely
    // but possible (p = 0.002), so at least 1,990 of the retransmissions must find their slot.
    int again = 0;
    for (int i = 0; i < 2_000; i++) {
      byte[] source = {(byte) 198, 18, (byte) (i >> 8), (byte) i};
      if (passes(tcp4(source, 1024 + i, i * 7919, SYN))) again++;
    }
    assertTrue(again >= 1_990, "retransmissions passed: " + again);
  }

  @Test
  void keepNone_sameAddressOtherPortOrIsn_isANewSyn() throws IOException {
    load(SynShedFilter.KEEP_NONE);
    assertFalse(passes(tcp4(V4_SOURCE, 40000, 1000, SYN)));

    assertFalse(passes(tcp4(V4_SOURCE, 40001, 1000, SYN)), "another port");
    assertFalse(passes(tcp4(V4_SOURCE, 40000, 1001, SYN)), "another ISN");
    assertFalse(passes(tcp4(V4_DEST, 40000, 1000, SYN)), "another address");
  }

  @Test
  void keepNone_ipv6Syn_shedThenItsRetransmissionPasses() throws IOException {
    load(SynShedFilter.KEEP_NONE);
    byte[] syn = tcp6(V6_SOURCE, 6, 40000, 1000, SYN);

    assertFalse(passes(syn), "an IPv6 SYN from a source never seen is shed");
    assertTrue(passes(syn), "its retransmission passes");
    byte[] other = V6_SOURCE.clone();
    other[15] ^= 1;
    assertFalse(passes(tcp6(other, 6, 40000, 1000, SYN)), "another address's SYN is shed");
  }

  @Test
  void keepNone_everythingButAPureSyn_passes() throws IOException {
    load(SynShedFilter.KEEP_NONE);

    assertTrue(passes(tcp4(V4_SOURCE, 40000, 1000, SYN | ACK)), "SYN-ACK");
    assertTrue(passes(tcp4(V4_SOURCE, 40000, 1000, ACK)), "ACK");
    assertTrue(passes(tcp6(V6_SOURCE, 6, 40000, 1000, ACK)), "IPv6 ACK");
    byte[] udp = tcp4(V4_SOURCE, 40000, 1000, SYN);
    udp[9] = 17;
    assertTrue(passes(udp), "UDP, whatever its bytes");
    byte[] fragment = tcp4(V4_SOURCE, 40000, 1000, SYN);
    fragment[7] = 3; // fragment offset 24 bytes: no TCP header here
    assertTrue(passes(fragment), "a later IPv4 fragment");
    assertTrue(
        passes(tcp6(V6_SOURCE, 0, 40000, 1000, SYN)), "an IPv6 SYN after a hop-by-hop header");
  }

  @Test
  void withoutMemory_aRetransmissionIsShedToo() throws IOException {
    prog = loadWithoutMemory(SynShedFilter.KEEP_NONE);
    byte[] syn = tcp4(V4_SOURCE, 40000, 1000, SYN);

    assertFalse(passes(syn));
    assertFalse(passes(syn), "no memory: the retransmission faces the same odds");
    assertTrue(passes(tcp4(V4_SOURCE, 40000, 1000, ACK)), "an ACK passes");
  }

  @Test
  void shiftOne_aboutHalfOfNewSourcesKept() throws IOException {
    load(1);
    int kept = 0;
    for (int i = 0; i < 2_000; i++) {
      byte[] source = {(byte) 203, 0, (byte) (i >> 8), (byte) i};
      if (passes(tcp4(source, 2000 + i, i, SYN))) kept++;
    }
    // Binomial(2000, 1/2): 1,000 ± 22; outside 800..1,200 happens with p < 10^-18.
    assertTrue(kept > 800 && kept < 1_200, "kept of 2,000: " + kept);
  }

  @Test
  void program_outOfRangeShift_refused() {
    assertThrows(IllegalArgumentException.class, () -> SynShedFilter.program(0, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> SynShedFilter.program(SynShedFilter.MAX_SHIFT + 1, 3));
  }

  /** Loads the program without memory, as when the kernel refuses the map. */
  private static int loadWithoutMemory(int shift) throws IOException {
    SynShedFilter none = SynShedFilter.create("test");
    none.close();
    assertFalse(none.remembers());
    return none.load(shift);
  }

  /** Runs the program on {@code ipPacket} and returns whether it passed it (kept any bytes). */
  private boolean passes(byte[] ipPacket) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      // An Ethernet header (the test run strips it) and the packet.
      MemorySegment frame = arena.allocate(14 + ipPacket.length, 8);
      int type = (ipPacket[0] >> 4) == 6 ? 0x86dd : 0x0800;
      frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 12, (byte) (type >> 8));
      frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 13, (byte) type);
      MemorySegment.copy(MemorySegment.ofArray(ipPacket), 0, frame, 14, ipPacket.length);
      frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 2); // a local unicast address
      // union bpf_attr for BPF_PROG_TEST_RUN: prog fd, retval, data size in, data size out, data
      // in, data out, repeat, duration, ... (the rest 0).
      MemorySegment attr = arena.allocate(80, 8);
      attr.set(JAVA_INT, 0, prog);
      attr.set(JAVA_INT, 8, (int) frame.byteSize());
      attr.set(JAVA_LONG, 16, frame.address());
      attr.set(JAVA_INT, 32, 1);
      if (bpf(state, BPF_PROG_TEST_RUN, attr, (int) attr.byteSize()) < 0) {
        int e = errno(state);
        throw new IOException("test run: " + strerror(e) + " (errno " + e + ")");
      }
      return attr.get(JAVA_INT, 4) != 0;
    }
  }

  /** An IPv4 packet from {@code source}: a 20-byte TCP header with {@code flags}, no payload. */
  private static byte[] tcp4(byte[] source, int port, int isn, int flags) {
    ByteBuffer p = ByteBuffer.allocate(40);
    p.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0);
    p.put((byte) 64).put((byte) 6).putShort((short) 0).put(source).put(V4_DEST);
    tcpHeader(p, port, isn, flags);
    return p.array();
  }

  /**
   * An IPv6 packet from {@code source} with next header {@code next} (6: the TCP header follows;
   * else an 8-byte extension header that leads to it).
   */
  private static byte[] tcp6(byte[] source, int next, int port, int isn, int flags) {
    int extension = next == 6 ? 0 : 8;
    ByteBuffer p = ByteBuffer.allocate(40 + extension + 20);
    p.putInt(0x60000000).putShort((short) (extension + 20)).put((byte) next).put((byte) 64);
    p.put(source).put(V6_DEST);
    if (extension > 0) p.put((byte) 6).put((byte) 0).putShort((short) 0).putInt(0);
    tcpHeader(p, port, isn, flags);
    return p.array();
  }

  private static void tcpHeader(ByteBuffer p, int port, int isn, int flags) {
    p.putShort((short) port).putShort((short) 80).putInt(isn).putInt(0);
    p.put((byte) 0x50).put((byte) flags).putShort((short) 65535).putInt(0);
  }

  private static byte[] v6(int a, int b, int c, int d, int last) {
    byte[] address = new byte[16];
    address[0] = (byte) a;
    address[1] = (byte) b;
    address[2] = (byte) c;
    address[3] = (byte) d;
    address[15] = (byte) last;
    return address;
  }
}
