package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.HostDriver;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TUN device with checksum and segmentation offload between the kernel, in a namespace of its
 * own, and a synack host: the kernel hands over TCP packets of up to 64 KiB with checksums it
 * vouches for, and synack's runs of segments leave merged for the kernel to cut; every byte
 * arrives, in order, both ways.
 */
class TunOffloadTest {
  private static final InetAddress KERNEL = address("10.202.0.1");
  private static final InetAddress SYNACK = address("10.202.0.2");
  private static final int BYTES = 4 << 20;
  private static final int TIMEOUT_MILLIS = 30_000;

  private NetnsFixture ns;
  private TunLink tun;
  private Host host;
  private HostDriver driver;

  @BeforeEach
  void setUp() throws IOException {
    NetnsFixture.assumePrivileged();
    ns = NetnsFixture.create();
    tun = TunLink.open(NetnsFixture.uniqueName("sko"), 1500, true);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), KERNEL.getHostAddress() + "/24");
    host = new Host("synack", HostConfig.defaults(9).withMtu(1500), null);
    host.addAddress(SYNACK);
    driver = new HostDriver(host, tun);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (driver != null) {
      driver.close(); // and the link with it
    } else if (tun != null) {
      tun.close();
    }
    if (ns != null) ns.close();
  }

  @Test
  void kernelSends_largePacketsArriveTrusted_everyByteInOrder() throws Exception {
    byte[] data = random(1);
    try (TcpServerSocket server = TcpServerSocket.bind(driver, host, null, 5001, 4)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      // The socket is made and connected in the namespace (its descriptor lives there), then
      // written from anywhere.
      Socket client =
          InNetns.call(
              ns.name(),
              () -> {
                Socket c = new Socket();
                c.connect(new InetSocketAddress(SYNACK, 5001), TIMEOUT_MILLIS);
                return c;
              });
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try (client;
                    OutputStream out = client.getOutputStream()) {
                  out.write(data);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      byte[] got = new byte[BYTES];
      try (TcpSocket s = server.accept()) {
        s.setSoTimeout(TIMEOUT_MILLIS);
        new DataInputStream(s.getInputStream()).readFully(got);
      }
      writer.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      assertArrayEquals(data, got, "every byte once, in order");
    }
    long packetsIn = driver.call(now -> host.counters().packetsIn());
    long trusted = driver.call(now -> host.counters().checksumsTrusted());
    assertTrue(
        packetsIn < BYTES / 1448 / 4,
        "the kernel sent packets of many segments: "
            + packetsIn
            + " packets for "
            + BYTES
            + " bytes");
    assertTrue(trusted > 0, "checksums the kernel vouched for were not summed again");
    assertEquals(0L, (long) driver.call(now -> host.counters().dropped("tcp-bad-checksum")));
  }

  @Test
  void synackSends_runsLeaveAsTheStacksSuperPacketsKernelCutsThem_everyByteInOrder()
      throws Exception {
    byte[] data = random(2);
    ServerSocket listener = InNetns.call(ns.name(), () -> new ServerSocket(5002, 4, KERNEL));
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (listener;
                  Socket s = listener.accept();
                  InputStream in = s.getInputStream()) {
                s.setSoTimeout(TIMEOUT_MILLIS);
                byte[] got = new byte[BYTES];
                new DataInputStream(in).readFully(got);
                return got;
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    try (TcpSocket s =
        TcpSocket.connect(driver, host, new InetSocketAddress(KERNEL, 5002), TIMEOUT_MILLIS)) {
      s.getOutputStream().write(data);
    }
    assertArrayEquals(
        data, reader.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "every byte once, in order");
    long[] written = tun.superPacketCounts();
    assertTrue(
        written[0] > 0 && written[1] > 2 * written[0],
        "runs left as super-packets: " + written[0] + " packets of " + written[1] + " segments");
    long[] merged = tun.mergeCounts();
    assertEquals(
        0,
        merged[0],
        "the link rebuilt no run the stack could have sent as one: " + merged[0] + " merged");
  }

  /**
   * At MTU 65535 every data segment is a packet of its own; each leaves with its checksum partial
   * for the kernel to finish (which then sums nothing), not summed in Java and again in the kernel.
   */
  @Test
  void synackSends_mtu65535_eachSegmentLeavesWithItsChecksumPartial_everyByteInOrder()
      throws Exception {
    driver.close();
    driver = null;
    tun = TunLink.open(NetnsFixture.uniqueName("skj"), 65535, true);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), "10.204.0.1/24");
    host = new Host("synack", HostConfig.defaults(10).withMtu(65535), null);
    host.addAddress(address("10.204.0.2"));
    driver = new HostDriver(host, tun);
    byte[] data = random(3);
    InetAddress kernel = address("10.204.0.1");
    ServerSocket listener = InNetns.call(ns.name(), () -> new ServerSocket(5004, 4, kernel));
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (listener;
                  Socket s = listener.accept();
                  InputStream in = s.getInputStream()) {
                s.setSoTimeout(TIMEOUT_MILLIS);
                byte[] got = new byte[BYTES];
                new DataInputStream(in).readFully(got);
                return got;
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    try (TcpSocket s =
        TcpSocket.connect(driver, host, new InetSocketAddress(kernel, 5004), TIMEOUT_MILLIS)) {
      s.getOutputStream().write(data);
    }
    assertArrayEquals(
        data, reader.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "every byte once, in order");
    long[] written = tun.superPacketCounts();
    assertTrue(
        written[0] >= BYTES / 65536,
        "each data segment went alone, its checksum left to the kernel: "
            + written[0]
            + " packets of "
            + written[1]
            + " segments");
  }

  /**
   * A reader that does not take the checksum word gets the kernel's partial checksums completed.
   */
  @Test
  void plainReceive_kernelsPartialChecksum_completedSoThePacketVerifies() throws Exception {
    driver.close(); // this test reads the device itself
    driver = null;
    tun = TunLink.open(NetnsFixture.uniqueName("skc"), 1500, true);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), "10.203.0.1/24");
    CompletableFuture<Void> connecting =
        CompletableFuture.runAsync(
            () -> {
              try {
                InNetns.call(
                    ns.name(),
                    () -> {
                      try (Socket s = new Socket()) {
                        s.connect(
                            new InetSocketAddress("10.203.0.2", 5003),
                            2_000); // a SYN nobody answers
                      } catch (IOException expected) {
                        // refused or timed out: the SYN is what the test reads
                      }
                      return null;
                    });
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    ByteBuffer packet = ByteBuffer.allocateDirect(65_535);
    Parsed<Packets.TcpPacket> syn = null;
    for (int i = 0; i < 20 && syn == null; i++) {
      packet.clear();
      if (tun.receive(packet, TimeUnit.SECONDS.toNanos(2)) == 0) continue;
      packet.flip();
      byte[] bytes = new byte[packet.remaining()];
      packet.get(bytes);
      if ((bytes[0] >>> 4) != 4 || bytes[9] != 6)
        continue; // not IPv4 TCP: an IPv6 announcement, say
      syn = Packets.parseTcp(ByteBuffer.wrap(bytes), true);
    }
    assertTrue(syn != null, "the kernel's SYN arrived");
    assertTrue(syn.isOk(), "its checksum verifies: " + syn);
    assertTrue(syn.value().segment().has(dev.synack.wire.TcpFlags.SYN));
    connecting.get(10, TimeUnit.SECONDS); // the connect gave up within its 2 s, and said nothing
  }

  @Test
  void batchOfPureAcksOfOneConnection_onlyTheLastReachesTheKernel() throws Exception {
    driver.close(); // the test writes into the device itself; the link closes with the driver
    driver = null;
    tun = TunLink.open(NetnsFixture.uniqueName("ska"), 1500, true);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), "10.203.0.1/24");
    long before = kernelReceived(tun.name());
    long[] counts = tun.ioCounts();
    ByteBuffer[] acks = {
      pureAck(100, 500), pureAck(200, 500), pureAck(300, 500), pureAck(300, 500)
    };
    tun.sendBatch(acks, new int[acks.length], acks.length);
    long[] after = tun.ioCounts();
    // The first two say less than the third; the fourth may be a duplicate ACK and leaves too.
    assertEquals(2, after[5] - counts[5], "ACKs left out");
    assertEquals(2, after[3] - counts[3], "writes into the device");
    assertEquals(2, kernelReceived(tun.name()) - before, "packets the kernel took from the device");
    for (ByteBuffer ack : acks) assertEquals(0, ack.remaining(), "every packet is consumed");
  }

  /** A pure ACK from 10.203.0.2:40000 to 10.203.0.1:5001 with a correct IP header checksum. */
  private static ByteBuffer pureAck(int ack, int window) {
    ByteBuffer p = ByteBuffer.allocate(40);
    p.put(0, (byte) 0x45).putShort(2, (short) 40).put(8, (byte) 64).put(9, (byte) 6);
    p.put(12, new byte[] {10, (byte) 203, 0, 2}).put(16, new byte[] {10, (byte) 203, 0, 1});
    int sum = 0;
    for (int i = 0; i < 20; i += 2) sum += p.getShort(i) & 0xffff;
    while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
    p.putShort(10, (short) ~sum);
    p.putShort(20, (short) 40000).putShort(22, (short) 5001).putInt(28, ack);
    p.put(32, (byte) 0x50).put(33, (byte) 0x10).putShort(34, (short) window);
    return p;
  }

  /** The packets the kernel's end of {@code device} received, from its statistics. */
  private long kernelReceived(String device) throws IOException {
    NetnsFixture.Result r =
        ns.exec(
            java.time.Duration.ofSeconds(10),
            "cat",
            "/sys/class/net/" + device + "/statistics/rx_packets");
    assertEquals(0, r.exitCode(), r.output());
    return Long.parseLong(r.output().trim());
  }

  private static byte[] random(long seed) {
    byte[] data = new byte[BYTES];
    new SplittableRandom(seed).nextBytes(data);
    return data;
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
