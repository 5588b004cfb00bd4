package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture.Result;
import dev.synack.link.NetnsFixture.Started;
import dev.synack.trace.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synack to synack through a UDP tunnel on loopback, as a user runs it: {@code bin/synack serve
 * --udp} in one process, {@code bin/synack connect --udp --peer} in another, no privileges needed.
 */
class UdpTunnelCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final java.util.regex.Pattern UDP_PORT =
      java.util.regex.Pattern.compile("\\(UDP 127\\.0\\.0\\.1:(\\d+) <->");

  @TempDir Path dir;

  private final List<Started> started = new ArrayList<>();

  @BeforeEach
  void launcher() throws IOException {
    Launcher.write(dir);
  }

  @AfterEach
  void killWhatIsLeft() {
    for (Started s : started) s.kill();
  }

  @Nested
  class BadLinkChoice {
    @Test
    void eachMistake_oneLineOnStderrAndExitCode2() {
      assertUsage(
          "synack serve: Missing required argument (specify one of these): ((--tun=NAME"
              + " [--host-addr=IP/PREFIX]...) | (--udp=LOCAL_ADDR:PORT [--peer=REMOTE_ADDR:PORT])) (see 'synack serve --help')",
          "serve",
          "--addr",
          "10.0.0.2");
      assertUsage(
          "synack connect: (--tun=NAME [--host-addr=IP/PREFIX]...) and (--udp=LOCAL_ADDR:PORT"
              + " [--peer=REMOTE_ADDR:PORT]) are mutually exclusive (specify only one) (see 'synack connect --help')",
          "connect",
          "--tun",
          "t0",
          "--udp",
          "127.0.0.1:9000",
          "--addr",
          "10.0.0.2",
          "10.0.0.1",
          "7");
      assertUsage(
          "synack serve: Missing required argument(s): --udp=LOCAL_ADDR:PORT (see 'synack serve --help')",
          "serve",
          "--peer",
          "127.0.0.1:9000",
          "--addr",
          "10.0.0.2");
      assertUsage(
          "synack connect: --udp needs --peer REMOTE_ADDR:PORT, the other synack's --udp address",
          "connect",
          "--udp",
          "127.0.0.1:9001",
          "--addr",
          "10.0.0.1",
          "10.0.0.2",
          "7");
      assertUsage(
          "synack serve: --udp must be ADDR:PORT, as 127.0.0.1:9000 or [::1]:9000: 9000",
          "serve",
          "--udp",
          "9000",
          "--addr",
          "10.0.0.2");
      assertUsage(
          "synack serve: --udp must be ADDR:PORT with an IP address, as 127.0.0.1:9000 or [::1]:9000:"
              + " localhost:9000",
          "serve",
          "--udp",
          "localhost:9000",
          "--addr",
          "10.0.0.2");
      assertUsage(
          "synack connect: --peer port must be 1..65535: 127.0.0.1:0",
          "connect",
          "--udp",
          "127.0.0.1:0",
          "--peer",
          "127.0.0.1:0",
          "--addr",
          "10.0.0.1",
          "10.0.0.2",
          "7");
      assertUsage(
          "synack connect: --udp 127.0.0.1:0 and --peer [::1]:9000 are not of one IP version",
          "connect",
          "--udp",
          "127.0.0.1:0",
          "--peer",
          "[::1]:9000",
          "--addr",
          "10.0.0.1",
          "10.0.0.2",
          "7");
      assertUsage(
          "synack serve: --loss must be from 0 to below 1: 1.0",
          "serve",
          "--udp",
          "127.0.0.1:0",
          "--addr",
          "10.0.0.2",
          "--loss",
          "1");
    }

    private void assertUsage(String message, String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
      assertEquals(2, code, err.toString());
      assertEquals(message, err.toString().strip());
      assertEquals("", out.toString());
    }
  }

  @Nested
  class Echo {
    @Test
    void connectSendsAFewHundredKilobytes_echoedIntactAfterItsFinAndBothExitZero()
        throws Exception {
      byte[] input = random(300_000, 1);
      Files.write(dir.resolve("in.bin"), input);
      Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo --trace serve.jsonl");

      Result connect =
          connect(
              "--udp 127.0.0.1:0 --peer 127.0.0.1:"
                  + udpPort(serve)
                  + " --addr 10.0.0.1 --trace connect.jsonl 10.0.0.2 7");

      assertEquals(0, connect.exitCode(), connect.output());
      assertEquals(
          Pattern.sha256(input), Pattern.sha256(Files.readAllBytes(dir.resolve("out.bin"))));
      Result served = serve.terminate(WAIT);
      assertEquals(0, served.exitCode(), served.output());
      assertTrue(served.output().contains("10.0.0.1:"), "logs the connection: " + served.output());
    }

    @Test
    void bothTraces_showTheHandshakeAndTimeWaitOnTheSideThatClosedFirst() throws Exception {
      Files.write(dir.resolve("in.bin"), random(20_000, 2));
      Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo --trace serve.jsonl");
      Result connect =
          connect(
              "--udp 127.0.0.1:0 --peer 127.0.0.1:"
                  + udpPort(serve)
                  + " --addr 10.0.0.1 --trace connect.jsonl 10.0.0.2 7");
      assertEquals(0, connect.exitCode(), connect.output());
      serve.terminate(WAIT);

      List<Map<String, Object>> client = trace("connect.jsonl");
      List<Map<String, Object>> server = trace("serve.jsonl");
      // Three-way handshake, from each side's view: SYN; SYN+ACK; ACK.
      assertEquals(List.of("send SYN", "recv ACK,SYN", "send ACK"), segments(client).subList(0, 3));
      assertEquals(List.of("recv SYN", "send ACK,SYN", "recv ACK"), segments(server).subList(0, 3));
      // connect closes first at the end of its input (FIN): it ends in TIME_WAIT, serve in CLOSED.
      List<String> clientStates = states(client);
      assertEquals(
          List.of("CLOSED->SYN_SENT", "SYN_SENT->ESTABLISHED", "ESTABLISHED->FIN_WAIT_1"),
          clientStates.subList(0, 3));
      assertTrue(clientStates.getLast().endsWith("->TIME_WAIT"), clientStates.toString());
      assertTrue(
          client.stream()
              .anyMatch(e -> "TIME_WAIT".equals(e.get("timer")) && "set".equals(e.get("action"))),
          "the 2 MSL timer is set");
      assertEquals(
          List.of(
              "LISTEN->SYN_RECEIVED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->CLOSE_WAIT",
              "CLOSE_WAIT->LAST_ACK",
              "LAST_ACK->CLOSED"),
          states(server));
    }
  }

  @Nested
  class Strangers {
    @Test
    void serveWithItsPeerLearnt_aStrangerSendingTwice_oneLineNamesIt() throws Exception {
      Files.write(dir.resolve("in.bin"), random(1000, 4));
      Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo");
      Result connect =
          connect(
              "--udp 127.0.0.1:0 --peer 127.0.0.1:"
                  + udpPort(serve)
                  + " --addr 10.0.0.1 10.0.0.2 7");
      assertEquals(0, connect.exitCode(), connect.output());
      int strangerPort;
      try (DatagramChannel stranger = DatagramChannel.open()) {
        stranger.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        strangerPort = ((InetSocketAddress) stranger.getLocalAddress()).getPort();
        InetSocketAddress to =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), udpPort(serve));
        for (int i = 0; i < 2; i++) stranger.send(java.nio.ByteBuffer.wrap(random(40, 5 + i)), to);
      }
      String said =
          "synack: ignoring UDP datagrams from 127.0.0.1:"
              + strangerPort
              + " (the tunnel's peer is 127.0.0.1:";
      assertTrue(serve.awaitOutput(said, WAIT), serve.outputSoFar());
      Result served = serve.terminate(WAIT);
      assertEquals(
          1, served.output().lines().filter(l -> l.startsWith(said)).count(), served.output());
    }
  }

  @Nested
  class Http {
    @Test
    void serveHttp_connectSendsAGet_printsThePage() throws Exception {
      Files.createDirectories(dir.resolve("site"));
      Files.writeString(dir.resolve("site/index.html"), "<h1>through the tunnel</h1>\n");
      Files.writeString(
          dir.resolve("in.bin"), "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nConnection: close\r\n\r\n");
      Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --http site");

      Result connect =
          connect(
              "--udp 127.0.0.1:0 --peer 127.0.0.1:"
                  + udpPort(serve)
                  + " --addr 10.0.0.1 10.0.0.2 80");

      assertEquals(0, connect.exitCode(), connect.output());
      String response = Files.readString(dir.resolve("out.bin"), StandardCharsets.ISO_8859_1);
      assertTrue(response.startsWith("HTTP/1.1 200 "), response);
      assertTrue(response.endsWith("\r\n\r\n<h1>through the tunnel</h1>\n"), response);
      Result served = serve.terminate(WAIT);
      assertTrue(served.output().contains("GET /"), "logs the request: " + served.output());
    }
  }

  @Nested
  class Impaired {
    @Test
    void lossReorderAndDuplicatesOnBothSides_echoStaysIntact() throws Exception {
      byte[] input = random(60_000, 3);
      Files.write(dir.resolve("in.bin"), input);
      int servePort = freeUdpPort();
      int connectPort = freeUdpPort();
      String bad = " --loss 0.05 --reorder 0.05 --dup 0.05";
      Started serve =
          serve(
              "--udp 127.0.0.1:"
                  + servePort
                  + " --peer 127.0.0.1:"
                  + connectPort
                  + " --addr 10.0.0.2"
                  + " --echo --seed 11"
                  + bad);

      Result connect =
          connect(
              "--udp 127.0.0.1:"
                  + connectPort
                  + " --peer 127.0.0.1:"
                  + servePort
                  + " --addr 10.0.0.1 --seed 12"
                  + bad
                  + " 10.0.0.2 7");

      assertEquals(0, connect.exitCode(), connect.output());
      assertEquals(
          Pattern.sha256(input), Pattern.sha256(Files.readAllBytes(dir.resolve("out.bin"))));
      // The seeds make the first packets' fates fixed: each side drops some of what it sends and
      // receives.
      assertDropsBothWays(connect.output(), "synack connect: impaired link (--seed 12): ");
      Result served = serve.terminate(WAIT);
      assertEquals(0, served.exitCode(), served.output());
      assertDropsBothWays(served.output(), "synack serve: impaired link (--seed 11): ");
    }

    private static void assertDropsBothWays(String output, String prefix) {
      String line =
          output
              .lines()
              .filter(l -> l.startsWith(prefix))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no '" + prefix + "' in: " + output));
      Matcher m =
          java.util.regex.Pattern.compile(
                  "sent (\\d+) packets, (\\d+) dropped, \\d+ duplicated, \\d+ reordered; received (\\d+) packets, (\\d+) dropped")
              .matcher(line);
      assertTrue(m.find(), line);
      assertTrue(Long.parseLong(m.group(2)) > 0 && Long.parseLong(m.group(4)) > 0, line);
    }
  }

  @Nested
  class Readme {
    @Test
    void bothBlocks_runAsWrittenOnFreePorts_echoTheNumbers() throws Exception {
      int servePort = freeUdpPort();
      int connectPort = freeUdpPort();
      List<List<String>> blocks = ReadmeFlowTest.blocks("## synack to synack over UDP");
      assertEquals(2, blocks.size());
      List<String> said = new ArrayList<>();
      for (List<String> block : blocks) {
        Started job = null;
        for (String written : block) {
          String line =
              written.replace(":9000", ":" + servePort).replace(":9001", ":" + connectPort);
          if (line.endsWith("&")) {
            job = serve(line.substring("bin/synack serve ".length(), line.length() - 1));
          } else if (line.equals("kill %1")) {
            Result served = job.terminate(WAIT);
            assertEquals(0, served.exitCode(), served.output());
          } else {
            Started c = Started.here(null, "sh", "-c", "cd '" + dir + "' && " + line);
            started.add(c);
            Result r = c.await(WAIT);
            assertEquals(0, r.exitCode(), line + ": " + r.output());
            if (!r.output().isEmpty()) said.add(r.output().lines().toList().getLast());
          }
        }
      }
      assertEquals("same", said.get(0));
      assertEquals("same", said.get(1));
      // The count of connect's retransmissions: a number, often above 0, but 0 when the path's
      // random
      // drops spared connect's own data (about one run in six at 5 %); the echo being intact is the
      // check.
      assertTrue(Integer.parseInt(said.get(2)) >= 0, "retransmissions on the bad path: " + said);
    }
  }

  /**
   * {@code connect --timeout} (as {@code nc -w}), run in this JVM with a standard input that never
   * ends.
   */
  @Nested
  class ConnectTimeout {
    /** Runs connect with {@code args}; its input stays open and silent, its output is kept. */
    private Result connectInProcess(String... args) {
      StringWriter err = new StringWriter();
      picocli.CommandLine cl = Main.commandLine();
      ConnectCommand command = cl.getSubcommands().get("connect").getCommand();
      // Unconnected: reading fails at once, so nothing is sent and no FIN either: a silent user.
      command.stdin = new java.io.PipedInputStream();
      command.stdout = new java.io.ByteArrayOutputStream();
      cl.setErr(new PrintWriter(err, true));
      String[] all = new String[args.length + 1];
      all[0] = "connect";
      System.arraycopy(args, 0, all, 1, args.length);
      int code = cl.execute(all);
      return new Result(code, err.toString());
    }

    @Test
    void aPeerThatNeverAnswers_givesUpAfterTheTimeout_exitOne() throws IOException {
      // A UDP socket that takes the tunnel's datagrams and never answers: the SYN goes nowhere.
      try (DatagramChannel blackHole = DatagramChannel.open()) {
        blackHole.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress) blackHole.getLocalAddress()).getPort();
        Result r =
            connectInProcess(
                "--udp",
                "127.0.0.1:0",
                "--peer",
                "127.0.0.1:" + port,
                "--addr",
                "10.0.0.1",
                "--timeout",
                "1",
                "10.0.0.2",
                "7");
        assertEquals(1, r.exitCode(), r.output());
        assertEquals(
            "synack connect: 10.0.0.2:7: not connected within 1 s (--timeout)", r.output().strip());
      }
    }

    @Test
    @org.junit.jupiter.api.Timeout(
        120) // without the fail-fast, connect resends its SYN for minutes
    void aPeerPortWhereNothingListens_failsAtOnceWithOneLine_exitOne() throws IOException {
      // A port just bound and closed: the kernel answers the tunnel's first datagram with ICMP port
      // unreachable. Without --timeout, connect would resend its SYN for minutes; it must stop at
      // once.
      int port;
      try (DatagramChannel gone = DatagramChannel.open()) {
        gone.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        port = ((InetSocketAddress) gone.getLocalAddress()).getPort();
      }
      Result r =
          connectInProcess(
              "--udp",
              "127.0.0.1:0",
              "--peer",
              "127.0.0.1:" + port,
              "--addr",
              "10.0.0.1",
              "10.0.0.2",
              "7");
      assertEquals(1, r.exitCode(), r.output());
      assertEquals(
          "synack connect: 10.0.0.2:7: UDP peer 127.0.0.1:"
              + port
              + " answered ICMP port unreachable: no synack listens there (is serve --udp running?)",
          r.output().strip());
    }

    @Test
    void connectedButIdle_closedAfterTheTimeout_exitOne() throws Exception {
      Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --discard");
      Result r =
          connectInProcess(
              "--udp",
              "127.0.0.1:0",
              "--peer",
              "127.0.0.1:" + udpPort(serve),
              "--addr",
              "10.0.0.1",
              "-w",
              "2.5",
              "10.0.0.2",
              "9");
      assertEquals(1, r.exitCode(), r.output());
      assertEquals(
          "synack connect: 10.0.0.2:9: nothing sent or received for 2.5 s (--timeout); closed",
          r.output().strip());
      // Closed in order: the server saw the connection end.
      assertTrue(serve.awaitOutput("10.0.0.1:", WAIT), serve.outputSoFar());
    }

    @Test
    void keepAlive_connectsAndExchangesAsBefore() throws Exception {
      Files.write(dir.resolve("in.bin"), random(10_000, 3));
      Started serve =
          serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo --keepalive --idle-timeout 30");
      Result connect =
          connect(
              "--udp 127.0.0.1:0 --peer 127.0.0.1:"
                  + udpPort(serve)
                  + " --addr 10.0.0.1 --keepalive --timeout 30 10.0.0.2 7");
      assertEquals(0, connect.exitCode(), connect.output());
      assertEquals(
          Pattern.sha256(Files.readAllBytes(dir.resolve("in.bin"))),
          Pattern.sha256(Files.readAllBytes(dir.resolve("out.bin"))));
    }
  }

  /** Starts {@code bin/synack serve ARGS} and waits until it listens. */
  private Started serve(String args) throws Exception {
    Started s = Started.here(null, "sh", "-c", "cd '" + dir + "' && exec bin/synack serve " + args);
    started.add(s);
    assertTrue(s.awaitOutput("Ctrl-C stops", WAIT), s.outputSoFar());
    return s;
  }

  /**
   * Runs {@code bin/synack connect ARGS < in.bin > out.bin} to its end; the result holds its
   * stderr.
   */
  private Result connect(String args) throws IOException {
    Started c =
        Started.here(
            null,
            "sh",
            "-c",
            "cd '" + dir + "' && exec bin/synack connect " + args + " < in.bin > out.bin");
    started.add(c);
    return c.await(WAIT);
  }

  /** Returns the UDP port a server started with {@code --udp 127.0.0.1:0} says it took. */
  private static int udpPort(Started serve) throws IOException {
    Matcher m = UDP_PORT.matcher(serve.outputSoFar());
    assertTrue(m.find(), serve.outputSoFar());
    return Integer.parseInt(m.group(1));
  }

  /**
   * Returns a UDP port free on loopback a moment ago (a test can pick a fixed port no other way).
   */
  private static int freeUdpPort() throws IOException {
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
  }

  private List<Map<String, Object>> trace(String file) throws IOException {
    List<Map<String, Object>> events = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(file))) events.add(Json.parseObject(line));
    return events;
  }

  /** Returns "from->to" of each state change. */
  private static List<String> states(List<Map<String, Object>> trace) {
    return trace.stream()
        .filter(e -> e.get("event").equals("state"))
        .map(e -> e.get("from") + "->" + e.get("to"))
        .toList();
  }

  /** Returns "send|recv FLAGS" of each segment, flags sorted. */
  private static List<String> segments(List<Map<String, Object>> trace) {
    return trace.stream()
        .filter(e -> Set.of("send", "recv").contains(e.get("event")))
        .map(
            e ->
                e.get("event")
                    + " "
                    + String.join(
                        ",",
                        ((List<?>) e.get("flags")).stream().map(String::valueOf).sorted().toList()))
        .toList();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
