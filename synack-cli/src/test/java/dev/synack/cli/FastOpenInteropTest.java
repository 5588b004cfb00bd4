package dev.synack.cli;

import static dev.synack.cli.TunInterop.KERNEL;
import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.Service;
import dev.synack.link.Link;
import dev.synack.link.NetnsFixture;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostCounters;
import dev.synack.stack.Listener;
import dev.synack.stack.TcpFastOpen;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP Fast Open (RFC 7413) against the Linux kernel, in a namespace with {@code
 * net.ipv4.tcp_fastopen=3} (client and server): the kernel's second {@code sendto(MSG_FASTOPEN)}
 * puts its data on the SYN and synack takes it, acknowledged by the SYN-ACK; synack's second Fast
 * Open connection to a kernel listener with {@code TCP_FASTOPEN} does the same, and the kernel
 * counts it in {@code TcpExtTCPFastOpenPassive}.
 */
class FastOpenInteropTest {
  @TempDir Path dir;

  private static final String KERNEL_CLIENT =
      """
      import socket, sys, json
      out = []
      for i in range(2):
          s = socket.socket()
          data = b"fast open %d\\n" % i
          # Blocking: with a timeout Python makes the socket non-blocking, and the SYN's sendto says EINPROGRESS.
          s.sendto(data, socket.MSG_FASTOPEN, (sys.argv[1], int(sys.argv[2])))
          s.settimeout(10)
          got = b""
          while not got.endswith(b"\\n"):
              b = s.recv(4096)
              if not b:
                  break
              got += b
          out.append(got.decode())
          s.close()
      print(json.dumps(out))
      """;

  private static final String KERNEL_SERVER =
      """
      import socket, sys
      l = socket.socket()
      l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      l.bind((sys.argv[1], int(sys.argv[2])))
      l.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 5)
      l.listen(5)
      l.settimeout(30)
      print("listening", flush=True)
      for i in range(2):
          c, _ = l.accept()
          c.settimeout(10)
          data = b""
          while not data.endswith(b"\\n"):
              b = c.recv(4096)
              if not b:
                  break
              data += b
          c.sendall(data)
          c.close()
      print("done", flush=True)
      """;

