package dev.synack.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.trace.Json;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.PcapReader;
import dev.synack.wire.PcapRecord;
import dev.synack.wire.TcpFlags;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures the Linux kernel's own TCP on loopback with tcpdump, and checks that {@code synack
 * decode} reads every field of every segment as tshark does, prints the same lines as {@code
 * tcpdump -S -nn}, and names the states of RFC 9293 that the two connections went through: one with
 * handshake, data both ways and the four-way teardown, one that ends with a RST.
 *
 * <p>Needs tcpdump, tshark, python3 and root. Without them it is skipped, except under {@code
 * CI=true}, where it fails: CI must run it.
 */
class KernelCaptureAgreementTest {
  /** The tshark fields compared, in the order of the columns it prints. */
  private static final List<String> FIELDS =
      List.of(
          "frame.number",
          "ip.src",
          "tcp.srcport",
          "ip.dst",
          "tcp.dstport",
          "tcp.seq_raw",
          "tcp.ack_raw",
          "tcp.flags",
          "tcp.window_size_value",
          "tcp.len",
          "tcp.options.mss_val",
          "tcp.options.wscale.shift",
          "tcp.options.sack_perm",
          "tcp.options.timestamp.tsval",
          "tcp.options.timestamp.tsecr",
          "tcp.checksum",
          "tcp.checksum.status");

  @TempDir static Path dir;
  static Path capture;
  static int talkPort;
  static int resetPort;

  @BeforeAll
  static void captureTheKernel() throws Exception {
    requireToolsAndRoot();
    talkPort = freePort();
    resetPort = freePort();
    Path script = dir.resolve("loopback_talk.py");
    try (var in = KernelCaptureAgreementTest.class.getResourceAsStream("loopback_talk.py")) {
      Files.copy(Objects.requireNonNull(in, "loopback_talk.py resource"), script);
    }
    capture = dir.resolve("capture.pcap");
    Path tcpdumpLog = dir.resolve("tcpdump.log");
    // --immediate-mode: without it libpcap hands packets over a block at a time (TPACKET_V3), and
    // what is still in the block when tcpdump is stopped is lost. -Z root keeps tcpdump writing
    // into this root-owned temporary directory.
    Process tcpdump =
        new ProcessBuilder(
                "tcpdump",
                "-i",
                "lo",
                "--immediate-mode",
                "-U",
                "-n",
                "-Z",
                "root",
                "-w",
                capture.toString(),
                "tcp and (port " + talkPort + " or port " + resetPort + ")")
            .redirectErrorStream(true)
            .redirectOutput(tcpdumpLog.toFile())
            .start();
    try {
      waitForLine(tcpdumpLog, "listening on", tcpdump);
      run("python3", script.toString(), Integer.toString(talkPort), "talk");
      run("python3", script.toString(), Integer.toString(resetPort), "reset");
      Thread.sleep(300); // let tcpdump write the last segments before it is stopped
    } finally {
      tcpdump.destroy();
      tcpdump.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void everySegment_agreesWithTsharkFieldByField() throws Exception {
    List<Map<String, Object>> sends =
        json().stream().filter(e -> e.get("event").equals("send")).toList();
    List<String[]> rows = tshark();
    List<Integer> checksums = checksumsParsed();
    assertEquals(rows.size(), sends.size(), "segments decoded vs. tshark's frames");
    assertTrue(
        rows.size() >= 14, "expected two whole connections, got " + rows.size() + " segments");
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i);
      Map<String, Object> e = sends.get(i);
      String options = (String) e.get("options");
      List<String> ours =
          List.of(
              (String) e.get("src"),
              num(e, "sport"),
              (String) e.get("dst"),
              num(e, "dport"),
              num(e, "seq"),
              num(e, "ack"),
              Integer.toString(TcpFlags.parse(strings(e.get("flags")))),
              num(e, "win"),
              num(e, "len"),
              option(options, "mss (\\d+)"),
              option(options, "wscale (\\d+)"),
              options.contains("sackOK") ? "yes" : "",
              option(options, "TS val (\\d+)"),
              option(options, "ecr (\\d+)"),
              checksums.get(i).toString(),
              Boolean.TRUE.equals(e.get("checksum_ok")) ? "1" : "0");
      List<String> theirs =
          List.of(
              f[1],
              f[2],
              f[3],
              f[4],
              f[5],
              f[6],
              Integer.toString(Integer.decode(f[7]) & 0xff),
              f[8],
              f[9],
              f[10],
              f[11],
              f[12].isEmpty() ? "" : "yes",
              f[13],
              f[14],
              Integer.decode(f[15]).toString(),
              f[16]);
      for (int k = 0; k < ours.size(); k++) {
        if (!ours.get(k).equals(theirs.get(k))) {
          mismatches.add(
              "frame "
                  + f[0]
                  + " "
                  + FIELDS.get(k + 1)
                  + ": decode "
                  + ours.get(k)
                  + ", tshark "
                  + theirs.get(k));
        }
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @Test
  void textLines_areTcpdumpsOwn() throws Exception {
    List<String> tcpdump = new ArrayList<>();
    for (String line : run("tcpdump", "-S", "-nn", "-r", capture.toString()).split("\n")) {
      if (!line.isBlank()) tcpdump.add(line.substring(line.indexOf(' ') + 1));
    }
    Decode d = Decode.run(capture.toString(), "--absolute");
    assertEquals(0, d.exitCode(), String.join("\n", d.err()));
    assertEquals(tcpdump, d.packetLines());
  }

  @Test
  void talkConnection_passesThroughEveryStateOfHandshakeAndTeardown() throws Exception {
    Map<String, List<String>> paths = statePaths(talkPort);
    assertEquals(
        List.of(
            "CLOSED->SYN_SENT",
            "SYN_SENT->ESTABLISHED",
            "ESTABLISHED->FIN_WAIT_1",
            "FIN_WAIT_1->FIN_WAIT_2",
            "FIN_WAIT_2->TIME_WAIT"),
        paths.get("client"));
    assertEquals(
        List.of(
            "LISTEN->SYN_RECEIVED",
            "SYN_RECEIVED->ESTABLISHED",
            "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK",
            "LAST_ACK->CLOSED"),
        paths.get("server"));
    String text = String.join("\n", Decode.run(capture.toString()).out());
    for (String state :
        List.of(
            "SYN_SENT",
            "SYN_RECEIVED",
            "ESTABLISHED",
            "FIN_WAIT_1",
            "FIN_WAIT_2",
            "CLOSE_WAIT",
            "LAST_ACK",
            "TIME_WAIT")) {
      assertTrue(text.contains(state), state + " missing from:\n" + text);
    }
  }

  @Test
  void resetConnection_closesBothEndsOnTheRst() throws Exception {
    Map<String, List<String>> paths = statePaths(resetPort);
    assertEquals(
        List.of("CLOSED->SYN_SENT", "SYN_SENT->ESTABLISHED", "ESTABLISHED->CLOSED"),
        paths.get("client"));
    assertEquals(
        List.of("LISTEN->SYN_RECEIVED", "SYN_RECEIVED->ESTABLISHED", "ESTABLISHED->CLOSED"),
        paths.get("server"));
    assertTrue(
        json().stream()
            .anyMatch(
                e ->
                    e.get("event").equals("send")
                        && strings(e.get("flags")).contains("RST")
                        && num(e, "sport").equals(num(e, "sport"))
                        && !num(e, "sport").equals(Integer.toString(resetPort))),
        "the client sends a RST");
  }

  /** Returns the state changes of the client and the server of the connection to {@code port}. */
  private static Map<String, List<String>> statePaths(int port) throws Exception {
    String server = "127.0.0.1:" + port;
    List<String> client = new ArrayList<>();
    List<String> serverPath = new ArrayList<>();
    for (Map<String, Object> e : json()) {
      if (!e.get("event").equals("state")) continue;
      String host = (String) e.get("host");
      String conn = (String) e.get("conn");
      String change = e.get("from") + "->" + e.get("to");
      if (host.equals(server)) serverPath.add(change);
      else if (conn.endsWith("-" + server)) client.add(change);
    }
    return Map.of("client", client, "server", serverPath);
  }

  private static List<Map<String, Object>> json() {
    Decode d = Decode.run(capture.toString(), "--json");
    assertEquals(0, d.exitCode(), String.join("\n", d.err()));
    return d.out().stream().map(Json::parseObject).toList();
  }

  /**
   * Returns tshark's fields of every frame, one array per frame, empty strings for absent fields.
   */
  private static List<String[]> tshark() throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "tshark",
                "-r",
                capture.toString(),
                "-o",
                "tcp.check_checksum:TRUE",
                "-T",
                "fields"));
    for (String f : FIELDS) {
      cmd.add("-e");
      cmd.add(f);
    }
    List<String[]> rows = new ArrayList<>();
    for (String line : run(cmd.toArray(String[]::new)).split("\n")) {
      if (!line.isBlank()) rows.add(line.split("\t", -1));
    }
    return rows;
  }

