package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.link.NetworkNamespace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link Forwarder} for real, TCP and UDP, direct and through a SOCKS5 proxy, in the namespaces of
 * {@link ForwarderNamespaces}. Root only; skipped elsewhere, never under CI=true.
 */
class ForwarderTest extends ForwarderNamespaces {
  @Test
  void curl_downloads100MegabytesIntact() throws Exception {
    String sha = writeFile("big.bin", 100 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 110 http://" + SERVER4 + ":8080/big.bin | sha256sum");
    assertEquals(
        sha, firstWord(r.output()), "download through the forwarder: " + r.output() + flows);
    assertTrue(forwarder.counters().bytesFromHost() >= 100 << 20, forwarder.counters().toString());
  }

  @Test
  void twentyDownloadsInParallel_allIntact() throws Exception {
    String sha = writeFile("mid.bin", 4 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "for i in $(seq 20); do (curl -sS --max-time 100 http://"
                + SERVER4
                + ":8080/mid.bin | sha256sum) & done; wait");
    List<String> sums = r.output().lines().map(ForwarderTest::firstWord).toList();
    assertEquals(20, sums.size(), r.output());
    for (String s : sums) assertEquals(sha, s, r.output());
    assertTrue(forwarder.counters().tcpOpened() >= 20);
  }

  @Test
  void keepAlive_twoRequestsOnOneConnection_bothIntact() throws Exception {
    String sha = writeFile("ka.bin", 1 << 20);
    String url = "http://" + SERVER4 + ":8081/ka.bin";
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "cd "
                + dir
                + " && curl -sS --max-time 60 -w '%{num_connects}\\n' -o ka1 "
                + url
                + " -o ka2 "
                + url
                + " && sha256sum ka1 ka2");
    List<String> lines = r.output().lines().toList();
    // curl's num_connects: 1 for the first transfer, 0 for the second, which reused the connection.
    assertEquals(List.of("1", "0"), lines.subList(0, Math.min(2, lines.size())), r.output());
    assertEquals(4, lines.size(), r.output());
    assertEquals(sha, firstWord(lines.get(2)), r.output());
    assertEquals(sha, firstWord(lines.get(3)), r.output());
    assertEquals(
        1, forwarder.counters().tcpOpened(), "one relayed connection: " + forwarder.counters());
  }

  @Test
  void iperf3_bothWays_carriesData() throws Exception {
    NetnsFixture.assumeCommand("iperf3", "iperf3");
    NetnsFixture.Started iperf =
        server.start("iperf3", "-s", "-B", SERVER4, "-p", "5201", "--forceflush");
    try {
      assertTrue(
          iperf.awaitOutput("Server listening", Duration.ofSeconds(10)),
          "iperf3 server: " + iperf.outputSoFar());
      for (String direction : List.of("", " -R")) {
        NetnsFixture.Result r =
            client.exec(
                TIMEOUT,
                "sh",
                "-c",
                "iperf3 -c "
                    + SERVER4
                    + " -p 5201 -t 3 -J"
                    + direction
                    + " | python3 -c 'import json,sys; d=json.load(sys.stdin);"
                    + " print(d[\"end\"][\"sum_received\"][\"bytes\"])'");
        long received = Long.parseLong(firstWord(r.output()));
        assertTrue(
            received > 1L << 20,
            "iperf3" + direction + " moved " + received + " bytes: " + r.output() + flows);
      }
    } finally {
      iperf.kill();
    }
  }

  @Test
  void curl_ipv6_downloadsIntact() throws Exception {
    String sha = writeFile("small.bin", 1 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 60 'http://[" + SERVER6 + "]:8080/small.bin' | sha256sum");
    assertEquals(sha, firstWord(r.output()), r.output());
  }

  @Test
  void halfClose_passesThroughBothWays() throws Exception {
    for (String host : List.of(SERVER4, SERVER6)) {
      assertEquals(
          "got 1000000",
          python("client-half-close", host),
          "the client's FIN reaches the server, which still answers");
      assertEquals(
          "hello",
          python("server-half-close", host),
          "the server's FIN reaches the client, which still sends");
      assertTrue(
          servers.awaitOutput("server-first got 300000", Duration.ofSeconds(20)),
          servers.outputSoFar());
    }
  }

  @Test
  void serverReset_reachesTheClientAsReset() throws Exception {
    assertEquals("reset", python("server-reset", SERVER4));
    assertEquals("reset", python("server-reset", SERVER6));
  }

  @Test
  void clientReset_reachesTheServerAsReset() throws Exception {
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "python3",
            "-c",
            "import socket,struct\n"
                + "s=socket.create_connection(('"
                + SERVER4
                + "',7000))\n"
                + "s.sendall(b'abc')\n"
                + "s.setsockopt(socket.SOL_SOCKET,socket.SO_LINGER,struct.pack('ii',1,0))\n"
                + "s.close()\n");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(
        servers.awaitOutput("ConnectionResetError", Duration.ofSeconds(20)),
        "the server's read fails with a reset: " + servers.outputSoFar() + flows);
  }

