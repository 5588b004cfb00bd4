package dev.synack.link;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace made for one test, with what the test puts in it (devices moved in, veth
 * pairs, addresses, commands run inside), all removed by {@link #close()} even when the test fails,
 * and by a JVM shutdown hook as a last resort.
 *
 * <p>Only root can make one. Call {@link #assumePrivileged()} first: outside CI it skips the test
 * with one line saying what is missing; when {@code CI=true} it fails instead, since CI is root and
 * must run these tests. Names carry a random suffix so parallel runs never collide.
 */
public final class NetnsFixture implements AutoCloseable {
  /** Longest time any {@code ip} command may take; they normally take milliseconds. */
  private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);

  /** CAP_NET_ADMIN (devices, addresses) and CAP_SYS_ADMIN (namespaces), from linux/capability.h. */
  private static final int CAP_NET_ADMIN = 12;

  private static final int CAP_SYS_ADMIN = 21;

  private final String name;
  private final List<Started> started = new ArrayList<>();
  private final Thread shutdownHook;
  private boolean closed;

  private NetnsFixture(String name) {
    this.name = name;
    this.shutdownHook = new Thread(this::cleanUpQuietly, "synack-netns-cleanup-" + name);
  }

  /** Skips (or in CI fails) the test unless it runs as root with /dev/net/tun and {@code ip}. */
  public static void assumePrivileged() {
    missingPrivilege().ifPresent(NetnsFixture::skipOrFail);
  }

  /** Skips (or in CI fails) the test unless {@code command} is on the PATH. */
  public static void assumeCommand(String command, String packageHint) {
    if (findExecutable(command).isEmpty()) {
      skipOrFail(command + " is not installed (install " + packageHint + ")");
    }
  }

  /** Returns {@code prefix} with a random suffix, short enough for a device name (15 bytes). */
  public static String uniqueName(String prefix) {
    String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    if (name.length() > 15) throw new IllegalArgumentException("prefix too long: " + prefix);
    return name;
  }

  /** Creates a namespace named {@code synack-t-<random>} with its loopback up. */
  public static NetnsFixture create() throws IOException {
    NetnsFixture ns = new NetnsFixture("synack-t-" + uniqueName(""));
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

  /** Returns the namespace's name. */
  public String name() {
    return name;
  }

  /** Runs {@code ip -n <ns> args...}; throws with ip's message if it fails. */
  public void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ip(), "-n", name));
    command.addAll(List.of(args));
    run(command);
  }

  /**
   * Moves {@code device} from the test's namespace into this one; open descriptors keep working.
   */
  public void moveIn(String device) throws IOException {
    run(List.of(ip(), "link", "set", device, "netns", name));
  }

  /**
   * Gives {@code device} (inside) the address {@code cidr}, e.g. "10.77.0.1/24", and sets it up.
   */
  public void addressAndUp(String device, String cidr) throws IOException {
    ip("addr", "add", cidr, "dev", device);
    ip("link", "set", device, "up");
  }

  /** Creates a veth pair: {@code here} in this namespace, {@code there} in {@code other}. */
  public void addVeth(String here, NetnsFixture other, String there) throws IOException {
    ip("link", "add", here, "type", "veth", "peer", "name", there, "netns", other.name);
  }

  /** Runs a command inside the namespace, waits at most {@code timeout}, and returns its result. */
  public Result exec(Duration timeout, String... command) throws IOException {
    return start(command).await(timeout);
  }

  /** Starts a command inside the namespace; it is killed by {@link #close()} if still running. */
  public Started start(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of(ip(), "netns", "exec", name));
    full.addAll(List.of(command));
    Started s = Started.of(full);
    started.add(s);
    return s;
  }

  /**
   * Starts a command inside the namespace reading {@code stdin}; killed by {@link #close()} if
   * still running.
   */
  public Started start(Path stdin, String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of(ip(), "netns", "exec", name));
    full.addAll(List.of(command));
    Started s = Started.of(full, stdin);
    started.add(s);
    return s;
  }

  /** Kills what was started inside, then deletes the namespace and every device in it. */
  @Override
  public void close() {
    if (closed) return;
    cleanUpQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs, finds nothing left, and is harmless.
    }
  }

  private synchronized void cleanUpQuietly() {
    if (closed) return;
    closed = true;
    for (Started s : started) s.discard();
    try {
      run(List.of(ip(), "netns", "del", name));
    } catch (IOException | RuntimeException e) {
      System.err.println("synack: could not delete test namespace " + name + ": " + e.getMessage());
    }
  }

  /** The exit code and merged stdout/stderr of a finished command (-1 if it timed out). */
  public record Result(int exitCode, String output) {}

  /** A command running in the background, its output going to a temporary file. */
  public static final class Started {
    private final Process process;
    private final Path output;

    private Started(Process process, Path output) {
      this.process = process;
      this.output = output;
    }

    static Started of(List<String> command) throws IOException {
      return of(command, null);
    }

    /**
     * Starts a command in the test's own network namespace (for what needs no namespace, as UDP on
     * loopback), reading {@code stdin} when not null; the caller must end it ({@link #kill}).
     */
    public static Started here(Path stdin, String... command) throws IOException {
      return of(List.of(command), stdin);
    }

    static Started of(List<String> command, Path stdin) throws IOException {
      Path output = Files.createTempFile("synack-cmd", ".out");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        if (stdin != null) pb.redirectInput(stdin.toFile());
        Process p = pb.start();
        return new Started(p, output);
      } catch (IOException e) {
        Files.deleteIfExists(output);
        throw e;
      }
    }

    /**
     * Waits at most {@code timeout} for the command to end (killing it then) and returns its
     * result.
     */
    public Result await(Duration timeout) throws IOException {
      boolean ended;
      try {
        ended = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ended = false;
      }
      if (!ended) kill();
      String text = Files.readString(output, StandardCharsets.UTF_8).strip();
      Files.deleteIfExists(output);
      return new Result(ended ? process.exitValue() : -1, text);
    }

    /** Returns what the command printed so far (stdout and stderr together). */
    public String outputSoFar() throws IOException {
      return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }

    /**
     * Waits up to {@code timeout} until the output holds {@code text}; false if it ended or the
     * time passed first.
     */
    public boolean awaitOutput(String text, Duration timeout)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (outputSoFar().contains(text)) return true;
        if (!process.isAlive()) return outputSoFar().contains(text);
        Thread.sleep(20);
      }
      return false;
    }

    /**
     * Asks the command to end (SIGTERM, so that it can finish its output) and returns its result.
     */
    public Result terminate(Duration timeout) throws IOException {
      process.destroy();
      return await(timeout);
    }

    /** Kills the command if it still runs and waits a bounded time for it to go. */
    public void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Kills the command and removes its output file; for cleanup, so it never throws. */
    void discard() {
      kill();
      try {
        Files.deleteIfExists(output);
      } catch (IOException e) {
        System.err.println("synack: could not delete " + output + ": " + e.getMessage());
      }
    }
  }

  private static void run(List<String> command) throws IOException {
    Result r = Started.of(command).await(IP_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IOException(
          String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.output());
    }
  }

  private static String ip() {
    return findExecutable("ip").orElseThrow(() -> new IllegalStateException("ip is not installed"));
  }

  private static void skipOrFail(String missing) {
    if ("true".equals(System.getenv("CI"))) fail(missing + " (CI=true: these tests must run)");
    Assumptions.assumeTrue(false, missing);
  }

  private static Optional<String> missingPrivilege() {
    long caps = effectiveCapabilities();
    if ((caps & (1L << CAP_NET_ADMIN)) == 0 || (caps & (1L << CAP_SYS_ADMIN)) == 0) {
      return Optional.of(
          "not root: needs CAP_NET_ADMIN and CAP_SYS_ADMIN for TUN devices and namespaces");
    }
    if (!Files.exists(Path.of("/dev/net/tun")))
      return Optional.of("/dev/net/tun is missing (modprobe tun)");
    if (findExecutable("ip").isEmpty())
      return Optional.of("ip is not installed (install iproute2)");
    return Optional.empty();
  }

  /** Reads the CapEff mask of this process from /proc/self/status (0 where there is no /proc). */
  private static long effectiveCapabilities() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines
          .filter(l -> l.startsWith("CapEff:"))
          .findFirst()
          .map(l -> Long.parseUnsignedLong(l.substring("CapEff:".length()).strip(), 16))
          .orElse(0L);
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  /** Finds an executable on the PATH, or in the sbin directories that a non-root PATH lacks. */
  public static Optional<String> findExecutable(String command) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) return Optional.of(candidate.toString());
    }
    return Optional.empty();
  }
}
