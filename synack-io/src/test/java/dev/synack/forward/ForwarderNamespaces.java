package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.link.NetworkNamespace;
import dev.synack.link.TunLink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The namespaces in which {@link Forwarder} is tested for real: a client namespace whose default
 * routes (IPv4 and IPv6) go through synack's TUN device, made inside it; synack's host sockets in
 * an "outside" namespace; servers in a third namespace reachable from "outside" only, through a
 * veth pair. Nothing touches the machine's own interfaces or routes. Root only; skipped elsewhere,
 * never under CI=true.
 */
abstract class ForwarderNamespaces {
  static final String SERVER4 = "10.98.0.2";
  static final String SERVER6 = "fd00:98::2";
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  NetnsFixture client;
  NetnsFixture outside;
  NetnsFixture server;
  Forwarder forwarder;
  NetnsFixture.Started servers;
  Path dir;
  final List<String> flows = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    NetnsFixture.assumeCommand("curl", "curl");
    dir = Files.createTempDirectory("synack-forward");
    for (String script : List.of("servers.py", "client.py")) {
      try (InputStream in =
          Objects.requireNonNull(ForwarderTest.class.getResourceAsStream(script), script)) {
        Files.copy(in, dir.resolve(script));
      }
    }
    Files.createDirectories(dir.resolve("www"));
    client = NetnsFixture.create();
    outside = NetnsFixture.create();
    server = NetnsFixture.create();
    outside.addVeth("vo", server, "vs");
    outside.addressAndUp("vo", "10.98.0.1/24");
    outside.ip("addr", "add", "fd00:98::1/64", "dev", "vo", "nodad");
    server.addressAndUp("vs", SERVER4 + "/24");
    server.ip("addr", "add", SERVER6 + "/64", "dev", "vs", "nodad");

    startForwarder(ForwarderOptions.defaults());
    servers =
        server.start(
            "python3",
            dir.resolve("servers.py").toString(),
            SERVER4,
            SERVER6,
            dir.resolve("www").toString());
    assertTrue(
        servers.awaitOutput("ready", Duration.ofSeconds(20)),
        "servers start: " + servers.outputSoFar());
  }

  /**
   * Makes a TUN device inside the client namespace, with the client's default routes through it,
   * and starts a forwarder on it whose host sockets live in the outside namespace.
   */
  void startForwarder(ForwarderOptions options) throws Exception {
    String tun = NetnsFixture.uniqueName("fw");
    int loops = loops();
    List<TunLink> links =
        NetworkNamespace.of("/run/netns/" + client.name())
            .call(
                () -> {
                  if (loops == 1) return List.of(TunLink.open(tun));
                  TunLink.Queues queues = TunLink.openQueues(tun, 0, loops);
                  assertNull(queues.note(), "a multiqueue device");
                  return queues.links();
                });
    client.addressAndUp(tun, "10.99.0.1/24");
    client.ip("addr", "add", "fd00:99::1/64", "dev", tun, "nodad");
    client.ip("route", "add", "default", "dev", tun);
    client.ip("-6", "route", "add", "default", "dev", tun);
    // Host sockets are opened by the relay thread, which is started in the namespace of the thread
    // that starts the forwarder.
    ForwarderOptions withLog =
        options.withLog(flows::add).withConnectTimeout(Duration.ofSeconds(5));
    forwarder =
        NetworkNamespace.of("/run/netns/" + outside.name())
            .call(() -> Forwarder.start(links, withLog));
  }

  /**
   * Returns the forwarder's loops, each on a queue of the TUN device: 1 unless a test says more.
   */
  int loops() {
    return 1;
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      if (forwarder != null) forwarder.close();
    } finally {
      for (NetnsFixture ns : new NetnsFixture[] {client, outside, server}) {
        if (ns != null) ns.close();
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  String python(String... args) throws IOException {
    String[] command =
        Stream.concat(Stream.of("python3", dir.resolve("client.py").toString()), Stream.of(args))
            .toArray(String[]::new);
    NetnsFixture.Result r = client.exec(TIMEOUT, command);
    assertEquals(
        0,
        r.exitCode(),
        "client " + String.join(" ", args) + ": " + r.output() + "\nflows: " + flows);
    return r.output().strip();
  }

  /**
   * Writes {@code size} seeded random bytes to www/{@code name} and returns their SHA-256 in hex.
   */
  String writeFile(String name, int size) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom(size);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(dir.resolve("www").resolve(name))) {
      for (int left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        int n = Math.min(left, chunk.length);
        out.write(chunk, 0, n);
        sha.update(chunk, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  static String firstWord(String s) {
    String t = s.strip();
    int space = t.indexOf(' ');
    return space < 0 ? t : t.substring(0, space);
  }
}
