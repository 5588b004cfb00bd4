package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.trace.Json;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synack serve} and {@code synack connect} as a user runs them: bad command lines get one
 * line and exit code 2; in a namespace, the real command in a process of its own writes its trace
 * and pcap, and {@code connect} half-closes at the end of its input.
 */
class ServeConnectCommandTest {
  @TempDir Path dir;

  @Nested
  class BadInput {
    @Test
    void eachMistake_oneLineOnStderrAndExitCode2() {
      assertUsage(
          "synack serve: Missing required option: '--addr=IP' (see 'synack serve --help')",
          "serve",
          "--tun",
          "t0");
      assertUsage(
          "synack serve: --addr must be an IP address, as 10.0.0.2 or fd00::2: example.com",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "example.com");
      assertUsage(
          "synack serve: --tun: TUN device name \"a/b\" is invalid (no '/', ':' or spaces, not '.' or '..')",
          "serve",
          "--tun",
          "a/b",
          "--addr",
          "10.0.0.2");
      assertUsage(
          "synack serve: --host-addr needs a prefix length, as 10.0.0.1/24: 10.0.0.1",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--host-addr",
          "10.0.0.1");
      assertUsage(
          "synack serve: --addr 10.0.1.2 is outside --host-addr 10.0.0.1/24: the kernel would not route to it"
              + " through the device",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "10.0.1.2",
          "--host-addr",
          "10.0.0.1/24");
      assertUsage(
          "synack serve: --addr and --host-addr must differ: the kernel and synack are two hosts",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.1",
          "--host-addr",
          "10.0.0.1/24");
      assertUsage(
          "synack serve: --port must be 1..65535: 70000",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--port",
          "70000");
      assertUsage(
          "synack serve: --http " + dir + "/none: no such directory",
          "serve",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--http",
          dir + "/none");
      assertUsage(
          "synack connect: HOST fd00::1 and --addr 10.0.0.2 are not of one IP version",
          "connect",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "fd00::1",
          "80");
      assertUsage(
          "synack connect: --loops above 1 needs --tun (one queue per loop)",
          "connect",
          "--udp",
          "127.0.0.1:0",
          "--peer",
          "127.0.0.1:9",
          "--addr",
          "10.0.0.2",
          "--loops",
          "2",
          "10.0.0.1",
          "80");
      assertUsage(
          "synack connect: --loops above 1 takes no --watch or --html yet",
          "connect",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--loops",
          "2",
          "--watch",
          "0",
          "10.0.0.1",
          "80");
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
  class InNamespace {
    private NetnsFixture ns;
    private Path script;

    @BeforeEach
    void start() throws Exception {
      NetnsFixture.assumePrivileged();
      NetnsFixture.assumeCommand("python3", "python3");
      ns = NetnsFixture.create();
      Launcher.write(dir);
      script = dir.resolve("kernel_peer.py");
      try (InputStream in = ServeConnectCommandTest.class.getResourceAsStream("kernel_peer.py")) {
        Files.copy(Objects.requireNonNull(in), script);
      }
    }

    @AfterEach
    void stop() {
      if (ns != null) ns.close();
    }

    @Test
    void serveWithTraceAndPcap_writesTheStatesAndEveryPacket() throws Exception {
      NetnsFixture.Started serve =
          synack(
              "serve --tun skt0 --addr 10.98.0.2 --host-addr 10.98.0.1/24 --echo"
                  + " --trace t.jsonl --pcap t.pcap");
      assertTrue(serve.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), serve.outputSoFar());
      Map<String, Object> echoed = TunInterop.result(python("client", "10.98.0.2", "7", "20000"));
      assertEquals(echoed.get("sent_sha"), echoed.get("received_sha"));
      serve.terminate(Duration.ofSeconds(20));

      List<String> states = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("t.jsonl"))) {
        Map<String, Object> e = Json.parseObject(line);
        assertEquals("synack", e.get("host"));
        if (e.get("event").equals("state")) states.add(e.get("from") + "->" + e.get("to"));
      }
      assertEquals(
          List.of(
              "LISTEN->SYN_RECEIVED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->CLOSE_WAIT",
              "CLOSE_WAIT->LAST_ACK",
              "LAST_ACK->CLOSED"),
          states);
      Decode decoded = Decode.run(dir.resolve("t.pcap").toString());
      assertEquals(0, decoded.exitCode(), String.join("\n", decoded.err()));
      assertTrue(decoded.packetLines().size() > 10, String.join("\n", decoded.out()));
    }

