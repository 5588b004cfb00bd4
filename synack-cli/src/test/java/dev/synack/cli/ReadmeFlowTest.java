package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Serve a page to the kernel" section, run as written, line by line, in a network
 * namespace of its own: the real {@code synack} command in a process of its own ({@code bin/synack}
 * runs this build's classes), curl and {@code ip} on the kernel's side.
 */
class ReadmeFlowTest {
  private static final String SECTION = "## Serve a page to the kernel";

  @TempDir Path dir;
  private NetnsFixture ns;

  /** Commands started in the background with {@code &}, for {@code kill %1}. */
  private final List<NetnsFixture.Started> jobs = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("curl", "curl");
    NetnsFixture.assumeCommand("python3", "python3");
    ns = NetnsFixture.create();
    Launcher.write(dir);
  }

  @AfterEach
  void stop() {
    if (ns != null) ns.close();
  }

  @Test
  void firstBlock_servesThePageToCurl_andKillClosesAnOpenConnectionInOrder() throws Exception {
    List<String> block = blocks().get(0);
    List<String> curlOutput = new ArrayList<>();
    for (String line : block) {
      if (line.equals("kill %1")) {
        // Before the kill, a kernel client that holds a connection open: serve must close it in
        // order.
        NetnsFixture.Started holder = python("wait-close", "192.0.2.2", "80");
        // The block's wait (one curl), its curl, and this holder.
        awaitOutput(jobs.get(0), 3, " connected");
        NetnsFixture.Result served = jobs.get(0).terminate(Duration.ofSeconds(20));
        assertEquals(
            0, served.exitCode(), served.output()); // SIGTERM asks for an orderly stop: a success
        assertTrue(
            served
                .output()
                .contains(
                    "synack serve: stopped; 3 connections served, 1 of 1 open ones closed"
                        + " in order"),
            served.output());
        Map<String, Object> held = TunInterop.result(holder);
        assertEquals(
            0L,
            ((Number) held.get("received")).longValue(),
            "the held connection ended with synack's FIN");
        assertEquals(null, held.get("error"));
      } else {
        String out = run(line);
        if (line.startsWith("curl"))
          curlOutput.add(out.lines().toList().getLast()); // after curl's progress meter
      }
    }
    assertEquals(List.of("<h1>Hello from synack</h1>"), curlOutput);
  }

  @Test
  void secondBlock_deviceMadeWithIp_servesToo() throws Exception {
    Files.createDirectories(dir.resolve("site"));
    Files.writeString(dir.resolve("site/index.html"), "made with ip\n");
    for (String line : blocks().get(1)) run(line);
    assertEquals("made with ip", run("curl -sS http://192.0.2.2/"));
    jobs.getFirst().terminate(Duration.ofSeconds(20));
  }

  @Test
  void connectBlock_sendsStdinAndPrintsWhatTheKernelEchoes() throws Exception {
    NetnsFixture.Started server = python("server", "7000", "echo");
    assertTrue(server.awaitOutput("listening", Duration.ofSeconds(10)), server.outputSoFar());
    List<String> block = blocks().get(2);
    assertEquals(1, block.size());

    assertEquals("hello", run(block.get(0)));
    assertEquals(6L, ((Number) TunInterop.result(server).get("received")).longValue());
  }

  /**
   * Runs one README line in the namespace from {@link #dir}: in the background when it ends in
   * {@code &}.
   */
  private String run(String line) throws IOException, InterruptedException {
    if (line.endsWith("&")) {
      String command = line.substring(0, line.length() - 1).strip();
      NetnsFixture.Started job = ns.start("sh", "-c", "cd '" + dir + "' && exec " + command);
      jobs.add(job);
      assertTrue(job.awaitOutput("Ctrl-C stops", Duration.ofSeconds(30)), job.outputSoFar());
      return "";
    }
    if (line.startsWith("bin/synack serve")) {
      // Runs until stopped: as if in a second terminal.
      return run(line + " &");
    }
    // A login shell has USER; the test's environment may not.
    NetnsFixture.Result r =
        ns.exec(
            Duration.ofSeconds(30),
            "sh",
            "-c",
            "cd '" + dir + "' && export USER=\"${USER:-$(id -un)}\" && " + line);
    assertEquals(0, r.exitCode(), line + ": " + r.output());
    return r.output();
  }

  private NetnsFixture.Started python(String... args) throws IOException {
    Path script = dir.resolve("kernel_peer.py");
    if (!Files.exists(script)) {
      try (InputStream in = ReadmeFlowTest.class.getResourceAsStream("kernel_peer.py")) {
        Files.copy(Objects.requireNonNull(in), script);
      }
    }
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(List.of(args));
    return ns.start(command.toArray(String[]::new));
  }

  /** Waits until {@code text} occurs {@code times} times in a job's output. */
  private static void awaitOutput(NetnsFixture.Started job, int times, String text)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (job.outputSoFar().split(text, -1).length - 1 >= times) return;
      Thread.sleep(20);
    }
    throw new AssertionError("no " + times + " x '" + text + "' in: " + job.outputSoFar());
  }

  /** Returns the lines of each {@code sh} code block of the README's section, comments removed. */
  static List<List<String>> blocks() throws IOException {
    return blocks(SECTION);
  }

  /**
   * Returns the lines of each {@code sh} code block of the README's section {@code heading},
   * comments removed.
   */
  static List<List<String>> blocks(String heading) throws IOException {
    String readme = Files.readString(Decode.repoRoot().resolve("README.md"));
    int start = readme.indexOf(heading);
    assertTrue(start >= 0, "README has no section " + heading);
    int end = readme.indexOf("\n## ", start + heading.length());
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<List<String>> blocks = new ArrayList<>();
    List<String> current = null;
    for (String line : section.split("\n")) {
      if (line.equals("```sh")) {
        current = new ArrayList<>();
      } else if (line.equals("```") && current != null) {
        blocks.add(current);
        current = null;
      } else if (current != null) {
        int comment = line.indexOf("    #");
        current.add((comment >= 0 ? line.substring(0, comment) : line).strip());
      }
    }
    return blocks;
  }
}