  /** Returns the raw TCP checksum field of every frame, as synack's own parser reads it. */
  private static List<Integer> checksumsParsed() throws Exception {
    List<Integer> sums = new ArrayList<>();
    for (PcapRecord r : PcapReader.of(Files.readAllBytes(capture)).readAll()) {
      Parsed<Packets.TcpPacket> p = Packets.parseTcp(r.ipPacket(), false);
      sums.add(p.isOk() ? p.value().segment().checksum() : -1);
    }
    return sums;
  }

  private static String num(Map<String, Object> e, String field) {
    return Long.toString(((Number) e.get(field)).longValue());
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object list) {
    return (List<String>) list;
  }

  /**
   * Returns the first group of {@code regex} in the options text, or empty, as tshark leaves an
   * absent field.
   */
  private static String option(String options, String regex) {
    Matcher m = Pattern.compile(regex).matcher(options);
    return m.find() ? m.group(1) : "";
  }

  private static void requireToolsAndRoot() {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("tcpdump", "tshark", "python3")) {
      if (!onPath(tool)) missing.add(tool);
    }
    if (!"root".equals(System.getProperty("user.name"))) missing.add("root (to capture on lo)");
    if (missing.isEmpty()) return;
    String why = "kernel capture agreement test needs " + String.join(", ", missing);
    if ("true".equals(System.getenv("CI"))) fail(why + " (CI=true: this test must run in CI)");
    Assumptions.assumeTrue(false, why);
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) return true;
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Runs a command to its end and returns its stdout; fails with its stderr if it fails. */
  private static String run(String... cmd) throws Exception {
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + ": timed out");
    }
    if (p.exitValue() != 0)
      fail(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + Files.readString(err));
    return out;
  }

  /**
   * Waits until a process's log holds {@code text}, as tcpdump's "listening on" says it is
   * capturing.
   */
  private static void waitForLine(Path log, String text, Process p) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (Files.exists(log) && Files.readString(log).contains(text)) return;
      if (!p.isAlive()) fail("tcpdump exited: " + Files.readString(log));
      Thread.sleep(50);
    }
    fail("tcpdump did not start capturing: " + Files.readString(log));
  }
}
