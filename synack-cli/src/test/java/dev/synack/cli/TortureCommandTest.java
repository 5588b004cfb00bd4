package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.LinkStats;
import dev.synack.sim.Torture;
import dev.synack.sim.TortureParameters;
import dev.synack.sim.TortureResult;
import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.PcapReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code synack torture}, run in this JVM: one seed with its files, many seeds with a summary, bad
 * input.
 */
class TortureCommandTest {
  @TempDir Path dir;

  /** One in-process run of {@code synack torture}: its exit code and its output. */
  record Run(int exitCode, String out, List<String> err) {
    static Run of(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      String[] all = new String[args.length + 1];
      all[0] = "torture";
      System.arraycopy(args, 0, all, 1, args.length);
      int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
      String e = err.toString();
      return new Run(code, out.toString(), e.isEmpty() ? List.of() : List.of(e.split("\n")));
    }

    String ok() {
      assertEquals(
          0, exitCode, "exit code; stderr:\n" + String.join("\n", err) + "\nstdout:\n" + out);
      return out;
    }
  }

  /**
   * The first seed from 0 with a little data and some loss each way: a small trace with
   * retransmissions.
   */
  static long smallLossySeed() {
    return LongStream.range(0, 10_000)
        .filter(
            s -> {
              TortureParameters p = TortureParameters.derive(s);
              return p.totalBytes() > 1000
                  && p.totalBytes() < 20_000
                  && p.clientToServer().loss() > 0.1
                  && p.serverToClient().loss() > 0.1;
            })
        .findFirst()
        .orElseThrow();
  }

  @Nested
  class OneSeed {
    @Test
    void seed_printsItsParametersAndPass() {
      String out = Run.of("--seed", "42").ok();
      assertTrue(out.startsWith("synack torture: seed 42\n"), out);
      for (String line : TortureParameters.derive(42).describe())
        assertTrue(out.contains(line), line + " in\n" + out);
      assertTrue(out.contains("client read "), out);
      assertTrue(out.strip().endsWith("PASS"), out);
    }

    @Test
    void sameSeed_sameOutput() {
      assertEquals(Run.of("--seed", "7").ok(), Run.of("--seed", "7").ok());
    }

    @Test
    void traceAndPcapAndHtml_describeTheRunThatWasPrinted() throws Exception {
      long seed = smallLossySeed();
      Path trace = dir.resolve("t.jsonl");
      Path pcap = dir.resolve("t.pcap");
      Path html = dir.resolve("t.html");

      String out =
          Run.of(
                  "--seed",
                  Long.toString(seed),
                  "--trace",
                  trace.toString(),
                  "--pcap",
                  pcap.toString(),
                  "--html",
                  html.toString())
              .ok();

      assertTrue(
          out.contains("trace: " + trace)
              && out.contains("pcap: " + pcap)
              && out.contains("html: " + html),
          out);
      List<TraceEvent> events = JsonLines.parseAll(Files.readString(trace));
      for (String host : TraceOutputs.HOSTS) {
        List<String> states =
            events.stream()
                .filter(e -> e instanceof TraceEvent.StateChange && e.host().equals(host))
                .map(e -> ((TraceEvent.StateChange) e).to())
                .toList();
        assertTrue(states.contains("ESTABLISHED"), host + ": " + states);
        assertEquals("CLOSED", states.getLast(), host + ": " + states);
      }
      assertTrue(
          events.stream().anyMatch(e -> e.eventName().equals("retransmit")),
          "the losses were repaired");
      // Every packet a host sent is in the pcap, as the printed link counters count them.
      Matcher sent = Pattern.compile("(\\d+) packets sent").matcher(out);
      long packets = 0;
      while (sent.find()) packets += Long.parseLong(sent.group(1));
      assertEquals(packets, PcapReader.of(Files.readAllBytes(pcap)).readAll().size());
      String page = Files.readString(html, StandardCharsets.UTF_8);
      assertTrue(
          page.contains("<svg") && page.contains("synack torture: seed " + seed),
          "an SVG ladder, titled");
    }
  }

  @Nested
  class ManySeeds {
    @Test
    void seeds_printASummaryOfRunsFromTheFirst() {
      String out = Run.of("--seeds", "12", "--from", "500").ok();
      assertTrue(out.startsWith("synack torture: seeds 500 to 511\n"), out);
      assertTrue(out.contains("12 runs: 12 passed, 0 failed;"), out);
    }

    @Test
    void aFailedRun_isPrintedWithItsReplayCommand_andExitsOne() {
      TortureResult passed = Torture.run(1);
      LinkStats none = new LinkStats(0, 0, 0, 0, 0, 0, 0, Map.of());
      TortureResult failed =
          new TortureResult(
              TortureParameters.derive(2),
              false,
              "client ended in FIN_WAIT_2",
              1,
              1,
              0,
              0,
              none,
              none,
              0,
              0);
      StringWriter text = new StringWriter();

      int code = TortureCommand.summarise(List.of(passed, failed), new PrintWriter(text, true));

      assertEquals(1, code);
      assertTrue(
          text.toString()
              .contains(
                  "FAIL seed 2: client ended in FIN_WAIT_2\n"
                      + "  replay: bin/synack torture --seed 2 --trace torture-2.jsonl\n"),
          text.toString());
      assertTrue(text.toString().contains("2 runs: 1 passed, 1 failed;"), text.toString());
    }
  }

  @Nested
  class BadInput {
    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          "--seed 1 --seeds 2",
          "--seeds 0",
          "--seeds -3",
          "--seed x",
          "--seeds 2 --trace t.jsonl",
          "--seed 1 --from 5",
          "--seeds 2 --from",
          "--bogus"
        })
    void badCommandLine_oneLineOnStderr_exitTwo(String args) {
      Run r = Run.of(args.isEmpty() ? new String[0] : args.split(" "));
      assertEquals(2, r.exitCode(), r.toString());
      assertEquals(1, r.err().size(), r.err().toString());
      assertTrue(r.err().getFirst().startsWith("synack torture: "), r.err().getFirst());
      assertEquals("", r.out());
    }
  }
}
