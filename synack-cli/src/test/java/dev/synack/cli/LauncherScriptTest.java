package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JVM options {@code bin/synack} gives each command, asked of the script itself. */
class LauncherScriptTest {
  private static String jvmOptions(String command) throws IOException, InterruptedException {
    Path script = Decode.repoRoot().resolve("bin/synack");
    ProcessBuilder pb =
        new ProcessBuilder("sh", script.toString(), command).redirectErrorStream(true);
    pb.environment().put("SYNACK_PRINT_JVM_OPTS", "1");
    pb.environment().remove("SYNACK_JAVA_OPTS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bin/synack ended");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void torture_runsWithTheOptimisingCompiler() throws Exception {
    // -XX:TieredStopAtLevel=1 (C1 alone) makes long torture runs several times slower.
    assertFalse(jvmOptions("torture").contains("TieredStopAtLevel"), jvmOptions("torture"));
  }

  @Test
  void shortCommands_startFastWithC1Alone() throws Exception {
    assertTrue(jvmOptions("demo").contains("-XX:TieredStopAtLevel=1"), jvmOptions("demo"));
  }

  @Test
  void nativeAccess_ioAlone_forEveryCommandTheBenchToo() throws Exception {
    // The bench's setns and descriptor limit go through io (NetworkNamespace, OpenFileLimit): with
    // --illegal-native-access=deny an FFM call from the CLI module would kill it.
    for (String command : List.of("demo", "serve", "bench", "torture", "connect")) {
      List<String> options = List.of(jvmOptions(command).split(" "));
      assertTrue(
          options.contains("--enable-native-access=dev.synack.io"), command + ": " + options);
      assertFalse(
          options.stream().anyMatch(o -> o.contains("dev.synack.cli")), command + ": " + options);
    }
  }
}
