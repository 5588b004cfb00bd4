package dev.synack.link;

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

  /** What the reader saw of the kernel's connect attempt and its datagram. */
  private record Seen(boolean syn, boolean udp) {}

  /**
   * Has the kernel try to connect to synack's address (its SYN and a retransmission in 1.5 s) and
   * send it a datagram, and returns what the device's reader got meanwhile (bounded: 3 s).
   */
  private Seen kernelTalks() throws Exception {
    CompletableFuture<Void> kernel =
        CompletableFuture.runAsync(
            () -> {
              try {
                InNetns.call(
                    ns.name(),
                    () -> {
                      try (DatagramSocket d = new DatagramSocket()) {
                        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                        d.send(new DatagramPacket(hello, hello.length, SYNACK, PORT));
                      }
                      try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(SYNACK, PORT), 1_500);
                      } catch (IOException nobodyAnswers) {
                        // Expected: the reader below never answers.
                      }
                      return null;
                    });
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    boolean syn = false;
    boolean udp = false;
    ByteBuffer packet = ByteBuffer.allocate(65_535);
    long end = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < end && !kernel.isDone()) {
      packet.clear();
      int n = tun.receive(packet, 100_000_000L);
      if (n < 20 || (packet.get(0) >> 4) != 4) continue; // IPv6 router solicitations and the like
      int protocol = packet.get(9) & 0xff;
      int tcp = (packet.get(0) & 0xf) * 4;
      if (protocol == 17) udp = true;
      if (protocol == 6 && n >= tcp + 14 && (packet.get(tcp + 13) & 0x12) == 0x02) syn = true;
    }
    kernel.get(10, TimeUnit.SECONDS);
    return new Seen(syn, udp);
  }

  @Test
  void shedding_kernelsSynsNeverQueued_itsDatagramIs_andWithoutTheFilterSynsArriveAgain()
      throws Exception {
    // One SYN in 65,536 kept: the kernel's two SYNs are shed unless chance keeps one (1 in 30,000).
    assertTrue(tun.shedSyns(SynShedFilter.MAX_SHIFT), "the kernel took the filter");

    Seen shed = kernelTalks();

    assertTrue(shed.udp(), "the datagram passed the filter");
    assertFalse(shed.syn(), "a SYN passed the filter");

    assertTrue(tun.shedSyns(0));
    Seen unfiltered = kernelTalks();

    assertTrue(unfiltered.syn(), "the SYN arrives once the filter is gone");
  }

  @Test
  void program_outOfRangeShift_refused() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SynShedFilter.program(0));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> tun.shedSyns(SynShedFilter.MAX_SHIFT + 1));
  }
}
