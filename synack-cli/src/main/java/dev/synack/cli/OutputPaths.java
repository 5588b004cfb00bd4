package dev.synack.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks, before a run starts, that every output file asked for ({@code --trace}, {@code --pcap},
 * {@code --html}) can be written, so that a bad path is one line on stderr and exit code 2, not an
 * exception once the run is under way or over.
 */
final class OutputPaths {
  private OutputPaths() {}

  /**
   * Checks that {@code file}, given with {@code option}, can be written: it is opened for appending
   * (nothing in it is lost) and closed, and removed again if this check created it.
   *
   * @param file the path, or null when the option was not given (nothing to check)
   * @throws Main.UsageError naming the option, the path and why it cannot be written
   */
  static void check(String option, Path file) {
    if (file == null) return;
    if (Files.isDirectory(file))
      throw new Main.UsageError(option + " " + file + ": is a directory");
    boolean existed = Files.exists(file);
    try (OutputStream probe =
        Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      // Opened: the run will be able to write it.
    } catch (IOException e) {
      throw new Main.UsageError(option + " " + file + ": " + why(file, e));
    }
    if (!existed) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // Left empty; the run writes it anyway.
      }
    }
  }

  /**
   * Checks that no two outputs name the same file: both would write into it and leave neither
   * readable. Each pair is given as option and path; a null path was not asked for.
   *
   * @throws Main.UsageError naming the two options
   */
  static void distinct(String option1, Path file1, String option2, Path file2) {
    if (file1 == null || file2 == null) return;
    if (file1.toAbsolutePath().normalize().equals(file2.toAbsolutePath().normalize())) {
      throw new Main.UsageError(option1 + " and " + option2 + " name the same file: " + file1);
    }
  }

  /** Returns the one-line reason an output could not be opened. */
  private static String why(Path file, IOException e) {
    Path parent = file.toAbsolutePath().getParent();
    return switch (e) {
      case NoSuchFileException x -> "no such directory" + (parent == null ? "" : " " + parent);
      case NotDirectoryException x -> "not a directory: " + parent;
      case AccessDeniedException x -> "permission denied";
      case FileSystemException x when x.getReason() != null ->
          x.getReason().toLowerCase(java.util.Locale.ROOT);
      default -> e.getMessage();
    };
  }
}
