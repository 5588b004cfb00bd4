package dev.synack.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code synack} command: parses the command line and runs one subcommand. */
@Command(
    name = "synack",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "A complete TCP/IP stack in pure Java, in user space, that shows what it does.",
      "",
      "'synack COMMAND --help' tells what a command does and lists its options."
    },
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
  /** The width help wraps to when the terminal's is unknown. */
  static final int HELP_WIDTH = 80;

  @Spec CommandSpec spec;

  /** Exit code for a bad command line, as for every usage error. */
  static final int EXIT_USAGE = 2;

  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, UTF_8),
            new PrintWriter(System.err, true, UTF_8)));
  }

  /**
   * Runs the command line and returns the exit code; output goes to {@code out} and {@code err}.
   */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** Returns the command line with every subcommand and the one-line usage-error handler. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    for (Object sub : Subcommands.all()) {
      cl.addSubcommand(sub);
    }
    // Help wraps to the terminal's width, or to 80 columns when it cannot be known (a pipe, a
    // test).
    // Set after the subcommands are added, so that it reaches them too.
    cl.setUsageHelpWidth(HELP_WIDTH);
    cl.setUsageHelpAutoWidth(true);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          // One clear line and exit code 2, instead of the whole usage text.
          String where = ex.getCommandLine().getCommandName();
          String prefix = where.equals("synack") ? "synack" : "synack " + where;
          // Picocli starts the messages of argument groups with "Error: ", which the prefix already
          // says.
          String message = ex.getMessage().replaceFirst("^Error: ", "");
          ex.getCommandLine()
              .getErr()
              .println(prefix + ": " + message + " (see '" + prefix + " --help')");
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof UsageError u) {
            commandLine
                .getErr()
                .println("synack " + commandLine.getCommandName() + ": " + u.getMessage());
            return EXIT_USAGE;
          }
          commandLine
              .getErr()
              .println("synack " + commandLine.getCommandName() + ": " + describe(ex));
          return 1;
        });
    return cl;
  }

  /**
   * Lists the commands when none is given. As git does, the listing is the answer to an incomplete
   * command line, so it is a usage error: on standard error, exit code 2.
   */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    spec.commandLine().getErr().flush();
    return EXIT_USAGE;
  }

  /**
   * Returns one line saying what went wrong, in words rather than an exception's class name: the
   * file exceptions of java.nio carry only the path as their message, so their kind is put in
   * words.
   */
  static String describe(Throwable ex) {
    return switch (ex) {
      case java.nio.file.NoSuchFileException e -> "no such file or directory: " + e.getFile();
      case java.nio.file.AccessDeniedException e -> "permission denied: " + e.getFile();
      case java.nio.file.FileAlreadyExistsException e -> "already exists: " + e.getFile();
      case java.nio.file.NotDirectoryException e -> "not a directory: " + e.getFile();
      case java.nio.file.FileSystemException e when e.getReason() != null ->
          e.getFile() + ": " + e.getReason();
      case java.io.UncheckedIOException e when e.getCause() != null -> describe(e.getCause());
      default ->
          ex.getMessage() != null && !ex.getMessage().isBlank()
              ? ex.getMessage()
              : ex.getClass().getSimpleName();
    };
  }

  /** A bad value on the command line found after parsing: one line on stderr, exit code 2. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message);
    }
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) p.load(in);
      }
      return new String[] {
        "synack " + p.getProperty("version", "unknown"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
