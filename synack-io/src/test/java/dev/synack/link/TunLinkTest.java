package dev.synack.link;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link TunLink}: errors without privileges, then the kernel as the peer in a namespace.
 */
class TunLinkTest {
  private static final byte[] KERNEL = {10, 77, 0, 1};
  private static final byte[] SYNACK = {10, 77, 0, 2};
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(5);

  @Nested
  class Errors {
    @Test
    void open_nameOf16Bytes_rejectedWithTheLimit() {
      var e = assertThrows(IllegalArgumentException.class, () -> TunLink.open("abcdefghijklmnop"));
      assertEquals(
          "synack: TUN device name \"abcdefghijklmnop\" is too long (16 bytes; at most 15)",
          e.getMessage());
    }

    @Test
    void open_nameWithSlash_rejectedAsInvalid() {
      var e = assertThrows(IllegalArgumentException.class, () -> TunLink.open("a/b"));
      assertTrue(e.getMessage().contains("\"a/b\" is invalid"), e.getMessage());
    }

    @Test
    void setIffFailure_eachErrno_saysWhatToDo() {
      assertEquals(
          "synack: needs CAP_NET_ADMIN to create TUN device tun7 (run as root or grant the capability)",
          TunLink.setIffFailure("tun7", LinuxSyscalls.EPERM).getMessage());
      assertEquals(
          "synack: TUN device tun7 is busy (another process has it)",
          TunLink.setIffFailure("tun7", LinuxSyscalls.EBUSY).getMessage());
      assertTrue(
          TunLink.setIffFailure("lo", LinuxSyscalls.EINVAL)
              .getMessage()
              .contains("not a TUN device"));
      assertEquals(
          "synack: cannot attach to TUN device tun7: Cannot allocate memory (errno 12)",
          TunLink.setIffFailure("tun7", 12).getMessage());
    }

    @Test
    void openFailure_noDevice_saysLoadTheModule() {
      assertEquals(
          "synack: /dev/net/tun is missing (load the tun module: modprobe tun)",
          TunLink.openFailure(LinuxSyscalls.ENOENT).getMessage());
      assertEquals(
          TunLink.openFailure(LinuxSyscalls.ENOENT).getMessage(),
          TunLink.openFailure(LinuxSyscalls.ENODEV).getMessage());
    }

    @Test
    void open_existingDeviceThatIsNotTun_saysSo() {
      NetnsFixture.assumePrivileged();
      var e = assertThrows(IOException.class, () -> TunLink.open("lo"));
      assertEquals(
          "synack: cannot use lo as a TUN device (it exists and is not a TUN device, or the name is invalid)",
          e.getMessage());
    }

    @Test
    void open_sameDeviceTwice_secondSaysBusy() throws IOException {
      NetnsFixture.assumePrivileged();
      try (TunLink first = TunLink.open(NetnsFixture.uniqueName("skt"))) {
        var e = assertThrows(IOException.class, () -> TunLink.open(first.name()));
        assertEquals(
            "synack: TUN device " + first.name() + " is busy (another process has it)",
            e.getMessage());
      }
    }

    @Test
    void open_withoutCapNetAdmin_saysWhichCapability() throws Exception {
      NetnsFixture.assumePrivileged();
      String name = NetnsFixture.uniqueName("skt");
      IOException e =
          WithoutCapability.call(
              12 /* CAP_NET_ADMIN */,
              () -> {
                try {
                  TunLink.open(name).close();
                  return null;
                } catch (IOException expected) {
                  return expected;
                }
              });
      assertEquals(
          "synack: needs CAP_NET_ADMIN to create TUN device "
              + name
              + " (run as root or grant the capability)",
          e == null ? null : e.getMessage());
    }

    @Test
    void open_newDevice_queueTowardsSynackLengthenedToQueueLength() throws Exception {
      NetnsFixture.assumePrivileged();
      try (TunLink link = TunLink.open(NetnsFixture.uniqueName("skq"))) {
        assertEquals(TunLink.QUEUE_LENGTH, link.queueLength());
        assertEquals(TunLink.QUEUE_LENGTH, KernelInterface.txQueueLength(link.name()));
      }
    }

