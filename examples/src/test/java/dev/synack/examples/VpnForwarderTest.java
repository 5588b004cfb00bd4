package dev.synack.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The VPN example run as a VPN app is: a "platform" (python3 here) makes the TUN device in the
 * client namespace, gives it its address and default route, and hands the open descriptor to the
 * app, which runs with its own sockets in another namespace (as Android's {@code protect()} keeps
 * an app's sockets off its VPN). The kernel's curl in the client namespace reaches a server only
 * the app's namespace can reach. Needs root (skipped with one line elsewhere, run in CI).
 */
class VpnForwarderTest {
  /**
   * Opens /dev/net/tun as NAME (TUNSETIFF, IFF_TUN | IFF_NO_PI), keeps it across exec, and execs
   * the rest.
   */
  static final String PLATFORM =
      "import fcntl,os,struct,sys\n"
          + "fd=os.open('/dev/net/tun',os.O_RDWR)\n"
          + "fcntl.ioctl(fd,0x400454ca,struct.pack('16sH',sys.argv[1].encode(),0x1001))\n"
          + "os.set_inheritable(fd,True)\n"
          + "print('fd',fd,flush=True)\n"
          + "os.system('ip addr add 10.99.0.1/24 dev '+sys.argv[1]+' && ip link set '+sys.argv[1]+' up && ip route add default dev '+sys.argv[1])\n"
          + "args=[a.replace('FD',str(fd)) for a in sys.argv[2:]]\n"
          + "os.execvp(args[0],args)\n";

  @Test
  void main_onAnInheritedTunDescriptor_curlReachesTheServerThroughTheAppsSockets()
      throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("curl", "curl");
    NetnsFixture.assumeCommand("python3", "python3");
    NetnsFixture.assumeCommand("nsenter", "util-linux");
    String device = NetnsFixture.uniqueName("vpn");
    try (NetnsFixture client = NetnsFixture.create();
        NetnsFixture app = NetnsFixture.create();
        NetnsFixture server = NetnsFixture.create()) {
      app.addVeth("va", server, "vs");
      app.addressAndUp("va", "10.98.0.1/24");
      server.addressAndUp("vs", "10.98.0.2/24");
      NetnsFixture.Started http =
          server.start(
              "python3",
              "-m",
              "http.server",
              "-b",
              "10.98.0.2",
              "-d",
              System.getProperty("java.io.tmpdir"),
              "8080");
      NetnsFixture.Started vpn =
          client.start(
              "python3",
              "-c",
              PLATFORM,
              device,
              "nsenter",
              "--net=/run/netns/" + app.name(),
              "--",
              java(),
              "--module-path",
              modulePath(),
              "--enable-native-access=dev.synack.io",
              "--illegal-native-access=deny",
              "--module",
              "dev.synack.examples/dev.synack.examples.VpnForwarder",
              "FD",
              "1500");
      assertTrue(
          vpn.awaitOutput("forwarding on descriptor", Duration.ofSeconds(30)), vpn.outputSoFar());

      NetnsFixture.Result curl = null;
      for (int attempt = 0;
          attempt < 50;
          attempt++) { // the HTTP server may take a moment to listen
        curl =
            client.exec(
                Duration.ofSeconds(30),
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "10",
                "http://10.98.0.2:8080/");
        if (curl.output().equals("200")) break;
        Thread.sleep(100);
      }
      assertEquals("200", curl.output(), vpn.outputSoFar() + http.outputSoFar());

      NetnsFixture.Result stopped = vpn.terminate(Duration.ofSeconds(20));
      assertTrue(
          stopped
              .output()
              .matches("(?s).*tcp 10\\.99\\.0\\.1:\\d+ -> 10\\.98\\.0\\.2:8080 opened.*"),
          stopped.output());
      assertTrue(stopped.output().contains("stopped; tcp: opened "), stopped.output());
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
