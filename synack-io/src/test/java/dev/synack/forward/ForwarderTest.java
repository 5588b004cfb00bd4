package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.link.NetworkNamespace;
import dev.synack.link.TunLink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Forwarder} for real: a client namespace whose default routes (IPv4 and IPv6) go through
 * synack's TUN device, made inside it; synack's host sockets in an "outside" namespace; servers in
 * a third namespace reachable from "outside" only, through a veth pair. Nothing touches the
 * machine's own interfaces or routes. Root only; skipped elsewhere, never under CI=true.
 */
class ForwarderTest {
  static final String SERVER4 = "10.98.0.2";
  static final String SERVER6 = "fd00:98::2";
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  NetnsFixture client;
  NetnsFixture outside;
  NetnsFixture server;
  Forwarder forwarder;
  NetnsFixture.Started servers;
  Path dir;
  final List<String> flows = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    NetnsFixture.assumeCommand("curl", "curl");
    dir = Files.createTempDirectory("synack-forward");
    for (String script : List.of("servers.py", "client.py")) {
      try (InputStream in = Objects.requireNonNull(ForwarderTest.class.getResourceAsStream(script), script)) {
        Files.copy(in, dir.resolve(script));
      }
    }
    Files.createDirectories(dir.resolve("www"));
    client = NetnsFixture.create();
    outside = NetnsFixture.create();
    server = NetnsFixture.create();
    outside.addVeth("vo", server, "vs");
    outside.addressAndUp("vo", "10.98.0.1/24");
    outside.ip("addr", "add", "fd00:98::1/64", "dev", "vo", "nodad");
    server.addressAndUp("vs", SERVER4 + "/24");
    server.ip("addr", "add", SERVER6 + "/64", "dev", "vs", "nodad");

