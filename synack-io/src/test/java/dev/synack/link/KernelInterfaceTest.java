package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link KernelInterface}: a TUN device made inside a fresh namespace gets its kernel-side
 * address and comes up through the ioctls alone, and the kernel then routes to synack's side.
 */
class KernelInterfaceTest {
  @Test
  void netmask_ofPrefixLengths_isTheLeadingOnes() {
    assertArrayEquals(
        new byte[] {(byte) 255, (byte) 255, (byte) 255, 0}, KernelInterface.netmask(24));
    assertArrayEquals(new byte[] {0, 0, 0, 0}, KernelInterface.netmask(0));
    assertArrayEquals(
        new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255}, KernelInterface.netmask(32));
    assertArrayEquals(new byte[] {(byte) 255, (byte) 240, 0, 0}, KernelInterface.netmask(12));
  }

  @Nested
  class InNamespace {
    private NetnsFixture ns;
    private TunLink link;

    @BeforeEach
    void setUp() throws Exception {
      NetnsFixture.assumePrivileged();
      ns = NetnsFixture.create();
      // Made on a thread inside the namespace: the device is born there, as under `ip netns exec`.
      link = InNetns.call(ns.name(), () -> TunLink.open(NetnsFixture.uniqueName("skt")));
    }

    @AfterEach
    void tearDown() throws IOException {
      if (link != null) link.close();
      if (ns != null) ns.close();
    }

    @Test
    void addAddressAndUp_ipv4_kernelHasAddressAndPrefixRouteAndAnswersPing() throws Exception {
      InNetns.call(
          ns.name(),
          () -> {
            KernelInterface.addAddress(link.name(), InetAddress.getByName("10.78.0.1"), 24);
            KernelInterface.up(link.name());
            KernelInterface.up(link.name()); // Already up: nothing to do.
            return null;
          });
      NetnsFixture.Result addr =
          ns.exec(Duration.ofSeconds(5), "ip", "-4", "addr", "show", "dev", link.name());
      assertTrue(addr.output().contains("inet 10.78.0.1/24"), addr.output());
      assertTrue(addr.output().contains(",UP"), addr.output());
      NetnsFixture.Result route =
          ns.exec(Duration.ofSeconds(5), "ip", "-4", "route", "show", "dev", link.name());
      assertTrue(route.output().contains("10.78.0.0/24"), route.output());

      // The kernel answers an echo request from synack's side, 10.78.0.2, so the route is there.
      link.send(
          ByteBuffer.wrap(
              Icmp4.echoRequest(
                  new byte[] {10, 78, 0, 2}, new byte[] {10, 78, 0, 1}, 9, 1, new byte[4])));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      boolean replied = false;
      while (!replied && System.nanoTime() < deadline) {
        ByteBuffer buf = ByteBuffer.allocate(link.mtu());
        int n = link.receive(buf, deadline - System.nanoTime());
        replied = n > 0 && Icmp4.icmpType(buf.array(), n) == Icmp4.ECHO_REPLY;
      }
      assertTrue(replied, "the kernel answered the echo request");
    }

    @Test
    void addAddress_ipv6_kernelHasIt() throws Exception {
      InNetns.call(
          ns.name(),
          () -> {
            KernelInterface.addAddress(link.name(), InetAddress.getByName("fd00:78::1"), 64);
            KernelInterface.up(link.name());
            return null;
          });
      NetnsFixture.Result addr =
          ns.exec(Duration.ofSeconds(5), "ip", "-6", "addr", "show", "dev", link.name());
      assertTrue(addr.output().contains("inet6 fd00:78::1/64"), addr.output());
    }

    @Test
    void addAddress_twice_secondLeavesItAsItIs() throws Exception {
      InNetns.call(
          ns.name(),
          () -> {
            for (int i = 0; i < 2; i++) {
              KernelInterface.addAddress(link.name(), InetAddress.getByName("fd00:78::1"), 64);
              KernelInterface.addAddress(link.name(), InetAddress.getByName("10.78.0.1"), 24);
            }
            return null;
          });
      NetnsFixture.Result addr =
          ns.exec(Duration.ofSeconds(5), "ip", "addr", "show", "dev", link.name());
      assertEquals(1, addr.output().split("inet6 fd00:78::1/64", -1).length - 1, addr.output());
      assertEquals(1, addr.output().split("inet 10.78.0.1/24", -1).length - 1, addr.output());
    }

    @Test
    void up_noSuchDevice_saysSo() throws Exception {
      IOException e =
          InNetns.call(
              ns.name(),
              () -> assertThrows(IOException.class, () -> KernelInterface.up("nosuchdev0")));
      assertEquals(
          "synack: cannot bring nosuchdev0 up: there is no device nosuchdev0", e.getMessage());
    }

    @Test
    void addAddress_withoutCapNetAdmin_saysWhichCapability() throws Exception {
      IOException e =
          InNetns.call(
              ns.name(),
              () ->
                  WithoutCapability.call(
                      12 /* CAP_NET_ADMIN */,
                      () -> {
                        try {
                          KernelInterface.addAddress(
                              link.name(), InetAddress.getByName("10.78.0.1"), 24);
                          return null;
                        } catch (IOException expected) {
                          return expected;
                        }
                      }));
      assertEquals(
          "synack: needs CAP_NET_ADMIN to give "
              + link.name()
              + " the address 10.78.0.1/24"
              + " (run as root or grant the capability)",
          e == null ? null : e.getMessage());
    }
  }
}
