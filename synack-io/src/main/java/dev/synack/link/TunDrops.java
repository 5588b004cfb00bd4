package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.CALL_STATE_SIZE;
import static dev.synack.link.LinuxSyscalls.ioctlValue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A TUN device's count of the packets the kernel dropped on their way to the reader: its {@code
 * tx_dropped}, which {@code tun_net_xmit} raises for a packet its eBPF filter sheds and for one a
 * full queue drops at its tail. Read from {@code /proc/net/dev} of the device's namespace, which
 * need not be the process's (the device is often moved into one): the namespace is found from the
 * device's descriptor ({@code TUNGETDEVNETNS}, Linux 5.2) and the file opened there once, by a
 * thread that enters it; an open {@code /proc/net/dev} keeps reading the namespace it was opened
 * in, so each read after that is one {@code pread} of a few hundred bytes.
 *
 * <p>Loop thread only (the owner's lock).
 */
final class TunDrops implements AutoCloseable {
  /** {@code _IO('T', 227)}: a descriptor of the device's network namespace. */
  static final long TUNGETDEVNETNS = 0x54e3L;

  /** Transmit drops' field in a {@code /proc/net/dev} line, after the colon. */
  private static final int TX_DROPPED_FIELD = 11;

  private final String device;
  private final int tunFd;

  /** {@code /proc/net/dev} of the device's namespace, or null: not open yet, or given up. */
  private FileChannel file;

  /** Whether the count cannot be had (no such ioctl, no privilege, the device not found). */
  private boolean refused;

  private ByteBuffer buffer = ByteBuffer.allocate(4096);

  TunDrops(String device, int tunFd) {
    this.device = device;
    this.tunFd = tunFd;
  }

  /**
   * Returns the device's {@code tx_dropped}, or -1 when it cannot be read; a device moved to
   * another namespace since is looked for there once, then given up.
   */
  long read() {
    if (refused) return -1;
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        if (file == null) file = open();
        long value = parse();
        if (value >= 0) return value;
      } catch (IOException | RuntimeException e) {
        // Not readable here: given up below if a reopened file fails as well.
      }
      close();
    }
    refused = true;
    return -1;
  }

  /** Opens {@code /proc/net/dev} in the device's namespace. */
  private FileChannel open() throws IOException {
    int ns;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      ns = ioctlValue(state, tunFd, TUNGETDEVNETNS, 0);
      if (ns < 0) throw new IOException("TUNGETDEVNETNS refused");
    }
    try {
      return NetworkNamespace.of("/proc/self/fd/" + ns)
          .call(() -> FileChannel.open(Path.of("/proc/thread-self/net/dev")));
    } finally {
      LinuxSyscalls.close(ns);
    }
  }

  /** Reads the file whole from its start and returns the device's field, or -1: not there. */
  private long parse() throws IOException {
    buffer.clear();
    long position = 0;
    while (true) {
      int n = file.read(buffer, position);
      if (n <= 0) break;
      position += n;
      if (!buffer.hasRemaining()) {
        ByteBuffer larger = ByteBuffer.allocate(buffer.capacity() * 2);
        larger.put(buffer.flip());
        buffer = larger;
      }
    }
    return txDropped(
        new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII), device);
  }

  /**
   * Returns {@code device}'s transmit drops in {@code text}, a {@code /proc/net/dev}, or -1 when it
   * has no such line.
   */
  static long txDropped(String text, String device) {
    for (String line : text.split("\n", -1)) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.substring(0, colon).trim().equals(device)) continue;
      String[] fields = line.substring(colon + 1).trim().split("\\s+", -1);
      if (fields.length <= TX_DROPPED_FIELD) return -1;
      try {
        return Long.parseLong(fields[TX_DROPPED_FIELD]);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  @Override
  public void close() {
    if (file == null) return;
    try {
      file.close();
    } catch (IOException e) {
      // Nothing held but the descriptor, gone either way.
    }
    file = null;
  }
}
