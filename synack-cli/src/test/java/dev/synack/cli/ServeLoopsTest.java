package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synack serve --loops N}: two loops on the two queues of a multiqueue TUN device echo every
 * byte of many parallel kernel connections; a command line that cannot have several loops gets one
 * line and exit code 2.
 */
class ServeLoopsTest {
  @TempDir Path dir;

  /** 120 connections, 40 at a time, each 30,000 seeded bytes echoed and compared. */
  private static final String CLIENT =
      """
      import socket, sys, random, concurrent.futures
      def one(i):
          data = random.Random(i).randbytes(30000)
          with socket.create_connection(("10.92.0.2", 7), timeout=60) as s:
              s.sendall(data)
              s.shutdown(socket.SHUT_WR)
              got = bytearray()
              while True:
                  chunk = s.recv(65536)
                  if not chunk: break
                  got += chunk
          return bytes(got) == data
      with concurrent.futures.ThreadPoolExecutor(40) as pool:
          ok = sum(pool.map(one, range(120)))
      print("intact", ok)
      sys.exit(0 if ok == 120 else 1)
      """;

  @Test
  void twoLoops_echoEveryByteOfParallelConnections() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    Launcher.write(dir);
    try (NetnsFixture ns = NetnsFixture.create()) {
      NetnsFixture.Started serve =
          ns.start(
              "sh",
              "-c",
              "cd '"
                  + dir
                  + "' && exec bin/synack serve --tun skq0 --addr 10.92.0.2 --host-addr 10.92.0.1/24 --loops 2 --echo");
      assertTrue(serve.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), serve.outputSoFar());
      assertTrue(serve.outputSoFar().contains("2 loops"), serve.outputSoFar());
      NetnsFixture.Result client = ns.exec(Duration.ofMinutes(2), "python3", "-c", CLIENT);
      assertEquals(0, client.exitCode(), client.output() + "\n" + serve.outputSoFar());
      assertTrue(client.output().contains("intact 120"), client.output());
      NetnsFixture.Result end = serve.terminate(Duration.ofSeconds(20));
      assertEquals(0, end.exitCode(), end.output());
      assertTrue(end.output().contains("120 connections served"), end.output());
    }
  }

  @Test
  void loopsWithAUdpTunnel_isAUsageError() {
    assertEquals(
        "synack serve: --loops above 1 needs --tun (one queue per loop)",
        usageError("serve", "--udp", "127.0.0.1:0", "--addr", "10.0.0.2", "--loops", "2"));
  }

  @Test
  void loopsWithATrace_isAUsageError() {
    assertEquals(
        "synack serve: --loops above 1 takes no --trace, --pcap, --loss, --reorder or --dup yet",
        usageError(
            "serve",
            "--tun",
            "skx0",
            "--addr",
            "10.0.0.2",
            "--loops",
            "2",
            "--trace",
            dir.resolve("t.jsonl").toString()));
  }

  @Test
  void negativeLoops_isAUsageError() {
    assertEquals(
        "synack serve: --loops must be 0..256: -1",
        usageError("serve", "--tun", "skx0", "--addr", "10.0.0.2", "--loops", "-1"));
  }

  private static String usageError(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(2, code, "exit code; stderr: " + err);
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), "one line on stderr: " + err);
    assertFalse(lines.getFirst().contains("Exception"), lines.getFirst());
    return lines.getFirst();
  }
}