    @Test
    void open_patternName_kernelNumbersTheDeviceAndMtuIsRead() throws IOException {
      NetnsFixture.assumePrivileged();
      String prefix = NetnsFixture.uniqueName("sk");
      try (TunLink link = TunLink.open(prefix + "%d")) {
        assertTrue(link.name().matches(prefix + "[0-9]+"), link.name());
        assertEquals(1500, link.mtu());
      }
    }
  }

  /**
   * A device someone else made persistent, as {@code ip tuntap add} does, inside a fresh namespace.
   */
  @Nested
  class Attach {
    private NetnsFixture ns;

    @BeforeEach
    void setUp() throws IOException {
      NetnsFixture.assumePrivileged();
      ns = NetnsFixture.create();
    }

    @AfterEach
    void tearDown() {
      if (ns != null) ns.close();
    }

    @Test
    void open_persistentDevice_attachesAndTheDeviceOutlivesTheLink() throws Exception {
      String name = NetnsFixture.uniqueName("skp");
      ns.ip("tuntap", "add", "dev", name, "mode", "tun");
      ns.ip("link", "set", name, "mtu", "1400");
      try (TunLink link = InNetns.call(ns.name(), () -> TunLink.open(name))) {
        assertEquals(name, link.name());
        assertEquals(1400, link.mtu());
      }
      NetnsFixture.Result shown = ns.exec(Duration.ofSeconds(5), "ip", "link", "show", name);
      assertEquals(0, shown.exitCode(), shown.output());
    }

    @Test
    void open_persistentDeviceWithALongerQueue_keepsIt() throws Exception {
      String name = NetnsFixture.uniqueName("skq");
      ns.ip("tuntap", "add", "dev", name, "mode", "tun");
      ns.ip("link", "set", name, "txqueuelen", String.valueOf(2 * TunLink.QUEUE_LENGTH));
      try (TunLink link = InNetns.call(ns.name(), () -> TunLink.open(name))) {
        assertEquals(2 * TunLink.QUEUE_LENGTH, link.queueLength());
      }
      NetnsFixture.Result shown = ns.exec(Duration.ofSeconds(5), "ip", "link", "show", name);
      assertTrue(shown.output().contains("qlen " + 2 * TunLink.QUEUE_LENGTH), shown.output());
    }

    @Test
    void open_persistentDeviceWithTheDefaultQueue_lengthensIt() throws Exception {
      String name = NetnsFixture.uniqueName("skq");
      ns.ip("tuntap", "add", "dev", name, "mode", "tun");
      ns.ip("link", "set", name, "txqueuelen", "500");
      try (TunLink link = InNetns.call(ns.name(), () -> TunLink.open(name))) {
        assertEquals(TunLink.QUEUE_LENGTH, link.queueLength());
      }
      NetnsFixture.Result shown = ns.exec(Duration.ofSeconds(5), "ip", "link", "show", name);
      assertTrue(shown.output().contains("qlen " + TunLink.QUEUE_LENGTH), shown.output());
    }
  }

  /** A TUN device in a fresh namespace, down (unless a test sets it up), so no packet arrives. */
  @Nested
  class Idle {
    private NetnsFixture ns;
    private TunLink link;

    @BeforeEach
    void setUp() throws IOException {
      NetnsFixture.assumePrivileged();
      ns = NetnsFixture.create();
      link = TunLink.open(NetnsFixture.uniqueName("skt"));
      ns.moveIn(link.name());
    }

    @AfterEach
    void tearDown() throws IOException {
      if (link != null) link.close();
      if (ns != null) ns.close();
    }

    @Test
    void receive_nothingArrives_returnsZeroAfterTheTimeout() throws IOException {
      long start = System.nanoTime();
      assertEquals(0, link.receive(ByteBuffer.allocate(1500), TimeUnit.MILLISECONDS.toNanos(50)));
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
      assertEquals(0, link.receive(ByteBuffer.allocate(1500), 0));
    }

