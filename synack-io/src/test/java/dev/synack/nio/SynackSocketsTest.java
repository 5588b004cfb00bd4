package dev.synack.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code java.net.Socket} and {@code ServerSocket} made with {@code new}, on synack once {@link
 * SynackSockets} has installed its factories: {@link PlainSocketsProgram} runs in a JVM of its own
 * (the factories are set once per JVM) over a simulated network.
 */
class SynackSocketsTest {
  @Test
  void plainSocketsProgram_runsOverSynack_asTheJdkDocuments() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    SynackSockets.class.getName(),
                    PlainSocketsProgram.class.getName()))
            .redirectErrorStream(true)
            .start();
    String out;
    try {
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the program ends");
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("server class: ServerSocket local port 8080"), out);
    assertTrue(out.contains("client connected: 10.0.0.2:8080 from 10.0.0.1 nodelay false"), out);
    assertTrue(out.contains("echoed: kcanys ,olleh nodelay true"), out);
    assertTrue(out.matches("(?s).*server: accepted from 10\\.0\\.0\\.1 to port 8080.*"), out);
    assertTrue(out.contains("timeout: SocketTimeoutException after SO_TIMEOUT 300"), out);
    assertTrue(out.contains("refused: ConnectException"), out);
    assertTrue(out.contains("reuseport: both bound to 8081 true"), out);
    assertTrue(out.contains("reuseport third: BindException"), out);
    assertTrue(out.contains("client port taken: BindException"), out);
    assertTrue(out.contains("client port shared: from 40011 and 40011"), out);
    assertTrue(out.contains("bound port: BindException at the bind"), out);
    assertTrue(out.contains("bound port after close: bound 40012"), out);
  }
}
