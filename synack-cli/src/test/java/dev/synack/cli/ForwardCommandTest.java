package dev.synack.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synack forward}: its usage errors, and the command itself giving a namespace its network.
 */
class ForwardCommandTest {
  @TempDir Path dir;

  @Nested
  class BadInput {
    @Test
    void eachMistake_oneLineOnStderrAndExitCode2() {
      assertUsage(
          "synack forward: --tun: TUN device name \"a/b\" is invalid (no '/', ':' or spaces, not '.' or '..')",
          "forward",
          "--tun",
          "a/b");
      assertUsage(
          "synack forward: --socks-user and --socks-password need --socks5",
          "forward",
          "--tun",
          "t0",
          "--socks-user",
          "u",
          "--socks-password",
          "p");
      assertUsage(
          "synack forward: --socks-user and --socks-password go together",
          "forward",
          "--tun",
          "t0",
          "--socks5",
          "127.0.0.1:1080",
          "--socks-user",
          "u");
      assertUsage(
          "synack forward: --socks5 must be ADDR:PORT, as 127.0.0.1:9000 or [::1]:9000: proxy",
          "forward",
          "--tun",
          "t0",
          "--socks5",
          "proxy");
      assertUsage(
          "synack forward: --netns: no network namespace synack-none-x (/run/netns/synack-none-x does not exist)",
          "forward",
          "--tun",
          "t0",
          "--netns",
          "synack-none-x");
      assertUsage(
          "synack forward: --max-connections, --max-held-syns and --max-udp-flows must be positive",
          "forward",
          "--tun",
          "t0",
          "--max-connections",
          "0");
      assertUsage(
          "synack forward: --ping must be relay or local: answer",
          "forward",
          "--tun",
          "t0",
          "--ping",
          "answer");
      assertUsage(
          "synack forward: --max-buffer-mib must be at least 1: 0",
          "forward",
          "--tun",
          "t0",
          "--max-buffer-mib",
          "0");
      assertUsage(
          "synack forward: --host-addr is given twice for IPv4: one IPv4 and one IPv6 address at most",
          "forward",
          "--tun",
          "t0",
          "--host-addr",
          "10.0.0.1/24",
          "--host-addr",
          "10.0.1.1/24");
      assertUsage(
          "synack forward: --loops must be 0..256: -1", "forward", "--tun", "t0", "--loops", "-1");
      assertUsage(
          "synack forward: --loops above 1 takes no --trace, --pcap, --watch or --html yet",
          "forward",
          "--tun",
          "t0",
          "--loops",
          "2",
          "--trace",
          "t.jsonl");
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

  /**
   * The README's setup: {@code synack forward --netns client} run in an "outside" namespace makes
   * its TUN device inside "client", whose default route then goes through it; a server sits in a
   * third namespace that only "outside" reaches, over a veth pair.
   */
  @Nested
  class InNamespaces {
    NetnsFixture client;
    NetnsFixture outside;
    NetnsFixture server;

    @BeforeEach
    void start() throws Exception {
      NetnsFixture.assumePrivileged();
      NetnsFixture.assumeCommand("curl", "curl");
      NetnsFixture.assumeCommand("python3", "python3");
      Launcher.write(dir);
      client = NetnsFixture.create();
      outside = NetnsFixture.create();
      server = NetnsFixture.create();
      outside.addVeth("vo", server, "vs");
      outside.addressAndUp("vo", "10.98.0.1/24");
      server.addressAndUp("vs", "10.98.0.2/24");
      outside.ip("addr", "add", "fd00:98::1/64", "dev", "vo", "nodad");
      server.ip("addr", "add", "fd00:98::2/64", "dev", "vs", "nodad");
    }

    @AfterEach
    void stop() {
      for (NetnsFixture ns : new NetnsFixture[] {client, outside, server}) {
        if (ns != null) ns.close();
      }
    }

    @Test
    void forwardOnTwoLoops_parallelCurlsIntact_countersPerLoopAtExit() throws Exception {
      Path www = Files.createDirectories(dir.resolve("www"));
      byte[] file = new byte[1 << 20];
      new SplittableRandom(5).nextBytes(file);
      Files.write(www.resolve("f.bin"), file);
      NetnsFixture.Started http =
          server.start(
              "python3", "-m", "http.server", "-b", "10.98.0.2", "-d", www.toString(), "8080");
      NetnsFixture.Started forward =
          outside.start(
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && exec bin/synack forward --tun fwd1 --netns "
                  + client.name()
                  + " --host-addr 10.99.0.1/24 --loops 2");
      assertTrue(
          forward.awaitOutput("2 loops; Ctrl-C stops", Duration.ofSeconds(30)),
          forward.outputSoFar());
      client.ip("route", "add", "default", "dev", "fwd1");
      NetnsFixture.Result r = null;
      String sum = cksum(file);
      for (int attempt = 0; attempt < 50; attempt++) { // the HTTP server may take a moment
        r =
            client.exec(
                Duration.ofSeconds(60),
                "sh",
                "-c",
                "for i in 1 2 3 4 5 6 7 8; do (curl -sS --max-time 50 http://10.98.0.2:8080/f.bin"
                    + " | cksum) & done; wait");
        if (r.output().lines().filter(l -> l.startsWith(sum)).count() == 8) break;
        Thread.sleep(100);
      }
      assertEquals(
          8,
          r.output().lines().filter(l -> l.startsWith(sum)).count(),
          r.output() + "\n" + forward.outputSoFar() + http.outputSoFar());
      NetnsFixture.Result stopped = forward.terminate(Duration.ofSeconds(20));
      assertEquals(0, stopped.exitCode(), stopped.output());
      java.util.regex.Matcher perLoop =
          java.util.regex.Pattern.compile("per loop: tcp opened (\\d+)/(\\d+)")
              .matcher(stopped.output());
      assertTrue(perLoop.find(), stopped.output());
      assertTrue(
          Integer.parseInt(perLoop.group(1)) + Integer.parseInt(perLoop.group(2)) >= 8,
          stopped.output());
      assertTrue(stopped.output().contains("synack forward: host loop 0: "), stopped.output());
    }

    @Test
    void forwardWithNetns_curlThroughIt_ipv4AndIpv6_verboseFlowLineAndCountersAtExit()
        throws Exception {
      Path www = Files.createDirectories(dir.resolve("www"));
      byte[] file = new byte[3 << 20];
      new SplittableRandom(3).nextBytes(file);
      Files.write(www.resolve("f.bin"), file);
      NetnsFixture.Started http =
          server.start(
              "python3", "-m", "http.server", "-b", "10.98.0.2", "-d", www.toString(), "8080");
      NetnsFixture.Started http6 =
          server.start(
              "python3", "-m", "http.server", "-b", "fd00:98::2", "-d", www.toString(), "8080");
      NetnsFixture.Started forward =
          outside.start(
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && exec bin/synack forward --tun fwd0"
                  + " --netns "
                  + client.name()
                  + " --host-addr 10.99.0.1/24 --host-addr fd00:99::1/64 --verbose --watch 0 --html forward.html");
      assertTrue(
          forward.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), forward.outputSoFar());
      client.ip("route", "add", "default", "dev", "fwd0");
      client.ip("-6", "route", "add", "default", "dev", "fwd0");

      NetnsFixture.Result r = null;
      for (int attempt = 0;
          attempt < 50;
          attempt++) { // the HTTP server may take a moment to listen
        r =
            client.exec(
                Duration.ofSeconds(60),
                "sh",
                "-c",
                "curl -sS --max-time 50 http://10.98.0.2:8080/f.bin | cksum");
        if (r.output().startsWith(cksum(file))) break;
        Thread.sleep(100);
      }
      assertTrue(
          r.output().startsWith(cksum(file)),
          r.output() + "\n" + forward.outputSoFar() + http.outputSoFar());
      // The second --host-addr gave the device its IPv6 address (DAD may hold it a moment): IPv6
      // goes through too.
      for (int attempt = 0; attempt < 50; attempt++) {
        r =
            client.exec(
                Duration.ofSeconds(60),
                "sh",
                "-c",
                "curl -sS --max-time 50 'http://[fd00:98::2]:8080/f.bin' | cksum");
        if (r.output().startsWith(cksum(file))) break;
        Thread.sleep(100);
      }
      assertTrue(
          r.output().startsWith(cksum(file)),
          "IPv6: " + r.output() + "\n" + forward.outputSoFar() + http6.outputSoFar());

      NetnsFixture.Result stopped = forward.terminate(Duration.ofSeconds(20));
      assertEquals(0, stopped.exitCode(), stopped.output());
      assertTrue(
          stopped
              .output()
              .matches("(?s).*tcp 10\\.99\\.0\\.1:\\d+ -> 10\\.98\\.0\\.2:8080 opened.*"),
          stopped.output());
      assertTrue(
          stopped
              .output()
              .matches(
                  "(?s).*tcp 10\\.99\\.0\\.1:\\d+ -> 10\\.98\\.0\\.2:8080 closed, \\d+ B up, \\d+ B down.*"),
          stopped.output());
      assertTrue(
          stopped.output().contains("synack forward: stopped; tcp: opened "), stopped.output());
      // The live page was served on loopback, and the run's page written on SIGTERM, one choice per
      // connection.
      assertTrue(
          stopped.output().matches("(?s).*synack forward: watch http://127\\.0\\.0\\.1:\\d+/.*"),
          stopped.output());
      java.util.regex.Matcher html =
          java.util.regex.Pattern.compile(
                  "synack forward: html: forward\\.html \\((\\d+) connections?\\)")
              .matcher(stopped.output());
      assertTrue(html.find(), stopped.output());
      String page = Files.readString(dir.resolve("forward.html"));
      assertTrue(page.contains("10.98.0.2:8080"), "the page draws the forwarded connection");
      int conns = Integer.parseInt(html.group(1));
      assertTrue(
          conns == 1
              ? page.contains("Handshake, step 1")
              : page.contains("<li data-page=\"page-0\">"),
          page.substring(0, 600));
      assertTrue(
          stopped.output().contains("ping is answered by synack itself"),
          "a new namespace allows no ICMP sockets: " + stopped.output());
    }

    /** Returns POSIX cksum's CRC and length of {@code data}, as {@code cksum} prints them. */
    private String cksum(byte[] data) throws Exception {
      Path f = dir.resolve("ck.bin");
      Files.write(f, data);
      Process p = new ProcessBuilder("cksum", f.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
      p.waitFor();
      String[] words = out.split(" ");
      return words[0] + " " + words[1];
    }
  }
}
