package dev.synack.cli;

import static dev.synack.cli.TunInterop.KERNEL;
import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.UdpEndpoint;
import dev.synack.stack.UdpMessage;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UDP datagrams larger than the MTU exchanged with a kernel UDP socket across the TUN device, over
 * IPv4 and IPv6: synack fragments its 4,000-byte datagram (RFC 791 §3.2; RFC 8200 §4.5) and the
 * kernel reassembles it; the kernel fragments its 5,000-byte answer and synack reassembles it.
 */
class UdpFragmentsInteropTest {
  static final String KERNEL6 = "fd99::1";
  static final String SYNACK6 = "fd99::2";

  @TempDir Path dir;

  @Test
  void ipv4_4000BytesEachWay_fragmentedAndReassembledOnBothSides() throws Exception {
    exchange(KERNEL, SYNACK);
  }

  @Test
  void ipv6_4000BytesEachWay_fragmentedAndReassembledOnBothSides() throws Exception {
    exchange(KERNEL6, SYNACK6);
  }

  private void exchange(String kernel, String synack) throws Exception {
    try (TunInterop t = TunInterop.start(dir, TunInterop.Options.clean(), "python3")) {
      HostDriver driver = t.host.driver();
      Host host = t.host.host();
      if (kernel.contains(":")) {
        t.ns.ip("-6", "addr", "add", KERNEL6 + "/64", "dev", t.device, "nodad");
        driver.call(
            now -> {
              host.addAddress(InetAddress.ofLiteral(SYNACK6));
              return null;
            });
      }
      Path script = dir.resolve("udp_peer.py");
      try (InputStream in = UdpFragmentsInteropTest.class.getResourceAsStream("udp_peer.py")) {
        Files.copy(Objects.requireNonNull(in, "udp_peer.py resource"), script);
      }
      NetnsFixture.Started peer = t.ns.start("python3", script.toString(), kernel, "5300", "5000");
      assertTrue(peer.awaitOutput("listening", Duration.ofSeconds(10)), peer.outputSoFar());

      byte[] data = new byte[4000];
      new SplittableRandom(11).nextBytes(data);
      UdpEndpoint endpoint = driver.call(now -> host.bindUdp(InetAddress.ofLiteral(synack), 0));
      driver.call(
          now -> {
            endpoint.send(ByteBuffer.wrap(data), InetAddress.ofLiteral(kernel), 5300, now);
            return null;
          });
      Map<String, Object> got = TunInterop.result(peer);
      assertEquals(
          4000,
          ((Number) got.get("received")).intValue(),
          "the kernel reassembled synack's fragments: " + got);
      assertEquals(sha(data), got.get("received_sha"));

      UdpMessage reply = null;
      for (int i = 0; i < 200 && reply == null; i++) { // at most 10 s
        reply = driver.call(now -> endpoint.receive());
        if (reply == null) Thread.sleep(50);
      }
      assertNotNull(reply, "the kernel's 5,000-byte answer arrived");
      assertEquals(5000, reply.payload().length);
      assertEquals(
          got.get("sent_sha"), sha(reply.payload()), "synack reassembled the kernel's fragments");
      long fragmented = driver.call(now -> host.counters().datagramsFragmented());
      long reassembled = driver.call(now -> host.counters().datagramsReassembled());
      assertEquals(1, fragmented, "synack sent its datagram in fragments");
      assertEquals(1, reassembled, "the kernel's answer came in fragments");
    }
  }

  private static String sha(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
