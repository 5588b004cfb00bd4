package dev.synack.cli;

import dev.synack.link.TunLink;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code synack run}: starts an unmodified Java program whose NIO channels, and so its {@code
 * HttpServer}, {@code HttpClient}, Netty..., run over a synack host on a TUN device or a UDP
 * tunnel. The program runs in a JVM of its own, started with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.synack.nio.SynackSelectorProvider} and the link as
 * {@code synack.*} system properties (see {@code dev.synack.nio.PropertyHost}); its exit code is
 * synack run's.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    header = "Runs an unmodified Java program over a synack host.",
    description = {
      "Runs an unmodified Java program over a synack host: its NIO channels (the JDK's HttpServer and HttpClient, Netty...) are synack's. java.net.Socket is not covered.",
      "",
      "Example, as root: the JDK's own file server (jwebserver) on synack, for curl on",
      "the kernel's side of the TUN device:",
      "  synack run --tun synack0 --addr 192.0.2.2 --host-addr 192.0.2.1/24 -- \\",
      "      -m jdk.httpserver -b 0.0.0.0 -p 8080 -d \"$PWD\"",
      "  curl http://192.0.2.2:8080/"
    })
final class RunCommand implements Callable<Integer> {
  /** The provider the program's JVM is started with. */
  static final String PROVIDER = "dev.synack.nio.SynackSelectorProvider";

  @ArgGroup(exclusive = true, multiplicity = "1")
  Link link;

  @Option(
      names = "--addr",
      required = true,
      paramLabel = "IP",
      description = "synack's own IP address on the link")
  String addr;

  @Option(
      names = "--loops",
      paramLabel = "N",
      description =
          "event loops, each on a queue of the TUN device (multiqueue), the program's connections sharded"
              + " over them by their addresses and ports; 0 for one per processor (default: 1; more needs --tun)")
  Integer loops;

  @Parameters(
      paramLabel = "JAVA_ARGS",
      arity = "1..*",
      description =
          "after --: the java command's arguments, as -cp CLASSPATH MAIN ARGS..., -jar APP.jar ARGS... or -m MODULE ARGS...")
  List<String> javaArgs;

  /** The link: a TUN device, or a UDP tunnel. */
  static final class Link {
    @ArgGroup(
        exclusive = false,
        multiplicity = "1",
        order = 1,
        heading =
            "The link, one of: a TUN device, the kernel on the other side (root or a persistent device)%n")
    Tun tun;

    @ArgGroup(
        exclusive = false,
        multiplicity = "1",
        order = 2,
        heading = "or a UDP tunnel to another synack%n")
    Udp udp;
  }

  static final class Tun {
    @Option(
        names = "--tun",
        required = true,
        paramLabel = "NAME",
        description = "a TUN device: attached to if it exists, created if not")
    String device;

    @Option(
        names = "--host-addr",
        paramLabel = "IP/PREFIX",
        description = "give the kernel's side this address and bring it up")
    String hostAddr;
  }

  static final class Udp {
    @Option(
        names = "--udp",
        required = true,
        paramLabel = "LOCAL_ADDR:PORT",
        description = "the local UDP endpoint of the tunnel")
    String local;

    @Option(
        names = "--peer",
        paramLabel = "REMOTE_ADDR:PORT",
        description = "the other synack's endpoint (else learnt from the first datagram)")
    String peer;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<String> command = command(javaExecutable(), System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(command).inheritIO().start();
    // SIGINT or SIGTERM to synack run reaches the program too, which then ends as it would.
    Thread forward =
        new Thread(
            () -> {
              p.destroy();
              try {
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
            });
    Runtime.getRuntime().addShutdownHook(forward);
    try {
      return p.waitFor();
    } finally {
      p.destroy();
    }
  }

  /** Returns the command line of the program's JVM; a bad option is a {@link Main.UsageError}. */
  List<String> command(String java, String synackClassPath) {
    InetAddress address = AddressArguments.literal("--addr", addr);
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--enable-native-access=ALL-UNNAMED"); // the TUN device is reached through FFM
    cmd.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"); // the JDK's own UDP for the tunnel
    // (PlatformChannels)
    cmd.add("-Djava.nio.channels.spi.SelectorProvider=" + PROVIDER);
    cmd.add("-Dsynack.addr=" + address.getHostAddress());
    if (loops != null) {
      if (loops < 0 || loops > TunLink.MAX_QUEUES)
        throw new Main.UsageError("--loops must be 0.." + TunLink.MAX_QUEUES + ": " + loops);
      if (loops != 1 && link.tun == null)
        throw new Main.UsageError("--loops above 1 needs --tun (one queue per loop)");
      cmd.add("-Dsynack.loops=" + loops);
    }
    if (link.tun != null) {
      try {
        TunLink.checkName(link.tun.device);
      } catch (IllegalArgumentException e) {
        throw new Main.UsageError("--tun: " + e.getMessage().replaceFirst("^synack: ", ""));
      }
      if (link.tun.hostAddr != null && !link.tun.hostAddr.matches("[0-9a-fA-F.:]+/[0-9]{1,3}")) {
        throw new Main.UsageError(
            "--host-addr must be IP/PREFIX, as 10.0.0.1/24: " + link.tun.hostAddr);
      }
      cmd.add("-Dsynack.tun=" + link.tun.device);
      if (link.tun.hostAddr != null) cmd.add("-Dsynack.host-addr=" + link.tun.hostAddr);
    } else {
      AddressArguments.endpoint("--udp", link.udp.local, 0);
      cmd.add("-Dsynack.udp=" + link.udp.local);
      if (link.udp.peer != null) {
        AddressArguments.endpoint("--peer", link.udp.peer, 1);
        cmd.add("-Dsynack.peer=" + link.udp.peer);
      }
    }
    cmd.addAll(JavaArguments.withClassPath(javaArgs, synackClassPath));
    return cmd;
  }

  private static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }
}
