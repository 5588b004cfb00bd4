package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.nio.HttpHello;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code synack run}: the program's command line, its usage errors, and an unmodified JDK
 * HttpServer on a TUN device for curl.
 */
class RunCommandTest {
  @Nested
  class CommandLine {
    private List<String> command(String... args) {
      picocli.CommandLine cl = Main.commandLine();
      RunCommand run = (RunCommand) cl.getSubcommands().get("run").getCommand();
      cl.parseArgs(prepend("run", args));
      return run.command("java", "SYNACK");
    }

    private static String[] prepend(String first, String... rest) {
      String[] all = new String[rest.length + 1];
      all[0] = first;
      System.arraycopy(rest, 0, all, 1, rest.length);
      return all;
    }

    @Test
    void tun_classPathGiven_synackJoinsIt_andTheLinkBecomesProperties() {
      assertEquals(
          List.of(
              "java",
              "--enable-native-access=ALL-UNNAMED",
              "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
              "-Djava.nio.channels.spi.SelectorProvider=dev.synack.nio.SynackSelectorProvider",
              "-Dsynack.addr=10.0.0.2",
              "-Dsynack.tun=synack0",
              "-Dsynack.host-addr=10.0.0.1/24",
              "-Xmx64m",
              "-cp",
              "app.jar" + File.pathSeparator + "SYNACK",
              "dev.synack.nio.SynackSockets",
              "my.Main",
              "a",
              "-b"),
          command(
              "--tun",
              "synack0",
              "--addr",
              "10.0.0.2",
              "--host-addr",
              "10.0.0.1/24",
              "--",
              "-Xmx64m",
              "-cp",
              "app.jar",
              "my.Main",
              "a",
              "-b"));
    }

    @Test
    void udp_noClassPath_theDefaultOneAndSynack() {
      List<String> cmd =
          command(
              "--udp",
              "127.0.0.1:9000",
              "--peer",
              "127.0.0.1:9001",
              "--addr",
              "10.0.0.1",
              "--",
              "my.Main");
      assertTrue(
          cmd.containsAll(List.of("-Dsynack.udp=127.0.0.1:9000", "-Dsynack.peer=127.0.0.1:9001")),
          cmd.toString());
      assertEquals(
          List.of("dev.synack.nio.SynackSockets", "my.Main"),
          cmd.subList(cmd.size() - 2, cmd.size()),
          "the program's main runs through the launcher that puts new Socket() on synack");
      assertTrue(cmd.get(cmd.size() - 3).endsWith(File.pathSeparator + "SYNACK"), cmd.toString());
    }

    @Test
    void sourceFile_runsAsGiven_theLauncherCompilesIt() {
      List<String> cmd =
          command("--udp", "127.0.0.1:9000", "--addr", "10.0.0.1", "--", "Hello.java", "x");
      assertEquals(List.of("Hello.java", "x"), cmd.subList(cmd.size() - 2, cmd.size()));
      assertTrue(cmd.get(cmd.size() - 3).endsWith(File.pathSeparator + "SYNACK"), cmd.toString());
    }

    @Test
    void module_runsAsGiven_synackOnTheClassPath() {
      List<String> cmd =
          command(
              "--tun", "t0", "--addr", "10.0.0.2", "--", "-m", "jdk.httpserver", "-b", "0.0.0.0");
      assertEquals(
          List.of("-cp", "SYNACK", "-m", "jdk.httpserver", "-b", "0.0.0.0"),
          cmd.subList(cmd.size() - 6, cmd.size()));
    }

    @Test
    void loops_becomeAProperty() {
      List<String> cmd =
          command("--tun", "t0", "--addr", "10.0.0.2", "--loops", "2", "--", "my.Main");
      assertTrue(cmd.contains("-Dsynack.loops=2"), cmd.toString());
      assertTrue(
          command("--tun", "t0", "--addr", "10.0.0.2", "--", "my.Main").stream()
              .noneMatch(a -> a.startsWith("-Dsynack.loops")));
    }

    @Test
    void badArguments_oneLineAndExitCode2() {
      assertUsage(
          "synack run: --loops above 1 needs --tun (one queue per loop)",
          "run",
          "--udp",
          "127.0.0.1:9000",
          "--addr",
          "10.0.0.2",
          "--loops",
          "2",
          "--",
          "my.Main");
      assertUsage(
          "synack run: --loops must be 0..256: -1",
          "run",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--loops",
          "-1",
          "--",
          "my.Main");
      assertUsage(
          "synack run: no main class, -m or -jar among the java arguments: -Xmx1g",
          "run",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--",
          "-Xmx1g");
      assertUsage(
          "synack run: --addr must be an IP address, as 10.0.0.2 or fd00::2: nowhere",
          "run",
          "--tun",
          "t0",
          "--addr",
          "nowhere",
          "--",
          "my.Main");
      assertUsage(
          "synack run: --host-addr must be IP/PREFIX, as 10.0.0.1/24: 10.0.0.1",
          "run",
          "--tun",
          "t0",
          "--addr",
          "10.0.0.2",
          "--host-addr",
          "10.0.0.1",
          "--",
          "my.Main");
    }

    private void assertUsage(String message, String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
      assertEquals(2, code, err.toString());
      assertEquals(message, err.toString().strip());
    }
  }