    startForwarder(ForwarderOptions.defaults());
    servers = server.start("python3", dir.resolve("servers.py").toString(), SERVER4, SERVER6, dir.resolve("www").toString());
    assertTrue(servers.awaitOutput("ready", Duration.ofSeconds(20)), "servers start: " + servers.outputSoFar());
  }

  /**
   * Makes a TUN device inside the client namespace, with the client's default routes through it,
   * and starts a forwarder on it whose host sockets live in the outside namespace.
   */
  void startForwarder(ForwarderOptions options) throws Exception {
    String tun = NetnsFixture.uniqueName("fw");
    TunLink link = NetworkNamespace.of("/run/netns/" + client.name()).call(() -> TunLink.open(tun));
    client.addressAndUp(tun, "10.99.0.1/24");
    client.ip("addr", "add", "fd00:99::1/64", "dev", tun, "nodad");
    client.ip("route", "add", "default", "dev", tun);
    client.ip("-6", "route", "add", "default", "dev", tun);
    // Host sockets are opened by the relay thread, which is started in the namespace of the thread that starts the forwarder.
    ForwarderOptions withLog = options.withLog(flows::add).withConnectTimeout(Duration.ofSeconds(5));
    forwarder = NetworkNamespace.of("/run/netns/" + outside.name()).call(() -> Forwarder.start(link, withLog));
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      if (forwarder != null) forwarder.close();
    } finally {
      for (NetnsFixture ns : new NetnsFixture[] {client, outside, server}) {
        if (ns != null) ns.close();
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  @Test
  void curl_downloads100MegabytesIntact() throws Exception {
    String sha = writeFile("big.bin", 100 << 20);
    NetnsFixture.Result r = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 110 http://" + SERVER4 + ":8080/big.bin | sha256sum");
    assertEquals(sha, firstWord(r.output()), "download through the forwarder: " + r.output() + flows);
    assertTrue(forwarder.counters().bytesFromHost() >= 100 << 20, forwarder.counters().toString());
  }

  @Test
  void twentyDownloadsInParallel_allIntact() throws Exception {
    String sha = writeFile("mid.bin", 4 << 20);
    NetnsFixture.Result r = client.exec(TIMEOUT, "sh", "-c", "for i in $(seq 20); do (curl -sS --max-time 100 http://" + SERVER4
        + ":8080/mid.bin | sha256sum) & done; wait");
    List<String> sums = r.output().lines().map(ForwarderTest::firstWord).toList();
    assertEquals(20, sums.size(), r.output());
    for (String s : sums) assertEquals(sha, s, r.output());
    assertTrue(forwarder.counters().tcpOpened() >= 20);
  }

  @Test
  void curl_ipv6_downloadsIntact() throws Exception {
    String sha = writeFile("small.bin", 1 << 20);
    NetnsFixture.Result r = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 60 'http://[" + SERVER6 + "]:8080/small.bin' | sha256sum");
    assertEquals(sha, firstWord(r.output()), r.output());
  }

  @Test
  void halfClose_passesThroughBothWays() throws Exception {
    for (String host : List.of(SERVER4, SERVER6)) {
      assertEquals("got 1000000", python("client-half-close", host), "the client's FIN reaches the server, which still answers");
      assertEquals("hello", python("server-half-close", host), "the server's FIN reaches the client, which still sends");
      assertTrue(servers.awaitOutput("server-first got 300000", Duration.ofSeconds(20)), servers.outputSoFar());
    }
  }

  @Test
  void serverReset_reachesTheClientAsReset() throws Exception {
    assertEquals("reset", python("server-reset", SERVER4));
    assertEquals("reset", python("server-reset", SERVER6));
  }

  @Test
  void clientReset_reachesTheServerAsReset() throws Exception {
    NetnsFixture.Result r = client.exec(TIMEOUT, "python3", "-c", "import socket,struct\n"
        + "s=socket.create_connection(('" + SERVER4 + "',7000))\n"
        + "s.sendall(b'abc')\n"
        + "s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack('ii',1,0))\n"
        + "s.close()\n");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(servers.awaitOutput("ConnectionResetError", Duration.ofSeconds(20)), "the server's read fails with a reset: "
        + servers.outputSoFar() + flows);
  }

  @Test
  void slowServer_synackHoldsAtMostItsReceiveBuffer_senderBlocks_thenAllArrives() throws Exception {
    NetnsFixture.Started sender = client.start("python3", dir.resolve("client.py").toString(), "slow-send", SERVER4);
    assertTrue(sender.awaitOutput("blocked after", TIMEOUT), sender.outputSoFar());
    long blockedAfter = Long.parseLong(sender.outputSoFar().replaceAll("(?s).*blocked after (\\d+).*", "$1"));
    // Every buffer on the way is bounded: the client's send buffer, synack's receive buffer, the
    // relay's 64 KiB, the outside socket's send buffer and the server's receive buffer.
    assertTrue(blockedAfter < 64 << 20, "bytes taken before the sender blocked: " + blockedAfter);
    // synack holds what the relay could not pass on, no more than its receive buffer: its window
    // is what stopped the sender (no window update goes out while the relay takes nothing).
    long[] held = forwarder.driver().call(now -> forwarder.driver().host().connections().stream()
        .filter(c -> c.id().localPort() == 7003).findFirst()
        .map(c -> new long[] {c.status().receiveQueued(), c.receiveBufferSize()}).orElseThrow());
    // (Observed: up to a segment or so beyond the buffer's size, what was offered before it was last tuned.)
    assertTrue(held[0] > 0 && held[0] <= 2 * held[1], "unread in synack " + held[0] + ", receive buffer " + held[1]);

    Files.createFile(dir.resolve("www").resolve("go"));
    NetnsFixture.Result done = sender.await(TIMEOUT);
    long total = blockedAfter + (1 << 20);
    assertTrue(done.output().contains("done " + total), done.output());
    assertTrue(servers.awaitOutput("slow-sink got " + total, Duration.ofSeconds(60)), servers.outputSoFar());
  }

  @Test
  void closedPort_clientGetsConnectionRefused() throws Exception {
    assertEquals("refused", python("refused", SERVER4, "81"), () -> "flows: " + flows + ", " + forwarder.counters());
    assertEquals("refused", python("refused", SERVER6, "81"), () -> "flows: " + flows + ", " + forwarder.counters());
    assertEquals(2, forwarder.counters().tcpRefused());
  }

  @Test
  void noRoute_clientGetsUnreachable() throws Exception {
    // "outside" has no route to 10.97.0.0/16: the host connection fails at once, and the client
    // gets the ICMP network unreachable a router would send (the default policy).
    String result = python("refused", "10.97.0.5", "80");
    assertTrue(result.startsWith("error") && result.contains("unreachable"), result);
    assertEquals(1, forwarder.counters().tcpUnreachable());
  }

  @Test
  void dns_overUdp_answered() throws Exception {
    assertEquals("A 192.0.2.53", python("dns", SERVER4));
    assertEquals("A 192.0.2.53", python("dns", SERVER6));
  }

  @Test
  void udpEcho_tenThousandDatagrams() throws Exception {
    assertEquals("echoed 10000", python("udp-echo", SERVER4, "10000"));
    assertEquals(1, forwarder.counters().udpFlows());
  }

  @Test
  void synFlood_toRandomDestinations_downloadCompletes_descriptorsBoundedAndReleased() throws Exception {
    String sha = writeFile("flood.bin", 50 << 20);
    long fdsBefore = openDescriptors();
    NetnsFixture.Started flood = client.start("python3", dir.resolve("client.py").toString(), "syn-flood", "x", "100000");
    NetnsFixture.Result download = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 110 http://" + SERVER4 + ":8080/flood.bin | sha256sum");
    long fdsDuring = openDescriptors();
    NetnsFixture.Result sent = flood.await(TIMEOUT);
    assertEquals(sha, firstWord(download.output()), "the download completes during the flood: " + download.output());
    assertEquals("sent 100000", sent.output().strip());
    ForwarderOptions limits = ForwarderOptions.defaults();
    // At most the held SYNs have a host socket each (connecting) beyond those the test itself holds.
    assertTrue(fdsDuring <= fdsBefore + limits.maxHeldSyns() + 64, "descriptors during the flood: " + fdsDuring + " from " + fdsBefore);
    int held = forwarder.driver().call(now -> forwarder.driver().host().heldSynCount());
    assertTrue(held <= limits.maxHeldSyns(), "held SYNs " + held);
    // Everything is released once the flood's host connections have failed (ARP gives up after about 3 s).
    for (int i = 0; i < 600 && (forwarder.counters().tcpActive() > 0 || openDescriptors() > fdsBefore + 16); i++) Thread.sleep(100);
    assertEquals(0, forwarder.counters().tcpActive(), forwarder.counters().toString());
    assertTrue(openDescriptors() <= fdsBefore + 16, "descriptors after: " + openDescriptors() + " from " + fdsBefore);
    assertEquals(0, (int) forwarder.driver().call(now -> forwarder.driver().host().heldSynCount()));
    String host = forwarder.hostCounters();
    System.out.println("SYN flood: descriptors " + fdsBefore + " before, " + fdsDuring + " during; " + forwarder.counters() + "; host " + host);
    // Each SYN the forwarder held was answered: its host connection failed (no such neighbour: ARP
    // gave up, or the connect timed out first) and the client was told so.
    ForwarderCounters c = forwarder.counters();
    assertTrue(c.tcpUnreachable() + c.tcpTimedOut() + c.tcpRefused() > 1000, c + "; " + host);
  }

  static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void throughSocks5WithPassword_microsocks_downloadsAndRefuses() throws Exception {
    NetnsFixture.assumeCommand("microsocks", "microsocks");
    NetnsFixture.Started socks = server.start("microsocks", "-i", "0.0.0.0", "-p", "1080", "-u", "user", "-P", "secret");
    forwarder.close(); // its TUN device goes, and with it the client's routes: a new one is made
    startForwarder(ForwarderOptions.defaults().withSocks5(new InetSocketAddress(SERVER4, 1080), "user", "secret"));
    String sha = writeFile("socks.bin", 8 << 20);
    NetnsFixture.Result r = null;
    for (int attempt = 0; attempt < 50; attempt++) { // microsocks may take a moment to listen
      r = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 60 http://" + SERVER4 + ":8080/socks.bin | sha256sum");
      if (sha.equals(firstWord(r.output()))) break;
      Thread.sleep(100);
    }
    assertEquals(sha, firstWord(r.output()), "through microsocks: " + r.output() + flows + socks.outputSoFar());
    NetnsFixture.Result r6 = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 60 'http://[" + SERVER6 + "]:8080/socks.bin' | sha256sum");
    assertEquals(sha, firstWord(r6.output()), "IPv6 through microsocks: " + r6.output() + flows);
    // No half-close here: microsocks closes both sides when either ends (its copy loop), as many proxies do.
    assertEquals("refused", python("refused", SERVER4, "81"), () -> "flows " + flows);
  }

  @Test
  void throughSocks5_wrongPassword_clientGetsUnreachable() throws Exception {
    NetnsFixture.assumeCommand("microsocks", "microsocks");
    NetnsFixture.Started socks = server.start("microsocks", "-i", "0.0.0.0", "-p", "1080", "-u", "user", "-P", "secret");
    forwarder.close();
    startForwarder(ForwarderOptions.defaults().withSocks5(new InetSocketAddress(SERVER4, 1080), "user", "wrong"));
    String result = "";
    for (int attempt = 0; attempt < 50 && !result.startsWith("error"); attempt++) {
      result = python("refused", SERVER4, "8080");
      Thread.sleep(100);
    }
    // ICMP host unreachable (code 1), as the proxy could not be used: Linux's connect() says EHOSTUNREACH.
    assertEquals("error No route to host", result, () -> flows.toString());
  }

  @Test
  void readmeExample_onAnAppsDescriptor_relays_andTheReadmeShowsIt() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String example = Files.readString(Path.of("src/test/java/dev/synack/forward/ReadmeExample.java"));
    String lines = example.substring(example.indexOf("// README begin") + 15, example.indexOf("// README end")).strip()
        .replaceAll("\\n\\s+", "\n");
    String section = readme.substring(readme.indexOf("## Forward a namespace's traffic"));
    assertTrue(section.contains("```java\n" + lines + "\n```"), "the README shows ReadmeExample's lines:\n" + lines);

    forwarder.close();
    String tun = NetnsFixture.uniqueName("fd");
    int fd = NetworkNamespace.of("/run/netns/" + client.name()).call(() -> RawTun.open(tun));
    client.addressAndUp(tun, "10.99.0.1/24");
    client.ip("route", "add", "default", "dev", tun);
    forwarder = NetworkNamespace.of("/run/netns/" + outside.name()).call(() -> ReadmeExample.start(() -> fd));
    String sha = writeFile("fd.bin", 2 << 20);
    NetnsFixture.Result r = client.exec(TIMEOUT, "sh", "-c", "curl -sS --max-time 60 http://" + SERVER4 + ":8080/fd.bin | sha256sum");
    assertEquals(sha, firstWord(r.output()), r.output());
    assertEquals(1, forwarder.counters().tcpOpened());
  }

  String python(String... args) throws IOException {
    String[] command = Stream.concat(Stream.of("python3", dir.resolve("client.py").toString()), Stream.of(args)).toArray(String[]::new);
    NetnsFixture.Result r = client.exec(TIMEOUT, command);
    assertEquals(0, r.exitCode(), "client " + String.join(" ", args) + ": " + r.output() + "\nflows: " + flows);
    return r.output().strip();
  }

  /** Writes {@code size} seeded random bytes to www/{@code name} and returns their SHA-256 in hex. */
  String writeFile(String name, int size) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom(size);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(dir.resolve("www").resolve(name))) {
      for (int left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        int n = Math.min(left, chunk.length);
        out.write(chunk, 0, n);
        sha.update(chunk, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static String firstWord(String s) {
    String t = s.strip();
    int space = t.indexOf(' ');
    return space < 0 ? t : t.substring(0, space);
  }
}