  @Test
  void kernelClient_secondSynCarriesData_synackTakesItWithTheSynAck() throws Exception {
    Path pcap = dir.resolve("tfo-passive.pcap");
    try (TunInterop t =
        TunInterop.start(dir, TunInterop.Options.clean().withPcap(pcap), "tshark", "python3")) {
      fastOpenOn(t);
      t.host
          .driver()
          .call(
              now -> {
                t.host
                    .host()
                    .setFastOpen(
                        TcpFastOpen.CLIENT
                            | TcpFastOpen.SERVER
                            | TcpFastOpen.SERVER_WITHOUT_SOCKOPT);
                return null;
              });
      t.serve(7, Service.echo());
      Path script = dir.resolve("tfo_client.py");
      Files.writeString(script, KERNEL_CLIENT);
      NetnsFixture.Result r =
          t.ns.start("python3", script.toString(), SYNACK, "7").await(Duration.ofSeconds(60));
      assertEquals(0, r.exitCode(), r.output());
      assertEquals("[\"fast open 0\\n\", \"fast open 1\\n\"]", r.output().strip());
      Map<String, Long> kernel = tcpExt(t);
      assertEquals(
          1L,
          kernel.get("TCPFastOpenActive"),
          "the kernel's SYN data was acknowledged once: " + kernel);
      HostCounters c = t.host.driver().call(now -> t.host.host().counters());
      assertEquals(1, c.fastOpenPassive());
      assertEquals(1, c.fastOpenCookieRequested());
      Thread.sleep(300);
      t.host.close();
    }
    String synWithData =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + KERNEL
                + " && tcp.flags.syn == 1 && tcp.flags.ack == 0"
                + " && tcp.len > 0 && tcp.option_kind == 34");
    assertEquals(
        1,
        synWithData.lines().count(),
        "the kernel's second SYN carries the data and the cookie: " + synWithData);
    String synAckOfData =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + SYNACK
                + " && tcp.flags.syn == 1 && tcp.flags.ack == 1"
                + " && tcp.ack == 13");
    assertEquals(
        1,
        synAckOfData.lines().count(),
        "synack's SYN-ACK acknowledges the SYN's 12 bytes: " + synAckOfData);
    String resent =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + KERNEL
                + " && tcp.len > 0 && tcp.flags.syn == 0"
                + " && tcp.payload contains \"fast open 1\"");
    assertEquals("", resent, "the kernel did not need to send the data again");
  }

  /**
   * Holds back the kernel's first pure ACK on each connection to a port (the third segment of the
   * handshake) until the test releases it, so that what synack does before that ACK arrives is seen
   * deterministically: the order is forced, not raced.
   */
  static final class HeldAcks implements Link {
    private final int port;
    private Link inner;
    private final java.util.Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> held =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> released =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    HeldAcks(int port) {
      this.port = port;
    }

    Link wrap(Link link) {
      this.inner = link;
      return this;
    }

    /** Lets the held ACKs through, in order. */
    void release() {
      for (byte[] p; (p = held.poll()) != null; ) released.add(p);
      inner.wakeup();
    }

    @Override
    public int mtu() {
      return inner.mtu();
    }

    @Override
    public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
      byte[] late = released.poll();
      if (late != null) {
        dst.put(late);
        return late.length;
      }
      int start = dst.position();
      int n = inner.receive(dst, timeoutNanos);
      if (n > 0 && isFirstPureAck(dst, start)) {
        byte[] copy = new byte[n];
        dst.get(start, copy);
        dst.position(start);
        held.add(copy);
        return 0;
      }
      return n;
    }

    private boolean isFirstPureAck(ByteBuffer b, int at) {
      if ((b.get(at) >> 4) != 4 || b.get(at + 9) != 6) return false;
      int ihl = (b.get(at) & 0x0f) * 4;
      int total = b.getShort(at + 2) & 0xffff;
      int tcp = at + ihl;
      int dataOffset = ((b.get(tcp + 12) >> 4) & 0x0f) * 4;
      int flags = b.get(tcp + 13) & 0xff;
      boolean pureAck = flags == 0x10 && total == ihl + dataOffset;
      return pureAck
          && (b.getShort(tcp + 2) & 0xffff) == port
          && seen.add(b.getShort(tcp) & 0xffff);
    }

    @Override
    public void send(ByteBuffer packet) throws IOException {
      inner.send(packet);
    }

    @Override
    public void wakeup() {
      inner.wakeup();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  @Test
  void kernelClient_dataOnTheSyn_synackReadsAndAnswersItBeforeTheThirdAckArrives()
      throws Exception {
    Path pcap = dir.resolve("tfo-early.pcap");
    HeldAcks acks = new HeldAcks(9);
    int kernelPort;
    try (TunInterop t =
        TunInterop.start(
            dir,
            TunInterop.Options.clean().withPcap(pcap).withWrap(acks::wrap),
            "tshark",
            "python3")) {
      fastOpenOn(t);
      Host host = t.host.host();
      Listener listener =
          t.host
              .driver()
              .call(
                  now -> {
                    host.setFastOpen(TcpFastOpen.CLIENT | TcpFastOpen.SERVER);
                    Listener l = host.listen(null, 9, 8);
                    l.setFastOpenQueueLength(8);
                    return l;
                  });
      Path script = dir.resolve("tfo_client.py");
      Files.writeString(script, KERNEL_CLIENT);
      NetnsFixture.Started client = t.ns.start("python3", script.toString(), SYNACK, "9");
      // The server: accept, read, and echo at once, noting the state each request was read in.
      List<String> readIn = new java.util.ArrayList<>();
      int[] port = new int[1];
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      List<Connection> open = new java.util.ArrayList<>();
      while (readIn.size() < 2 && System.nanoTime() < deadline) {
        t.host
            .driver()
            .call(
                now -> {
                  for (Connection c = listener.accept(); c != null; c = listener.accept())
                    open.add(c);
                  for (Connection c : open) {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    if (c.isReleased() || c.receive(b, now) <= 0) continue;
                    String line = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
                    readIn.add(line.strip() + " in " + c.state());
                    port[0] = c.id().remotePort();
                    c.send(b.flip(), now);
                    c.close(now);
                  }
                  return null;
                });
        if (readIn.size() == 2) break;
        Thread.sleep(2);
      }
      kernelPort = port[0];
      assertEquals(
          List.of("fast open 0 in ESTABLISHED", "fast open 1 in SYN_RECEIVED"),
          readIn,
          "the second request was read (and answered) before the kernel's third ACK arrived");
      // A third segment that is a pure ACK was held until now; the kernel may also delay it (and
      // then it acknowledges the answer).
      acks.release();
      NetnsFixture.Result r = client.await(Duration.ofSeconds(60));
      assertEquals(0, r.exitCode(), r.output());
      assertEquals("[\"fast open 0\\n\", \"fast open 1\\n\"]", r.output().strip());
      assertEquals(
          1L, tcpExt(t).get("TCPFastOpenActive"), "the kernel's SYN data was acknowledged");
      Thread.sleep(300);
      t.host.close();
    }
    String answer =
        CaptureInteropTest.tshark(
            pcap, "ip.src == " + SYNACK + " && tcp.dstport == " + kernelPort + " && tcp.len > 0");
    String thirdAck =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == " + KERNEL + " && tcp.srcport == " + kernelPort + " && tcp.flags.syn == 0");
    assertTrue(!answer.isEmpty() && !thirdAck.isEmpty(), answer + " / " + thirdAck);
    assertTrue(
        frame(answer) < frame(thirdAck),
        "synack's answer left before the third ACK reached it:\n" + answer + "\n" + thirdAck);
  }

  private static int frame(String tsharkLines) {
    return Integer.parseInt(tsharkLines.lines().findFirst().orElseThrow().strip().split("\\s+")[0]);
  }

  @Test
  void synackClient_cookieThenDataOnTheSyn_kernelCountsAFastOpenPassive() throws Exception {
    Path pcap = dir.resolve("tfo-active.pcap");
    try (TunInterop t =
        TunInterop.start(dir, TunInterop.Options.clean().withPcap(pcap), "tshark", "python3")) {
      fastOpenOn(t);
      Path script = dir.resolve("tfo_server.py");
      Files.writeString(script, KERNEL_SERVER);
      NetnsFixture.Started server = t.ns.start("python3", script.toString(), KERNEL, "8080");
      assertTrue(server.awaitOutput("listening", Duration.ofSeconds(10)), server.outputSoFar());
      for (int i = 0; i < 2; i++) {
        byte[] line = ("synack fast open " + i + "\n").getBytes(StandardCharsets.US_ASCII);
        try (TcpSocket s =
            TcpSocket.connectFastOpen(
                t.host.driver(),
                t.host.host(),
                new InetSocketAddress(KERNEL, 8080),
                line,
                10_000)) {
          s.setSoTimeout(10_000);
          assertEquals(new String(line, StandardCharsets.US_ASCII), readLine(s.getInputStream()));
        }
        if (i == 0) {
          byte[] cookie =
              t.host
                  .driver()
                  .call(
                      now -> t.host.host().fastOpenCookie(java.net.InetAddress.ofLiteral(KERNEL)));
          assertNotNull(cookie, "the kernel's SYN-ACK gave a cookie");
        }
      }
      NetnsFixture.Result done = server.await(Duration.ofSeconds(30));
      assertEquals(0, done.exitCode(), done.output());
      Map<String, Long> kernel = tcpExt(t);
      assertEquals(1L, kernel.get("TCPFastOpenCookieReqd"), kernel.toString());
      assertEquals(
          1L,
          kernel.get("TCPFastOpenPassive"),
          "the kernel took the data on synack's second SYN: " + kernel);
      assertEquals(
          1, (long) t.host.driver().call(now -> t.host.host().counters().fastOpenActive()));
      Thread.sleep(300);
      t.host.close();
    }
    String synWithData =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + SYNACK
                + " && tcp.flags.syn == 1 && tcp.flags.ack == 0"
                + " && tcp.len > 0 && tcp.option_kind == 34");
    assertEquals(
        1,
        synWithData.lines().count(),
        "synack's second SYN carries the data and the cookie: " + synWithData);
  }

  private static void fastOpenOn(TunInterop t) throws Exception {
    NetnsFixture.Result sysctl =
        t.exec(Duration.ofSeconds(10), "sysctl", "-w", "net.ipv4.tcp_fastopen=3");
    assertEquals(0, sysctl.exitCode(), sysctl.output());
  }

  /**
   * Returns the namespace's TcpExt counters (Linux's /proc/net/netstat, which is per namespace).
   */
  private static Map<String, Long> tcpExt(TunInterop t) throws Exception {
    NetnsFixture.Result r = t.exec(Duration.ofSeconds(10), "cat", "/proc/net/netstat");
    assertEquals(0, r.exitCode(), r.output());
    List<String> lines = r.output().lines().filter(l -> l.startsWith("TcpExt:")).toList();
    String[] names = lines.get(0).split("\\s+");
    String[] values = lines.get(1).split("\\s+");
    Map<String, Long> m = new HashMap<>();
    for (int i = 1; i < names.length; i++) m.put(names[i], Long.parseLong(values[i]));
    return m;
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) >= 0; ) {
      b.append((char) c);
      if (c == '\n') break;
    }
    return b.toString();
  }
}
