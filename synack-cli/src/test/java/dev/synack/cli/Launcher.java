package dev.synack.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes {@code bin/synack} under a directory: the command as the README runs it, but on this
 * build's classes (the real launcher would rebuild the jar, which the test phase has not packaged
 * yet). Tests run it in a process of its own, inside a namespace, to send it signals.
 */
final class Launcher {
  private Launcher() {}

  /** Writes {@code dir/bin/synack} and returns its path. */
  static Path write(Path dir) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script =
        "#!/bin/sh\nexec '"
            + java
            + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
            + " --enable-native-access=ALL-UNNAMED -cp '"
            + System.getProperty("java.class.path")
            + "' dev.synack.cli.Main \"$@\"\n";
    Path launcher = bin.resolve("synack");
    Files.writeString(launcher, script);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    return launcher;
  }
}
