package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The help of {@code synack} and its commands, as read in an 80-column terminal. */
class HelpTest {
  /** Every subcommand but picocli's own {@code help}. */
  private static final List<String> COMMANDS =
      Main.commandLine().getSubcommands().keySet().stream()
          .filter(name -> !name.equals("help"))
          .toList();

  /**
   * One in-process run with help wrapped to 80 columns, as when the terminal's width is unknown.
   */
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    // A developer's wide terminal must not change what this test reads.
    cl.setUsageHelpAutoWidth(false);
    cl.setUsageHelpWidth(Main.HELP_WIDTH);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void synackAlone_listsEveryCommandWithItsWholeSummary_onStderr_exitTwo() {
    Run r = run();
    assertEquals(Main.EXIT_USAGE, r.code());
    assertEquals("", r.out());
    String listing = r.err().replaceAll("\\s+", " ");
    for (String name : COMMANDS) {
      CommandLine sub = Main.commandLine().getSubcommands().get(name);
      String[] header = sub.getCommandSpec().usageMessage().header();
      assertEquals(1, header.length, name + " has a one-line summary");
      assertTrue(header[0].endsWith("."), name + "'s summary is a whole sentence: " + header[0]);
      assertTrue(
          listing.contains(" " + name + " " + header[0]),
          name + " listed with its whole summary in\n" + r.err());
    }
    assertTrue(r.err().contains("help"), r.err());
  }

  @Test
  void help_isTheSameListing_onStdout_exitZero() {
    Run r = run("--help");
    assertEquals(0, r.code());
    assertEquals(run().err(), r.out());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "demo", "serve", "connect", "forward", "run", "decode", "render", "ss", "script",
        "bench", "torture", "help"
      })
  void everyHelp_fitsIn80Columns(String command) {
    Run r = command.isEmpty() ? run("--help") : run(command, "--help");
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().isBlank());
    for (String line : r.out().split("\n")) {
      assertTrue(line.length() <= 80, "longer than 80 columns (" + line.length() + "):\n" + line);
    }
  }

  @Test
  void descriptions_haveNoHardLineBreaks_picocliWrapsThem() {
    // A description element either is a paragraph (wrapped by picocli to the width) or an example
    // line that starts with spaces and fits in 80 columns as it is.
    List<String> bad = new ArrayList<>();
    CommandLine root = Main.commandLine();
    List<CommandLine> all = new ArrayList<>(root.getSubcommands().values());
    all.add(root);
    for (CommandLine cl : all) {
      if (cl.getCommandName().equals("help")) continue; // picocli's own, its %n separate paragraphs
      for (String element : cl.getCommandSpec().usageMessage().description()) {
        if (element.contains("\n") || element.contains("%n"))
          bad.add(cl.getCommandName() + ": " + element);
        if (element.startsWith(" ") && element.length() > 78)
          bad.add(cl.getCommandName() + " (example too wide): " + element);
      }
    }
    assertEquals(List.of(), bad);
  }

  @Test
  void help_wrapsToTheTerminal_80ColumnsWhenUnknown() {
    CommandLine cl = Main.commandLine();
    assertTrue(cl.isUsageHelpAutoWidth());
    assertEquals(80, cl.getUsageHelpWidth());
    assertTrue(cl.getSubcommands().get("serve").isUsageHelpAutoWidth());
  }

  @Test
  void decodeHelp_pointsToNoFileOutsideTheRepository() {
    Run r = run("decode", "--help");
    assertFalse(r.out().contains("DESIGN.md"), r.out());
  }
}
