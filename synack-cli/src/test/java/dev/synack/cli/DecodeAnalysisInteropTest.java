package dev.synack.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.trace.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@code synack decode}'s TCP analysis against tshark's, segment by segment, on captures of
 * the Linux kernel talking to itself over a lossy path made in namespaces of the test's own ({@code
 * lossy_capture.sh}, a router namespace dropping packets both ways): every {@code tcp.analysis.*}
 * mark tshark gives a segment — and no other — must be the one decode gives it, with the same
 * duplicate-ACK number.
 *
 * <p>Two runs: a reader that stops for a second behind a small receive buffer (zero windows,
 * probes, window updates, full windows), and a fast reader over 2 % loss each way (retransmissions,
 * duplicate ACKs, segments not captured). Needs root, ip, nft, tcpdump, tshark and python3; skipped
 * without them, except under {@code CI=true}, where it fails.
 */
class DecodeAnalysisInteropTest {
  private static final List<String> MARKS =
      List.of(
          "retransmission",
          "fast_retransmission",
          "spurious_retransmission",
          "out_of_order",
          "lost_segment",
          "ack_lost_segment",
          "duplicate_ack",
          "zero_window",
          "zero_window_probe",
          "zero_window_probe_ack",
          "window_full",
          "window_update",
          "keep_alive",
          "keep_alive_ack");

  @TempDir static Path dir;

  @BeforeAll
  static void requireToolsAndRoot() {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("ip", "nft", "tcpdump", "tshark", "python3")) {
      if (!onPath(tool)) missing.add(tool);
    }
    if (!"root".equals(System.getProperty("user.name"))) missing.add("root (to make namespaces)");
    if (missing.isEmpty()) return;
    String why = "decode analysis interop test needs " + String.join(", ", missing);
    if ("true".equals(System.getenv("CI"))) fail(why + " (CI=true: this test must run in CI)");
    System.out.println("skipped: " + why);
    Assumptions.assumeTrue(false, why);
  }

  @Test
  void slowReader_windowMarks_agreeWithTshark() throws Exception {
    Path capture =
        capture(
            "slow",
            Map.of(
                "LOSS", "5", "BYTES", "1500000", "READ", "4096", "RCVBUF", "8192", "PAUSE", "1"));
    SortedSet<String> seen = compare(capture);
    assertTrue(
        seen.containsAll(List.of("zero_window", "window_update", "window_full")),
        "a reader that stops must close the window: " + seen);
  }

  @Test
  void lossyPath_lossMarks_agreeWithTshark() throws Exception {
    Path capture =
        capture(
            "lossy",
            Map.of(
                "LOSS", "20", "BYTES", "8000000", "READ", "1048576", "RCVBUF", "0", "PAUSE", "0"));
    SortedSet<String> seen = compare(capture);
    assertTrue(
        seen.containsAll(List.of("retransmission", "lost_segment", "duplicate_ack")),
        "2 % loss each way over some 5,000 segments must show in the capture: " + seen);
  }

  /** Compares every TCP segment's marks and returns the marks seen in the capture. */
  private static SortedSet<String> compare(Path capture) throws Exception {
    List<String> tshark = tsharkMarks(capture);
    List<String> ours = decodeMarks(capture);
    assertEquals(tshark.size(), ours.size(), "segments in the capture");
    List<String> differences = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    for (int i = 0; i < tshark.size(); i++) {
      if (!tshark.get(i).equals(ours.get(i)))
        differences.add(
            "segment " + (i + 1) + ": tshark " + tshark.get(i) + ", decode " + ours.get(i));
      for (String m : tshark.get(i).split(" ")) if (!m.isEmpty() && !m.startsWith("#")) seen.add(m);
    }
    assertTrue(
        differences.isEmpty(),
        differences.size()
            + " segments differ, the first: "
            + differences.subList(0, Math.min(10, differences.size())));
    return seen;
  }

  /**
   * Returns each TCP segment's marks as tshark gives them: {@code "duplicate_ack #2"}, "" for none.
   */
  private static List<String> tsharkMarks(Path capture) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "tshark",
                "-n",
                "-r",
                capture.toString(),
                "-Y",
                "tcp",
                "-T",
                "fields",
                "-E",
                "separator=|",
                "-e",
                "tcp.analysis.duplicate_ack_num"));
    for (String m : MARKS) cmd.addAll(List.of("-e", "tcp.analysis." + m));
    List<String> marks = new ArrayList<>();
    for (String line : run(cmd, Map.of()).split("\n")) {
      if (line.isBlank()) continue;
      String[] cols = line.split("\\|", -1);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < MARKS.size(); i++) {
        if (!cols[i + 1].isEmpty()) b.append(MARKS.get(i)).append(' ');
      }
      if (!cols[0].isEmpty()) b.append('#').append(cols[0]);
      marks.add(b.toString().strip());
    }
    return marks;
  }

  /** Returns each TCP segment's marks as {@code decode --json} gives them, in the same form. */
  private static List<String> decodeMarks(Path capture) {
    Decode d = Decode.run("--json", capture.toString());
    assertEquals(0, d.exitCode(), String.join("\n", d.err()));
    List<String> marks = new ArrayList<>();
    for (String line : d.out()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> e = (Map<String, Object>) Json.parse(line);
      if (!e.get("event").equals("send") && !e.get("event").equals("drop")) continue;
      if (!e.containsKey("seq") && e.get("event").equals("drop")) continue;
      @SuppressWarnings("unchecked")
      List<String> analysis = (List<String>) e.getOrDefault("analysis", List.of());
      StringBuilder b = new StringBuilder();
      for (String m : MARKS) if (analysis.contains(m)) b.append(m).append(' ');
      if (e.containsKey("dup_ack")) b.append('#').append(((Number) e.get("dup_ack")).intValue());
      marks.add(b.toString().strip());
    }
    return marks;
  }

  private static Path capture(String name, Map<String, String> env) throws Exception {
    Path script = dir.resolve("lossy_capture.sh");
    Path talk = dir.resolve("lossy_talk.py");
    for (Path p : List.of(script, talk)) {
      if (Files.exists(p)) continue;
      try (var in =
          DecodeAnalysisInteropTest.class.getResourceAsStream(p.getFileName().toString())) {
        Files.copy(Objects.requireNonNull(in, p.getFileName() + " resource"), p);
      }
    }
    Path out = dir.resolve(name + ".pcap");
    run(List.of("bash", script.toString(), out.toString(), talk.toString()), env);
    assertTrue(
        Files.size(out) > 24, "tcpdump wrote nothing: " + Files.readString(Path.of(out + ".log")));
    return out;
  }

  /**
   * Runs a command to its end (at most two minutes) and returns its stdout; fails with its stderr
   * if it fails.
   */
  private static String run(List<String> cmd, Map<String, String> env) throws Exception {
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + ": timed out");
    }
    if (p.exitValue() != 0)
      fail(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + Files.readString(err));
    return out;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) return true;
    }
    return false;
  }
}