  @Test
  void jdkHttpServer_runOverSynackOnATunDevice_curlFromTheKernelGetsItsPage() throws Exception {
    String app =
        Path.of(HttpHello.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    String page = curlFromTheKernel("listening", "/", "-cp", app, "dev.synack.nio.HttpHello");
    assertEquals("hello over dev.synack.nio.SynackSelectorProvider", page);
  }

  /**
   * With two loops on two queues of the device, the program's server channel listens on both, so
   * every connection curl opens is answered, whichever loop its addresses and ports hash to.
   */
  @Test
  void loops2_jdkHttpServerOnAMultiqueueTunDevice_everyCurlConnectionGetsThePage()
      throws Exception {
    String app =
        Path.of(HttpHello.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    List<String> pages =
        curlFromTheKernel(
            List.of("--loops", "2"), 16, "listening", "/", "-cp", app, "dev.synack.nio.HttpHello");
    assertEquals(16, pages.size());
    for (String page : pages)
      assertEquals("hello over dev.synack.nio.SynackSelectorProvider", page);
  }

  @Test
  void jwebserverModule_asTheHelpShows_servesAFileToCurl(@TempDir Path site) throws Exception {
    Files.writeString(site.resolve("index.txt"), "a file served by the JDK's jwebserver on synack");
    String page =
        curlFromTheKernel(
            "Serving",
            "/index.txt",
            "-m",
            "jdk.httpserver",
            "-b",
            "0.0.0.0",
            "-p",
            "8080",
            "-d",
            site.toString());
    assertEquals("a file served by the JDK's jwebserver on synack", page);
  }

  @Test
  void udpTunnel_noPrivileges_synackConnectGetsThePageFromTheProgram(@TempDir Path dir)
      throws Exception {
    String app =
        Path.of(HttpHello.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    String java = ProcessHandle.current().info().command().orElseThrow();
    String cp = System.getProperty("java.class.path");
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String marker = "-Dsynack.test.marker=" + dir.getFileName();
    NetnsFixture.Started run =
        NetnsFixture.Started.here(
            null,
            java,
            "-cp",
            cp,
            "dev.synack.cli.Main",
            "run",
            "--udp",
            "127.0.0.1:" + port,
            "--addr",
            "10.0.0.2",
            "--",
            marker,
            "-cp",
            app,
            "dev.synack.nio.HttpHello");
    try {
      assertTrue(run.awaitOutput("listening", Duration.ofSeconds(60)), run.outputSoFar());
      Path request =
          Files.writeString(dir.resolve("request"), "GET / HTTP/1.0\r\nHost: 10.0.0.2\r\n\r\n");
      NetnsFixture.Result r =
          NetnsFixture.Started.here(
                  request,
                  java,
                  "-cp",
                  cp,
                  "dev.synack.cli.Main",
                  "connect",
                  "--udp",
                  "127.0.0.1:0",
                  "--peer",
                  "127.0.0.1:" + port,
                  "--addr",
                  "10.0.0.1",
                  "10.0.0.2",
                  "8080")
              .await(Duration.ofSeconds(60));
      assertEquals(0, r.exitCode(), r.output() + "\n" + run.outputSoFar());
      assertTrue(r.output().startsWith("HTTP/1.1 200 OK"), r.output());
      assertTrue(
          r.output().endsWith("hello over dev.synack.nio.SynackSelectorProvider"), r.output());
    } finally {
      run.terminate(Duration.ofSeconds(15));
      killLeftovers(marker);
    }
  }

  /** Ends the program's JVM, a child of synack run, by its id if the forwarded SIGTERM did not. */
  private static void killLeftovers(String marker) {
    ProcessHandle.allProcesses()
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Runs {@code synack run} on a TUN device in a namespace of its own with {@code javaArgs}, waits
   * for {@code ready} in its output, and returns what curl on the kernel's side gets from port
   * 8080.
   */
  private static String curlFromTheKernel(String ready, String path, String... javaArgs)
      throws Exception {
    return curlFromTheKernel(List.of(), 1, ready, path, javaArgs).getFirst();
  }

  /**
   * As {@link #curlFromTheKernel(String, String, String...)}, with {@code runArgs} for synack run,
   * and {@code times} curls, one connection each.
   */
  private static List<String> curlFromTheKernel(
      List<String> runArgs, int times, String ready, String path, String... javaArgs)
      throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("curl", "curl");
    String java = ProcessHandle.current().info().command().orElseThrow();
    try (NetnsFixture ns = NetnsFixture.create()) {
      String marker = "-Dsynack.test.marker=" + ns.name();
      List<String> command =
          new ArrayList<>(
              List.of(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.synack.cli.Main",
                  "run",
                  "--tun",
                  "synack0",
                  "--addr",
                  "10.99.0.2",
                  "--host-addr",
                  "10.99.0.1/24"));
      command.addAll(runArgs);
      command.addAll(List.of("--", marker));
      command.addAll(List.of(javaArgs));
      NetnsFixture.Started run = ns.start(command.toArray(String[]::new));
      try {
        assertTrue(run.awaitOutput(ready, Duration.ofSeconds(60)), run.outputSoFar());
        int loops =
            runArgs.contains("--loops")
                ? Integer.parseInt(runArgs.get(runArgs.indexOf("--loops") + 1))
                : 1;
        if (loops > 1) {
          NetnsFixture.Result link =
              ns.exec(Duration.ofSeconds(10), "ip", "-d", "link", "show", "synack0");
          assertTrue(
              link.output().contains("multi_queue numqueues " + loops),
              "a queue per loop: " + link.output());
        }
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < times; i++) {
          NetnsFixture.Result r =
              ns.exec(
                  Duration.ofSeconds(30),
                  "curl",
                  "-sS",
                  "--max-time",
                  "20",
                  "http://10.99.0.2:8080" + path);
          assertEquals(
              0, r.exitCode(), "curl " + (i + 1) + ": " + r.output() + "\n" + run.outputSoFar());
          pages.add(r.output());
        }
        return pages;
      } finally {
        run.terminate(Duration.ofSeconds(15));
        killLeftovers(marker);
      }
    }
  }
}
