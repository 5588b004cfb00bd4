package dev.synack.cli;

import dev.synack.lesson.HtmlReport;
import dev.synack.lesson.Sentence;
import dev.synack.wire.PcapFormatException;
import dev.synack.wire.PcapReader;
import dev.synack.wire.PcapRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code synack decode FILE [--json]}: explains a pcap or pcapng capture, segment by segment. */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    header = "Explains a pcap or pcapng capture, segment by segment.",
    description = {
      "Explains a pcap or pcapng capture: one tcpdump-like line per TCP segment (sequence and"
          + " acknowledgment numbers relative to each direction's ISN, as Wireshark shows them; --absolute for"
          + " the numbers on the wire, as tcpdump -S), then each connection: its ladder, the TCP states both"
          + " ends went through and what each step means (in --lang), and a summary."
    })
final class DecodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description =
          "the capture: pcap (µs or ns, either byte order) or pcapng; - reads standard input, as tcpdump -r -")
  Path file;

  /** Where {@code -} reads from; the process's own standard input by default. */
  InputStream stdin = System.in;

  @Option(
      names = "--json",
      description =
          "print one JSON trace event per line instead (t, host, conn, event, flags, seq, ack, win, len, options: the fields of synack's own traces)")
  boolean json;

  @Option(
      names = "--conn",
      paramLabel = "N|ENDPOINT",
      description =
          "show only this connection: its number (as the listing counts them) or an endpoint it has (10.0.0.2:80)")
  String conn;

  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description =
          "also write the connections shown as one self-contained HTML page (the ladder and its states)")
  Path html;

  @Option(
      names = "--absolute",
      description =
          "show the sequence and acknowledgment numbers on the wire instead of relative ones")
  boolean absolute;

  @Option(
      names = "--lang",
      paramLabel = "en|zh",
      defaultValue = "en",
      description =
          "language of the narration and of the HTML page: en or zh (default: ${DEFAULT-VALUE})")
  String lang;

  @Override
  public Integer call() {
    if (!lang.equals("en") && !lang.equals("zh"))
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    byte[] bytes;
    try {
      bytes = file.toString().equals("-") ? stdin.readAllBytes() : Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new Main.UsageError("no such file: " + file);
    } catch (IOException e) {
      throw new Main.UsageError("cannot read " + file + ": " + e.getMessage());
    }
    PcapReader reader;
    try {
      reader = PcapReader.of(bytes);
    } catch (PcapFormatException e) {
      throw new Main.UsageError(file + ": " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    CaptureDecoder decoder =
        new CaptureDecoder(out, json, ZoneId.systemDefault(), conn, absolute, lang);
    String error = null;
    try {
      for (PcapRecord r = reader.next(); r != null; r = reader.next()) {
        decoder.record(r);
      }
    } catch (PcapFormatException e) {
      // What was read before the damage is still shown, as tcpdump does with a cut-off capture.
      error = e.getMessage();
    }
    decoder.finish();
    if (conn != null
        && conn.matches("\\d+")
        && (Integer.parseInt(conn) < 1 || Integer.parseInt(conn) > decoder.connectionCount())) {
      throw new Main.UsageError(
          "--conn "
              + conn
              + ": the capture has "
              + decoder.connectionCount()
              + " connection"
              + (decoder.connectionCount() == 1 ? "" : "s"));
    }
    if (html != null) writeHtml(decoder);
    out.flush();
    if (error != null) {
      spec.commandLine().getErr().println("synack decode: " + file + ": " + error);
      return Main.EXIT_USAGE;
    }
    return 0;
  }

  private void writeHtml(CaptureDecoder decoder) {
    try (Writer w = Files.newBufferedWriter(html, StandardCharsets.UTF_8)) {
      HtmlReport.write(
          decoder.shownEvents(),
          HtmlReport.Options.defaults()
              .withTitle(
                  Sentence.of(Sentence.Kind.DECODE_TITLE, "file", file.getFileName()).in(lang))
              .withHosts(decoder.shownHosts())
              .withLang(lang)
              .withRelativeSeq(!absolute),
          w);
    } catch (IOException e) {
      throw new Main.UsageError("cannot write " + html + ": " + e.getMessage());
    }
    spec.commandLine()
        .getOut()
        .println(Sentence.of(Sentence.Kind.WROTE_HTML, "file", html).in(lang));
  }
}
