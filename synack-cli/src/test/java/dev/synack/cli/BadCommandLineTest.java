package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Command lines that cannot work, in every command: each gets one clear line on stderr and exit
 * code 2 before anything runs (issue 12, "Bad command lines"), never a Java exception's name.
 */
class BadCommandLineTest {
  @TempDir Path dir;

  /**
   * Runs {@code args}, checks exit code 2, nothing on stdout, one line on stderr, and returns it.
   */
  private static String usageError(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(2, code, "exit code of " + String.join(" ", args) + "; stderr: " + err);
    assertEquals("", out.toString(), "stdout of " + String.join(" ", args));
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), "one line on stderr: " + err);
    assertFalse(lines.getFirst().contains("Exception"), lines.getFirst());
    return lines.getFirst();
  }

  @Nested
  class OutputPaths {
    @Test
    void demo_pcapInAMissingDirectory_oneLineBeforeTheRun() {
      assertEquals(
          "synack demo: --pcap /nonexistent-synack/x.pcap: no such directory /nonexistent-synack",
          usageError("demo", "--pcap", "/nonexistent-synack/x.pcap"));
    }

    @Test
    void demo_htmlWrittenAfterTheRun_isCheckedBeforeIt() {
      // Before, the whole demo ran and printed, then the page failed with NoSuchFileException, exit
      // 1.
      assertEquals(
          "synack demo: --html /nonexistent-synack/x.html: no such directory /nonexistent-synack",
          usageError("demo", "--html", "/nonexistent-synack/x.html"));
    }

    @Test
    void demo_traceIsADirectory() {
      assertEquals(
          "synack demo: --trace " + dir + ": is a directory",
          usageError("demo", "--trace", dir.toString()));
    }

    @Test
    void aPathUnderAFile_notADirectory() throws IOException {
      Path file = Files.writeString(dir.resolve("f"), "x");
      String line =
          usageError("torture", "--seed", "1", "--pcap", file.resolve("t.pcap").toString());
      assertTrue(line.startsWith("synack torture: --pcap " + file.resolve("t.pcap") + ": "), line);
      assertTrue(line.contains("not a directory"), line);
    }

    @Test
    void theCheck_neitherTruncatesAnExistingFile_norLeavesANewOne() throws IOException {
      Path kept = Files.writeString(dir.resolve("old.jsonl"), "kept\n");
      Path fresh = dir.resolve("new.pcap");
      usageError(
          "demo",
          "--trace",
          kept.toString(),
          "--pcap",
          fresh.toString(),
          "--html",
          "/nonexistent-synack/x.html");
      assertEquals("kept\n", Files.readString(kept));
      assertFalse(Files.exists(fresh), "the check removes the file it created");
    }

    @Test
    void twoOutputsNamingOneFile_refused() {
      Path f = dir.resolve("same");
      assertEquals(
          "synack demo: --trace and --pcap name the same file: " + f,
          usageError("demo", "--trace", f.toString(), "--pcap", f.toString()));
      assertEquals(
          "synack serve: --trace and --pcap name the same file: " + f,
          usageError(
              "serve",
              "--udp",
              "127.0.0.1:0",
              "--addr",
              "10.0.0.2",
              "--trace",
              f.toString(),
              "--pcap",
              dir.resolve("x/../same").toString()));
    }

    @Test
    void script_trace() throws IOException {
      Path script =
          Files.writeString(dir.resolve("a.pkt"), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
      assertEquals(
          "synack script: --trace /nonexistent-synack/t.jsonl: no such directory /nonexistent-synack",
          usageError("script", "--trace", "/nonexistent-synack/t.jsonl", script.toString()));
    }

    @Test
    void serveAndConnect_checkedBeforeTheLinkOpens() {
      // A UDP link on a port that nothing needs: the outputs are refused before it is opened.
      assertEquals(
          "synack serve: --pcap /nonexistent-synack/s.pcap: no such directory /nonexistent-synack",
          usageError(
              "serve",
              "--udp",
              "127.0.0.1:0",
              "--addr",
              "10.0.0.2",
              "--pcap",
              "/nonexistent-synack/s.pcap"));
      assertEquals(
          "synack connect: --trace " + dir + ": is a directory",
          usageError(
              "connect",
              "--udp",
              "127.0.0.1:0",
              "--peer",
              "127.0.0.1:9",
              "--addr",
              "10.0.0.1",
              "--trace",
              dir.toString(),
              "10.0.0.2",
              "7"));
    }
  }

  @Nested
  class Addresses {
    @ParameterizedTest
    @ValueSource(
        strings = {
          "0.0.0.0",
          "::",
          "255.255.255.255",
          "224.0.0.1",
          "239.1.2.3",
          "ff02::1",
          "127.0.0.1",
          "127.1.2.3",
          "::1",
          "0.1.2.3"
        })
    void serve_addrAHostCannotOwn_refused(String address) {
      String line = usageError("serve", "--udp", "127.0.0.1:0", "--addr", address, "--echo");
      assertTrue(line.startsWith("synack serve: --addr " + address + " is "), line);
      assertTrue(line.contains(": a host cannot own it"), line);
    }

    @Test
    void serve_kindNamed() {
      assertEquals(
          "synack serve: --addr 255.255.255.255 is the limited broadcast address: a host cannot own it"
              + " (give a unicast address, as 10.0.0.2 or fd00::2)",
          usageError("serve", "--udp", "127.0.0.1:0", "--addr", "255.255.255.255"));
      assertTrue(
          usageError("serve", "--udp", "127.0.0.1:0", "--addr", "224.0.0.1")
              .contains("is a multicast address"));
      assertTrue(
          usageError("serve", "--udp", "127.0.0.1:0", "--addr", "0.0.0.0")
              .contains("is the unspecified address"));
      assertTrue(
          usageError("serve", "--udp", "127.0.0.1:0", "--addr", "::1")
              .contains("is a loopback address"));
    }

    @Test
    void connect_ownAddressAndPeerBoth() {
      assertTrue(
          usageError(
                  "connect",
                  "--udp",
                  "127.0.0.1:0",
                  "--peer",
                  "127.0.0.1:9",
                  "--addr",
                  "0.0.0.0",
                  "10.0.0.2",
                  "7")
              .startsWith("synack connect: --addr 0.0.0.0 is the unspecified address"));
      assertEquals(
          "synack connect: HOST 224.0.0.1 is a multicast address: TCP connects to one unicast host on the link",
          usageError(
              "connect",
              "--udp",
              "127.0.0.1:0",
              "--peer",
              "127.0.0.1:9",
              "--addr",
              "10.0.0.1",
              "224.0.0.1",
              "7"));
    }
  }

  @Test
  void anUnexpectedFailure_isDescribedInWords_notByItsExceptionClass() {
    assertEquals(
        "no such file or directory: /x/y",
        Main.describe(new java.nio.file.NoSuchFileException("/x/y")));
    assertEquals(
        "permission denied: /x", Main.describe(new java.nio.file.AccessDeniedException("/x")));
    assertEquals(
        "/: Is a directory",
        Main.describe(new java.nio.file.FileSystemException("/", null, "Is a directory")));
    assertEquals(
        "no such file or directory: /z",
        Main.describe(
            new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("/z"))));
    assertEquals("broken pipe", Main.describe(new java.io.IOException("broken pipe")));
    assertEquals("NullPointerException", Main.describe(new NullPointerException()));
  }

  @Test
  void connect_toItsOwnAddress_refused() {
    assertEquals(
        "synack connect: HOST 10.0.0.1 is synack's own --addr: give the peer's address",
        usageError(
            "connect",
            "--udp",
            "127.0.0.1:0",
            "--peer",
            "127.0.0.1:9",
            "--addr",
            "10.0.0.1",
            "10.0.0.1",
            "7"));
  }

  @Nested
  class Scripts {
    @Test
    void anEmptyScript_checksNothing_isAnError_notAPass() throws IOException {
      Path script = Files.writeString(dir.resolve("empty.pkt"), "");
      assertEquals(
          "synack script: "
              + script
              + ": nothing to check: the script is empty, and a script that checks"
              + " nothing cannot pass",
          usageError("script", script.toString()));
    }

    @Test
    void onlyComments_checksNothing() throws IOException {
      Path script =
          Files.writeString(dir.resolve("c.pkt"), "// a comment\n/* and\n another */\n\n");
      assertTrue(
          usageError("script", script.toString())
              .contains(": nothing to check: the script is only comments"));
    }

    @Test
    void aCaptureGivenAsAScript_isNoScript() throws IOException {
      Path pcap = Decode.repoRoot().resolve("examples/handshake.pcap");
      assertEquals(
          "synack script: "
              + pcap
              + ": not a script: not UTF-8 text (a capture or other binary file?)",
          usageError("script", pcap.toString()));
    }

    @Test
    void latin1Text_notUtf8_oneLine() throws IOException {
      Path script =
          Files.write(
              dir.resolve("l.pkt"),
              "// caf\u00e9\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      assertTrue(
          usageError("script", script.toString())
              .endsWith(": not a script: not UTF-8 text (a capture or other" + " binary file?)"));
    }

    @Test
    void oneBadFileInADirectory_nothingRuns() throws IOException {
      Files.writeString(dir.resolve("a.pkt"), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
      Files.writeString(dir.resolve("b.pkt"), "   \n");
      assertTrue(usageError("script", dir.toString()).contains("b.pkt: nothing to check"));
    }
  }

  @Nested
  class Bench {
    @Test
    void onlyEmpty_isAnError_notTheFullRun() {
      String line = usageError("bench", "--only", "");
      assertTrue(line.startsWith("synack bench: --only needs figure names"), line);
    }

    @Test
    void onlyANameThatMatchesNothing_beforeAnythingIsMeasured() {
      String line = usageError("bench", "--only", "sim-bulk,sim-blk");
      assertTrue(
          line.startsWith(
              "synack bench: --only sim-blk matches no figure (one of: sim-bulk-mtu65535, "),
          line);
    }
  }

  @Nested
  class Demo {
    @ParameterizedTest
    @ValueSource(strings = {"--delay", "--loss", "--reorder", "--dup"})
    void notANumber_refused(String option) {
      String line = usageError("demo", option, "NaN");
      assertTrue(
          line.startsWith("synack demo: --loss, --delay, --reorder and --dup take finite numbers"),
          line);
    }
  }
}
