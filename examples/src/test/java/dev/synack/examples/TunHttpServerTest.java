package dev.synack.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's TUN example, run as the README runs it, in a network namespace of its own: its main
 * in a JVM of its own on the module path, with native access for {@code dev.synack.io} alone, and
 * the kernel's curl as the client. Needs root (skipped with one line elsewhere, run in CI).
 */
class TunHttpServerTest {
  @Test
  void main_onATunDevice_answersTheKernelsCurl() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("curl", "curl");
    String device = NetnsFixture.uniqueName("skx");
    try (NetnsFixture ns = NetnsFixture.create()) {
      NetnsFixture.Started server =
          ns.start(
              java(),
              "--module-path",
              modulePath(),
              "--enable-native-access=dev.synack.io",
              "--illegal-native-access=deny",
              "--module",
              "dev.synack.examples/dev.synack.examples.TunHttpServer",
              device);
      assertTrue(
          server.awaitOutput(
              "listening on http://192.0.2.2/ (" + device + ")", Duration.ofSeconds(30)),
          server.outputSoFar());

      NetnsFixture.Result curl =
          ns.exec(
              Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "http://192.0.2.2/hello");
      assertEquals(
          new NetnsFixture.Result(0, "Hello from synack; you sent GET /hello HTTP/1.1"),
          curl,
          server.outputSoFar());
      server.kill();
      assertFalse(server.outputSoFar().contains("request failed"), server.outputSoFar());
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Returns this build's main classes and jars of the examples, core and io: no tests, no JUnit.
   */
  private static String modulePath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(
            e ->
                (e.endsWith("/classes") && !e.endsWith("test-classes"))
                    || (e.matches(".*/synack-(core|io)-[^/]*\\.jar") && !e.endsWith("-tests.jar")))
        .collect(Collectors.joining(File.pathSeparator));
  }
}
