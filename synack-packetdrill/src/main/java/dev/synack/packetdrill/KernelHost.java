package dev.synack.packetdrill;

import dev.synack.link.KernelInterface;
import dev.synack.link.NetworkNamespace;
import dev.synack.link.TunLink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * The Linux kernel as the stack under test, as packetdrill sets it up: the calling thread enters a
 * network namespace of its own (so sysctls and sockets are the script's alone), a TUN device there
 * holds the script's local address with a prefix that also covers its remote address, so that the
 * kernel sends to the peer the script plays through the device; a reader thread stamps each packet
 * the kernel sends with the time it came. Everything goes away with the namespace when the thread
 * ends and the device is closed.
 */
final class KernelHost implements AutoCloseable {
  /** A TCP packet the kernel sent, and when (ns, {@link System#nanoTime}). */
  record Sent(long time, Packets.TcpPacket packet) {}

  private static final String DEVICE = "pdtun0";
  private static final String[] LINUX_STATES = {
    null,
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECEIVED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "TIME_WAIT",
    "CLOSED",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "SYN_RECEIVED"
  };

  private final TunLink tun;
  private final LinkedBlockingDeque<Sent> sent = new LinkedBlockingDeque<>();
  private final Thread reader;
  private volatile boolean closed;

  private KernelHost(TunLink tun) {
    this.tun = tun;
    this.reader =
        Thread.ofPlatform().name("synack-packetdrill-tun").daemon(true).start(this::readLoop);
  }

  /**
   * Moves the calling platform thread into a new network namespace and sets the kernel up there.
   *
   * @throws IOException when the kernel refuses (not root, no TUN device)
   */
  static KernelHost start(InetAddress local, InetAddress remote, int mtu) throws IOException {
    NetworkNamespace.unshare();
    KernelInterface.up("lo");
    TunLink tun = TunLink.open(DEVICE, mtu, false);
    try {
      KernelInterface.addAddress(DEVICE, local, commonPrefix(local, remote));
      KernelInterface.up(DEVICE);
    } catch (IOException | RuntimeException e) {
      tun.close();
      throw e;
    }
    return new KernelHost(tun);
  }

  /**
   * Returns how many leading bits two addresses share: the prefix that routes the remote one
   * through the device.
   */
  static int commonPrefix(InetAddress a, InetAddress b) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    int bits = 0;
    for (int i = 0; i < x.length; i++) {
      int diff = (x[i] ^ y[i]) & 0xff;
      if (diff == 0) {
        bits += 8;
        continue;
      }
      return bits + Integer.numberOfLeadingZeros(diff) - 24;
    }
    return bits;
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    while (!closed) {
      try {
        buf.clear();
        int n = tun.receive(buf, 50_000_000L);
        if (n <= 0) continue;
        long at = System.nanoTime();
        byte[] copy = new byte[n];
        buf.flip();
        buf.get(copy, 0, n);
        if (Packets.parseTcp(ByteBuffer.wrap(copy), true)
            instanceof Parsed.Ok<Packets.TcpPacket>(Packets.TcpPacket p)) {
          sent.add(new Sent(at, p));
        }
        // Anything else (ICMP, IPv6 neighbour discovery) is not what a TCP line expects.
      } catch (IOException | RuntimeException e) {
        return; // closed
      }
    }
  }

  /** Writes a packet from the script's peer into the device, as if it arrived from the wire. */
  void inject(byte[] packet) throws IOException {
    tun.send(ByteBuffer.wrap(packet));
  }

  /**
   * Returns the oldest packet the kernel sent and nobody took, waiting until {@code deadline}
   * (nanoTime) at most; or null.
   */
  Sent next(long deadline) {
    try {
      long wait = deadline - System.nanoTime();
      return wait <= 0 ? sent.pollFirst() : sent.pollFirst(wait, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Puts a packet back at the head, where {@link #next} finds it first. */
  void putBack(Sent s) {
    sent.addFirst(s);
  }

  /**
   * Writes a sysctl inside the namespace ({@code net.ipv4.tcp_sack=1}); returns null, or why it
   * could not be written. Must be called on the thread that started the host.
   */
  static String setSysctl(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq < 0) return "not NAME=VALUE: " + assignment;
    String name = assignment.substring(0, eq).strip();
    Path file = Path.of("/proc/sys", name.replace('.', '/'));
    String value = assignment.substring(eq + 1).strip();
    try {
      // Unchanged settings are not written: a namespace may read what it may not set (the
      // congestion
      // control, which a non-initial namespace can only set to an allowed algorithm).
      if (Files.isReadable(file)
          && Files.readString(file)
              .strip()
              .replaceAll("\\s+", " ")
              .equals(value.replaceAll("\\s+", " "))) return null;
      Files.writeString(file, value);
      return null;
    } catch (IOException e) {
      return name
          + ": "
          + (Files.exists(file) ? e.getMessage() : "this kernel has no such setting");
    }
  }

  /**
   * Returns the TCP sockets of the namespace as {@code sockstat} lists them, read from {@code
   * /proc/thread-self/net/tcp} (the calling thread's namespace): local port, remote port, state in
   * FreeBSD's names. Must be called on the thread that started the host.
   */
  static List<String[]> sockets(boolean v4) {
    List<String[]> out = new ArrayList<>();
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc/thread-self/net", v4 ? "tcp" : "tcp6"))) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 4 || !f[1].contains(":")) continue;
        int localPort = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
        int remotePort = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
        int state = Integer.parseInt(f[3], 16);
        out.add(
            new String[] {
              Integer.toString(localPort), Integer.toString(remotePort), stateName(state)
            });
      }
    } catch (IOException | RuntimeException e) {
      // No table: no sockets to list.
    }
    return out;
  }

  /**
   * Returns the RFC 9293 name of a Linux TCP state number (include/net/tcp_states.h), as tcpi_state
   * names it.
   */
  static String stateName(int linuxState) {
    return linuxState > 0 && linuxState < LINUX_STATES.length
        ? LINUX_STATES[linuxState]
        : "UNKNOWN(" + linuxState + ")";
  }

  /** Returns the Linux state number of an RFC 9293 state name, 7 (CLOSE) for an unknown one. */
  static int stateNumber(String name) {
    for (int i = 1; i < LINUX_STATES.length; i++) if (LINUX_STATES[i].equals(name)) return i;
    return 7;
  }

  /** Returns whether an address is IPv4. */
  static boolean v4(InetAddress a) {
    return a instanceof Inet4Address;
  }

  @Override
  public void close() {
    closed = true;
    tun.close();
    try {
      reader.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