    @Test
    void receive_queueFoundEmpty_laterWaitsPollFirst_noReadFindsItEmptyAgain() throws IOException {
      ByteBuffer buf = ByteBuffer.allocate(1500);
      assertEquals(0, link.receive(buf, 0));
      assertEquals(1, link.emptyReads(), "a receive that may not wait reads once");
      for (int i = 0; i < 3; i++) {
        assertEquals(0, link.receive(buf, TimeUnit.MILLISECONDS.toNanos(1)));
      }
      assertEquals(1, link.emptyReads(), "the waits after it polled without reading again");
    }

    @Test
    void send_deviceDown_saysSo() {
      byte[] request = Icmp4.echoRequest(SYNACK, KERNEL, 1, 1, new byte[0]);
      var e = assertThrows(IOException.class, () -> link.send(ByteBuffer.wrap(request)));
      assertEquals(
          "synack: TUN device " + link.name() + " is down (ip link set " + link.name() + " up)",
          e.getMessage());
    }

    @Test
    void send_notAnIpPacket_rejected() throws IOException {
      ns.ip("link", "set", link.name(), "up");
      var e =
          assertThrows(
              IOException.class, () -> link.send(ByteBuffer.wrap(new byte[] {0x12, 0, 0, 0})));
      assertEquals(
          "synack: TUN device " + link.name() + " rejected a packet of 4 bytes (not IPv4 or IPv6)",
          e.getMessage());
    }

    @Test
    void wakeup_fromAnotherThread_endsABlockedReceive() throws Exception {
      CompletableFuture<Integer> received =
          CompletableFuture.supplyAsync(() -> receiveQuietly(Link.FOREVER));
      link.wakeup();
      assertEquals(0, received.get(10, TimeUnit.SECONDS));
    }

    @Test
    void close_fromAnotherThread_endsABlockedReceiveAndLaterCallsFail() throws Exception {
      CompletableFuture<Integer> received =
          CompletableFuture.supplyAsync(() -> receiveQuietly(Link.FOREVER));
      link.close();
      // Either the receive was already waiting (0), or it started after the close (closed: -1).
      int result = received.get(10, TimeUnit.SECONDS);
      assertTrue(result == 0 || result == -1, "receive returned " + result);
      assertThrows(ClosedChannelException.class, () -> link.receive(ByteBuffer.allocate(1500), 0));
      assertThrows(ClosedChannelException.class, () -> link.send(ByteBuffer.allocate(20)));
      link.wakeup(); // Harmless once closed.
    }