  @Test
  void slowServer_synackHoldsAtMostItsReceiveBuffer_senderBlocks_thenAllArrives() throws Exception {
    NetnsFixture.Started sender =
        client.start("python3", dir.resolve("client.py").toString(), "slow-send", SERVER4);
    assertTrue(sender.awaitOutput("blocked after", TIMEOUT), sender.outputSoFar());
    long blockedAfter =
        Long.parseLong(sender.outputSoFar().replaceAll("(?s).*blocked after (\\d+).*", "$1"));
    // Every buffer on the way is bounded: the client's send buffer, synack's receive buffer, the
    // relay's 64 KiB, the outside socket's send buffer and the server's receive buffer.
    assertTrue(blockedAfter < 64 << 20, "bytes taken before the sender blocked: " + blockedAfter);
    // synack holds what the relay could not pass on, no more than its receive buffer: its window
    // is what stopped the sender (no window update goes out while the relay takes nothing).
    long[] held =
        forwarder
            .driver()
            .call(
                now ->
                    forwarder.driver().host().connections().stream()
                        .filter(c -> c.id().localPort() == 7003)
                        .findFirst()
                        .map(c -> new long[] {c.status().receiveQueued(), c.receiveBufferSize()})
                        .orElseThrow());
    // (Observed: up to a segment or so beyond the buffer's size, what was offered before it was
    // last tuned.)
    assertTrue(
        held[0] > 0 && held[0] <= 2 * held[1],
        "unread in synack " + held[0] + ", receive buffer " + held[1]);

    Files.createFile(dir.resolve("www").resolve("go"));
    NetnsFixture.Result done = sender.await(TIMEOUT);
    long total = blockedAfter + (1 << 20);
    assertTrue(done.output().contains("done " + total), done.output());
    assertTrue(
        servers.awaitOutput("slow-sink got " + total, Duration.ofSeconds(60)),
        servers.outputSoFar());
  }

