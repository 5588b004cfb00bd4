package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SYN filter of a TUN device ({@link TunLink#shedSyns}, {@link SynShedFilter}) over a real
 * device with the kernel in a namespace of its own: shedding, the kernel's SYNs never reach the
 * reader while its other packets do; without the filter they arrive again.
 */
class TunSynShedTest {
  private static final InetAddress KERNEL = InetAddress.ofLiteral("10.205.0.1");
  private static final InetAddress SYNACK = InetAddress.ofLiteral("10.205.0.2");
  private static final int PORT = 9;

  private NetnsFixture ns;
  private TunLink tun;

  @BeforeEach
  void setUp() throws IOException {
    NetnsFixture.assumePrivileged();
    ns = NetnsFixture.create();
    tun = TunLink.open(NetnsFixture.uniqueName("sks"), 1500);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), KERNEL.getHostAddress() + "/24");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (tun != null) tun.close();
    if (ns != null) ns.close();
  }

  /** What the reader saw: pure SYNs (IPv4 and IPv6) and UDP datagrams. */
  private record Seen(int syns, boolean udp) {
    boolean syn() {
      return syns > 0;
    }
  }

  /**
   * Has the kernel try to connect to {@code to} for {@code connectMillis} (its SYN, and a
   * retransmission 1 s later if that is longer) after sending it a datagram, and returns what the
   * device's reader got meanwhile.
   */
  private Seen kernelTalks(InetAddress to, int connectMillis) throws Exception {
    return whileRunning(
        () -> {
          try (DatagramSocket d = new DatagramSocket()) {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            d.send(new DatagramPacket(hello, hello.length, to, PORT));
          }
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(to, PORT), connectMillis);
          } catch (IOException nobodyAnswers) {
            // Expected: the reader below never answers.
          }
          return null;
        });
  }

  private Seen kernelTalks() throws Exception {
    return kernelTalks(SYNACK, 1_500);
  }

  /**
   * Runs {@code inNamespace} in the kernel's namespace and returns what the device's reader got
   * meanwhile and for 300 ms after (bounded: 10 s).
   */
  private Seen whileRunning(java.util.concurrent.Callable<Void> inNamespace) throws Exception {
    CompletableFuture<Void> kernel =
        CompletableFuture.runAsync(
            () -> {
              try {
                InNetns.call(ns.name(), inNamespace);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    int syns = 0;
    boolean udp = false;
    ByteBuffer packet = ByteBuffer.allocate(65_535);
    long end = System.nanoTime() + 10_000_000_000L;
    long doneAt = Long.MAX_VALUE;
    while (System.nanoTime() < end && System.nanoTime() < doneAt) {
      if (doneAt == Long.MAX_VALUE && kernel.isDone()) doneAt = System.nanoTime() + 300_000_000L;
      packet.clear();
      int n = tun.receive(packet, 100_000_000L);
      if (n < 20) continue;
      int version = (packet.get(0) >> 4) & 0xf;
      int protocol;
      int tcp;
      if (version == 4) {
        protocol = packet.get(9) & 0xff;
        tcp = (packet.get(0) & 0xf) * 4;
      } else if (version == 6 && n >= 40) {
        protocol = packet.get(6) & 0xff;
        tcp = 40;
      } else {
        continue;
      }
      if (protocol == 17) udp = true;
      if (protocol == 6 && n >= tcp + 14 && (packet.get(tcp + 13) & 0x12) == 0x02) syns++;
    }
    kernel.get(10, TimeUnit.SECONDS);
    return new Seen(syns, udp);
  }

  @Test
  void shedding_kernelsFirstSynNeverQueued_itsDatagramIs_andWithoutTheFilterSynsArriveAgain()
      throws Exception {
    // One SYN in 65,536 kept: the kernel's first SYN is shed unless chance keeps it; the connect
    // gives up before the retransmission (which the filter would let through: TunSynShedTest's
    // keepNone cases).
    assertTrue(tun.shedSyns(SynShedFilter.MAX_SHIFT), "the kernel took the filter");

    Seen shed = kernelTalks(SYNACK, 600);

    assertTrue(shed.udp(), "the datagram passed the filter");
    assertFalse(shed.syn(), "a SYN passed the filter");

    assertTrue(tun.shedSyns(0));
    Seen unfiltered = kernelTalks(SYNACK, 600);

    assertTrue(unfiltered.syn(), "the SYN arrives once the filter is gone");
  }

  @Test
  void keepNone_kernelsFirstSynShed_itsRetransmissionPasses() throws Exception {
    assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE), "the kernel took the filter");
    assertTrue(tun.synFilterRemembers(), "the filter has its map");

    Seen seen = kernelTalks();

    assertTrue(seen.udp(), "the datagram passed the filter");
    assertEquals(1, seen.syns(), "of the SYN and its retransmission, only the retransmission");
  }

  @Test
  void keepNone_ipv6_kernelsFirstSynShed_itsRetransmissionPasses() throws Exception {
    ns.ip("-6", "addr", "add", "fd05:205::1/64", "dev", tun.name(), "nodad");
    assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE));

    Seen seen = kernelTalks(InetAddress.ofLiteral("fd05:205::2"), 1_500);

    assertTrue(seen.udp(), "the IPv6 datagram passed the filter");
    assertEquals(1, seen.syns(), "of the IPv6 SYN and its retransmission, only the retransmission");
  }

  private Seen spoofed(String version, int count) throws Exception {
    return whileRunning(
        () -> {
          NetnsFixture.Result r =
              SpoofedSyns.send(
                  ns, version.equals("6") ? "fd05:205::2" : SYNACK.getHostAddress(), count);
          assertEquals(0, r.exitCode(), r.output());
          return null;
        });
  }

  @Test
  void keepNone_spoofedSynsFromDistinctSources_allShed_ipv4AndIpv6() throws Exception {
    NetnsFixture.assumeCommand("python3", "python3");
    ns.ip("-6", "addr", "add", "fd05:205::1/64", "dev", tun.name(), "nodad");
    assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE));

    // Unfiltered first: the raw sends do reach the reader, so none seen below means shed.
    assertTrue(tun.shedSyns(0));
    assertEquals(200, spoofed("4", 200).syns(), "IPv4 spoofed SYNs unfiltered");
    assertEquals(200, spoofed("6", 200).syns(), "IPv6 spoofed SYNs unfiltered");

    assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE));
    assertEquals(0, spoofed("4", 1_000).syns(), "IPv4 spoofed SYNs passed the filter");
    assertEquals(0, spoofed("6", 1_000).syns(), "IPv6 spoofed SYNs passed the filter");
  }

  @Test
  void packetsDropped_countsTheSynsTheFilterShed_readInTheDevicesNamespace() throws Exception {
    NetnsFixture.assumeCommand("python3", "python3");
    long before = tun.packetsDropped();
    assertTrue(before >= 0, "the device's tx_dropped read from its namespace: " + before);
    assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE));

    assertEquals(0, spoofed("4", 1_000).syns(), "spoofed SYNs passed the filter");

    long shed = tun.packetsDropped() - before;
    assertTrue(shed >= 1_000 && shed < 1_100, "1,000 SYNs shed, the device counted " + shed);
  }

  @Test
  void packetsDropped_countsWhatAFullQueueDropsAtItsTail() throws Exception {
    NetnsFixture.assumeCommand("python3", "python3");
    ns.ip("link", "set", tun.name(), "txqueuelen", "16");
    long before = tun.packetsDropped();

    // Nobody reads: the queue takes 16 and drops the rest at its tail.
    NetnsFixture.Result r = SpoofedSyns.send(ns, SYNACK.getHostAddress(), 500);
    assertEquals(0, r.exitCode(), r.output());

    long dropped = tun.packetsDropped() - before;
    assertTrue(dropped >= 450 && dropped <= 500, "500 sent into 16 places, dropped " + dropped);
  }

  @Test
  void txDropped_parsesTheDevicesLine_orSaysItIsNotThere() {
    String text =
        "Inter-|   Receive                                                |  Transmit\n"
            + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets"
            + " errs drop fifo colls carrier compressed\n"
            + "    lo:       0       0    0    0    0     0          0         0        0       0"
            + "    0    0    0     0       0          0\n"
            + "  sbt1: 1200 20 0 0 0 0 0 0 64000 1000 0 731 0 0 0 0\n";

    assertEquals(731, TunDrops.txDropped(text, "sbt1"));
    assertEquals(0, TunDrops.txDropped(text, "lo"));
    assertEquals(-1, TunDrops.txDropped(text, "sbt"));
  }

  @Test
  void program_outOfRangeShift_refused() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SynShedFilter.program(0, -1));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> tun.shedSyns(SynShedFilter.MAX_SHIFT + 1));
  }
}
