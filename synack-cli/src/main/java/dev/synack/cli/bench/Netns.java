package dev.synack.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace the benchmark makes for itself, and removes with every device in it when
 * closed (or by a shutdown hook if the run is killed). Names carry a random suffix, so that runs
 * never collide with each other or with anything else on the machine.
 */
final class Netns implements AutoCloseable {
  private static final long IP_TIMEOUT_SECONDS = 10;

  private final String name;
  private final Thread shutdownHook;
  private boolean closed;

  private Netns(String name) {
    this.name = name;
    this.shutdownHook = new Thread(this::delete, "synack-bench-netns-" + name);
  }

  /** Creates {@code synack-b-<random>} with its loopback up. */
  static Netns create() throws IOException {
    Netns ns = new Netns("synack-b-" + randomSuffix());
    run(List.of(ip(), "netns", "add", ns.name));
    Runtime.getRuntime().addShutdownHook(ns.shutdownHook);
    try {
      ns.ip("link", "set", "lo", "up");
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** Returns 8 random hex digits, for names of namespaces and devices (at most 15 bytes). */
  static String randomSuffix() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  /** Returns the file a thread opens to enter the namespace. */
  Path path() {
    return Path.of("/run/netns", name);
  }

  String name() {
    return name;
  }

  /** Runs {@code ip -n <ns> args...}. */
  void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ip(), "-n", name));
    command.addAll(List.of(args));
    run(command);
  }

  /** Moves {@code device} from the JVM's namespace into this one. */
  void moveIn(String device) throws IOException {
    run(List.of(ip(), "link", "set", device, "netns", name));
  }

  /** Creates a veth pair: {@code here} in this namespace, {@code there} in {@code other}. */
  void addVeth(String here, Netns other, String there) throws IOException {
    ip("link", "add", here, "type", "veth", "peer", "name", there, "netns", other.name);
  }

  /** Gives {@code device} the address {@code cidr} and the MTU, and sets it up. */
  void configure(String device, String cidr, int mtu) throws IOException {
    ip("link", "set", device, "mtu", Integer.toString(mtu));
    ip("addr", "add", cidr, "dev", device);
    ip("link", "set", device, "up");
  }

  @Override
  public void close() {
    if (closed) return;
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook finds nothing left.
    }
  }

  private synchronized void delete() {
    if (closed) return;
    closed = true;
    try {
      run(List.of(ip(), "netns", "del", name));
    } catch (IOException | RuntimeException e) {
      System.err.println(
          "synack bench: could not delete namespace " + name + ": " + e.getMessage());
    }
  }

  /** Finds {@code ip} on the PATH or in the sbin directories. */
  static Optional<String> ipCommand() {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, "ip");
      if (Files.isExecutable(candidate)) return Optional.of(candidate.toString());
    }
    return Optional.empty();
  }

  private static String ip() {
    return ipCommand()
        .orElseThrow(() -> new IllegalStateException("ip is not installed (install iproute2)"));
  }

  private static void run(List<String> command) throws IOException {
    Path output = Files.createTempFile("synack-bench", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      boolean ended;
      try {
        ended = p.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ended = false;
      }
      if (!ended) p.destroyForcibly();
      if (!ended || p.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command)
                + " failed"
                + (ended ? " (exit " + p.exitValue() + ")" : " (timed out)")
                + ": "
                + Files.readString(output, StandardCharsets.UTF_8).strip());
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