    private int receiveQuietly(long timeoutNanos) {
      try {
        return link.receive(ByteBuffer.allocate(1500), timeoutNanos);
      } catch (ClosedChannelException e) {
        return -1;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** A TUN device moved into a fresh namespace, where the kernel side has 10.77.0.1/24. */
  @Nested
  class InNamespace {
    private NetnsFixture ns;
    private TunLink link;

    @BeforeEach
    void setUp() throws IOException {
      NetnsFixture.assumePrivileged();
      ns = NetnsFixture.create();
      link = TunLink.open(NetnsFixture.uniqueName("skt"));
      ns.moveIn(link.name());
      ns.addressAndUp(link.name(), "10.77.0.1/24");
    }

    @AfterEach
    void tearDown() throws IOException {
      if (link != null) link.close();
      if (ns != null) ns.close();
    }

    @Test
    void kernelPings_linkAnswersEchoReply_pingSucceeds() throws IOException {
      NetnsFixture.assumeCommand("ping", "iputils-ping");
      NetnsFixture.Started ping = ns.start("ping", "-n", "-c", "1", "-W", "5", "10.77.0.2");
      ByteBuffer buf = ByteBuffer.allocate(link.mtu());
      int length = receiveIcmp(buf, Icmp4.ECHO_REQUEST);
      byte[] request = buf.array();
      assertEquals("10.77.0.1", Icmp4.address(request, 12));
      assertEquals("10.77.0.2", Icmp4.address(request, 16));

      link.send(ByteBuffer.wrap(Icmp4.echoReplyTo(request, length)));

      NetnsFixture.Result result = ping.await(Duration.ofSeconds(10));
      assertEquals(0, result.exitCode(), result.output());
      assertTrue(result.output().contains("1 received"), result.output());
    }

    @Test
    void linkPings_kernelAnswers_replyReadIntoDirectBuffer() throws IOException {
      byte[] data = "synack tun test".getBytes(UTF_8);
      ByteBuffer request =
          ByteBuffer.allocateDirect(64)
              .put(Icmp4.echoRequest(SYNACK, KERNEL, 0x5a5a, 7, data))
              .flip();
      link.send(request);
      assertEquals(request.limit(), request.position(), "send consumes the packet");

      ByteBuffer direct = ByteBuffer.allocateDirect(link.mtu());
      int length = receiveIcmp(direct, Icmp4.ECHO_REPLY);
      byte[] reply = new byte[length];
      direct.get(0, reply);
      assertEquals("10.77.0.1", Icmp4.address(reply, 12));
      assertEquals("10.77.0.2", Icmp4.address(reply, 16));
      assertEquals(0x5a5a, Icmp4.icmpField(reply, 4));
      assertEquals(7, Icmp4.icmpField(reply, 6));
      assertEquals(0, Icmp4.checksum(reply, 0, Icmp4.IP_HEADER), "kernel's IP checksum verifies");
    }

    @Test
    void receiveBatch_threeRepliesWaiting_drainsThemInOneCall() throws IOException {
      for (int seq = 1; seq <= 3; seq++) {
        link.send(ByteBuffer.wrap(Icmp4.echoRequest(SYNACK, KERNEL, 1, seq, new byte[8])));
      }
      // The kernel answers at once, while handling each write; collect replies in a bounded loop
      // since other traffic (IPv6 router solicitations) may arrive too.
      int replies = 0;
      long deadline = System.nanoTime() + TIMEOUT;
      while (replies < 3 && System.nanoTime() < deadline) {
        ByteBuffer[] bufs = {
          ByteBuffer.allocate(1500), ByteBuffer.allocate(1500), ByteBuffer.allocate(1500)
        };
        int count = link.receiveBatch(bufs, TIMEOUT);
        for (int i = 0; i < count; i++) {
          if (Icmp4.icmpType(bufs[i].array(), bufs[i].position()) == Icmp4.ECHO_REPLY) replies++;
        }
      }
      assertEquals(3, replies);
    }

    @Test
    void receive_namespaceDeleted_saysTheDeviceIsGone() throws IOException {
      ns.close();
      // The kernel tears a namespace down asynchronously; queued packets may be read first.
      var e =
          assertThrows(
              IOException.class,
              () -> {
                long deadline = System.nanoTime() + TIMEOUT;
                while (System.nanoTime() < deadline)
                  link.receive(ByteBuffer.allocate(1500), TIMEOUT);
              });
      assertEquals(
          "synack: TUN device " + link.name() + " is gone (deleted, or its namespace removed)",
          e.getMessage());
      assertTrue(e instanceof LinkGoneException, "gone for good, not an error of the moment: " + e);
    }

    /**
     * Receives packets until an ICMP message of {@code type}; returns its length, left at 0 in buf.
     */
    private int receiveIcmp(ByteBuffer buf, int type) throws IOException {
      long deadline = System.nanoTime() + TIMEOUT;
      while (System.nanoTime() < deadline) {
        buf.clear();
        int length = link.receive(buf, deadline - System.nanoTime());
        byte[] bytes = new byte[length];
        buf.get(0, bytes);
        if (length > 0 && Icmp4.icmpType(bytes, length) == type) return length;
      }
      throw new AssertionError("no ICMP type " + type + " within 5 s");
    }
  }
}