  @Test
  void closedPort_clientGetsConnectionRefused() throws Exception {
    assertEquals(
        "refused",
        python("refused", SERVER4, "81"),
        () -> "flows: " + flows + ", " + forwarder.counters());
    assertEquals(
        "refused",
        python("refused", SERVER6, "81"),
        () -> "flows: " + flows + ", " + forwarder.counters());
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
  void synFlood_toRandomDestinations_downloadCompletes_descriptorsBoundedAndReleased()
      throws Exception {
    String sha = writeFile("flood.bin", 50 << 20);
    long fdsBefore = openDescriptors();
    NetnsFixture.Started flood =
        client.start("python3", dir.resolve("client.py").toString(), "syn-flood", "x", "100000");
    NetnsFixture.Result download =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 110 http://" + SERVER4 + ":8080/flood.bin | sha256sum");
    long fdsDuring = openDescriptors();
    NetnsFixture.Result sent = flood.await(TIMEOUT);
    assertEquals(
        sha,
        firstWord(download.output()),
        "the download completes during the flood: " + download.output());
    assertEquals("sent 100000", sent.output().strip());
    ForwarderOptions limits = ForwarderOptions.defaults();
    // At most the held SYNs have a host socket each (connecting) beyond those the test itself
    // holds.
    assertTrue(
        fdsDuring <= fdsBefore + limits.maxHeldSyns() + 64,
        "descriptors during the flood: " + fdsDuring + " from " + fdsBefore);
    int held = forwarder.driver().call(now -> forwarder.driver().host().heldSynCount());
    assertTrue(held <= limits.maxHeldSyns(), "held SYNs " + held);
    // Everything is released once the flood's host connections have failed (ARP gives up after
    // about 3 s).
    for (int i = 0;
        i < 600 && (forwarder.counters().tcpActive() > 0 || openDescriptors() > fdsBefore + 16);
        i++) Thread.sleep(100);
    assertEquals(0, forwarder.counters().tcpActive(), forwarder.counters().toString());
    assertTrue(
        openDescriptors() <= fdsBefore + 16,
        "descriptors after: " + openDescriptors() + " from " + fdsBefore);
    assertEquals(0, (int) forwarder.driver().call(now -> forwarder.driver().host().heldSynCount()));
    String host = forwarder.hostCounters();
    System.out.println(
        "SYN flood: descriptors "
            + fdsBefore
            + " before, "
            + fdsDuring
            + " during; "
            + forwarder.counters()
            + "; host "
            + host);
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
    NetnsFixture.Started socks =
        server.start("microsocks", "-i", "0.0.0.0", "-p", "1080", "-u", "user", "-P", "secret");
    forwarder.close(); // its TUN device goes, and with it the client's routes: a new one is made
    startForwarder(
        ForwarderOptions.defaults()
            .withSocks5(new InetSocketAddress(SERVER4, 1080), "user", "secret"));
    String sha = writeFile("socks.bin", 8 << 20);
    NetnsFixture.Result r = null;
    for (int attempt = 0; attempt < 50; attempt++) { // microsocks may take a moment to listen
      r =
          client.exec(
              TIMEOUT,
              "sh",
              "-c",
              "curl -sS --max-time 60 http://" + SERVER4 + ":8080/socks.bin | sha256sum");
      if (sha.equals(firstWord(r.output()))) break;
      Thread.sleep(100);
    }
    assertEquals(
        sha,
        firstWord(r.output()),
        "through microsocks: " + r.output() + flows + socks.outputSoFar());
    NetnsFixture.Result r6 =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 60 'http://[" + SERVER6 + "]:8080/socks.bin' | sha256sum");
    assertEquals(sha, firstWord(r6.output()), "IPv6 through microsocks: " + r6.output() + flows);
    // No half-close here: microsocks closes both sides when either ends (its copy loop), as many
    // proxies do.
    assertEquals("refused", python("refused", SERVER4, "81"), () -> "flows " + flows);
  }

  @Test
  void throughSocks5_wrongPassword_clientGetsUnreachable() throws Exception {
    NetnsFixture.assumeCommand("microsocks", "microsocks");
    server.start("microsocks", "-i", "0.0.0.0", "-p", "1080", "-u", "user", "-P", "secret");
    forwarder.close();
    startForwarder(
        ForwarderOptions.defaults()
            .withSocks5(new InetSocketAddress(SERVER4, 1080), "user", "wrong"));
    String result = "";
    for (int attempt = 0; attempt < 50 && !result.startsWith("error"); attempt++) {
      result = python("refused", SERVER4, "8080");
      Thread.sleep(100);
    }
    // ICMP host unreachable (code 1), as the proxy could not be used: Linux's connect() says
    // EHOSTUNREACH.
    assertEquals("error No route to host", result, () -> flows.toString());
  }

  @Test
  void readmeExample_onAnAppsDescriptor_relays_andTheReadmeShowsIt() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String example =
        Files.readString(Path.of("src/test/java/dev/synack/forward/ReadmeExample.java"));
    String lines =
        example
            .substring(example.indexOf("// README begin") + 15, example.indexOf("// README end"))
            .strip()
            .replaceAll("\\n\\s+", "\n");
    String section = readme.substring(readme.indexOf("## Forward a namespace's traffic"));
    assertTrue(
        section.contains("```java\n" + lines + "\n```"),
        "the README shows ReadmeExample's lines:\n" + lines);

    forwarder.close();
    String tun = NetnsFixture.uniqueName("fd");
    int fd = NetworkNamespace.of("/run/netns/" + client.name()).call(() -> RawTun.open(tun));
    client.addressAndUp(tun, "10.99.0.1/24");
    client.ip("route", "add", "default", "dev", tun);
    forwarder =
        NetworkNamespace.of("/run/netns/" + outside.name())
            .call(() -> ReadmeExample.start(() -> fd));
    String sha = writeFile("fd.bin", 2 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 60 http://" + SERVER4 + ":8080/fd.bin | sha256sum");
    assertEquals(sha, firstWord(r.output()), r.output());
    assertEquals(1, forwarder.counters().tcpOpened());
  }
}