    @Test
    void serveOnAnImpairedTun_echoStaysIntactAndTheStopSaysWhatWasDropped() throws Exception {
      NetnsFixture.Started serve =
          synack(
              "serve --tun skt2 --addr 10.96.0.2 --host-addr 10.96.0.1/24 --echo"
                  + " --loss 0.05 --reorder 0.05 --dup 0.05 --seed 5");
      assertTrue(serve.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), serve.outputSoFar());
      Map<String, Object> echoed = TunInterop.result(python("client", "10.96.0.2", "7", "50000"));
      assertEquals(echoed.get("sent_sha"), echoed.get("received_sha"));
      NetnsFixture.Result served = serve.terminate(Duration.ofSeconds(20));
      assertEquals(0, served.exitCode(), served.output());
      // The seed fixes the first packets' fates: some are dropped on the way in or out.
      assertTrue(
          java.util.regex.Pattern.compile(
                  "synack serve: impaired link \\(--seed 5\\): sent .*[1-9]\\d* dropped")
              .matcher(served.output())
              .find(),
          served.output());
    }

    @Test
    void serveOverIpv6_curlGetsThePage() throws Exception {
      NetnsFixture.assumeCommand("curl", "curl");
      Files.createDirectories(dir.resolve("site"));
      Files.writeString(dir.resolve("site/index.html"), "over IPv6\n");
      NetnsFixture.Started serve =
          synack("serve --tun skt6 --addr fd00:98::2 --host-addr fd00:98::1/64 --http site");
      assertTrue(serve.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), serve.outputSoFar());
      assertTrue(serve.outputSoFar().contains("http on [fd00:98::2]:80"), serve.outputSoFar());

      NetnsFixture.Result r =
          ns.exec(Duration.ofSeconds(30), "curl", "-sS", "http://[fd00:98::2]/");

      assertEquals("over IPv6", r.output());
      assertTrue(
          serve.terminate(Duration.ofSeconds(20)).output().contains("[fd00:98::1]:"),
          "logged by IPv6 address");
    }

    @Test
    void connect_sendsItsInputHalfClosesAndPrintsWhatTheKernelSendsAfterwards() throws Exception {
      NetnsFixture.Started server = python("server", "7000", "drain-then-send", "--send", "100000");
      assertTrue(server.awaitOutput("listening", Duration.ofSeconds(10)), server.outputSoFar());
      Files.write(dir.resolve("in.bin"), Pattern.bytes(5000));

      NetnsFixture.Result r =
          ns.exec(
              Duration.ofSeconds(60),
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && bin/synack connect"
                  + " --tun skt1 --addr 10.97.0.2 --host-addr 10.97.0.1/24 10.97.0.1 7000 < in.bin > out.bin");

      assertEquals(0, r.exitCode(), r.output());
      // The kernel's server sends only after it has read the end of synack's input: the FIN.
      assertArrayEquals(Pattern.bytes(100_000), Files.readAllBytes(dir.resolve("out.bin")));
      Map<String, Object> got = TunInterop.result(server);
      assertEquals(5000L, ((Number) got.get("received")).longValue());
      assertEquals(Pattern.sha256(Pattern.bytes(5000)), got.get("received_sha"));
    }

    @Test
    void connectOnTwoLoops_sendsItsInputAndPrintsWhatTheKernelSendsAfterwards() throws Exception {
      NetnsFixture.Started server = python("server", "7000", "drain-then-send", "--send", "100000");
      assertTrue(server.awaitOutput("listening", Duration.ofSeconds(10)), server.outputSoFar());
      Files.write(dir.resolve("in.bin"), Pattern.bytes(5000));

      NetnsFixture.Result r =
          ns.exec(
              Duration.ofSeconds(60),
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && bin/synack connect"
                  + " --tun skt1 --addr 10.97.0.2 --host-addr 10.97.0.1/24 --loops 2 10.97.0.1 7000 < in.bin > out.bin");

      assertEquals(0, r.exitCode(), r.output());
      assertArrayEquals(Pattern.bytes(100_000), Files.readAllBytes(dir.resolve("out.bin")));
      Map<String, Object> got = TunInterop.result(server);
      assertEquals(Pattern.sha256(Pattern.bytes(5000)), got.get("received_sha"));
    }

    @Test
    void connect_toAClosedPort_oneLineAndExitCode1() throws Exception {
      NetnsFixture.Result r =
          ns.exec(
              Duration.ofSeconds(60),
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && bin/synack connect"
                  + " --tun skt1 --addr 10.97.0.2 --host-addr 10.97.0.1/24 10.97.0.1 7001 < /dev/null");
      assertEquals(1, r.exitCode(), r.output());
      assertEquals("synack connect: 10.97.0.1:7001: Connection refused", r.output());
    }

    private NetnsFixture.Started synack(String args) throws Exception {
      return ns.start("sh", "-c", "cd '" + dir + "' && exec bin/synack " + args);
    }

    private NetnsFixture.Started python(String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of("python3", script.toString()));
      command.addAll(List.of(args));
      return ns.start(command.toArray(String[]::new));
    }
  }
}
