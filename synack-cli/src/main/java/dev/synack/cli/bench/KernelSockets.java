package dev.synack.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's memory for TCP sockets: slab objects from /proc/slabinfo, buffer pages from
 * /proc/net/sockstat.
 */
final class KernelSockets {
  private static final Path SLABINFO = Path.of("/proc/slabinfo");
  private static final Path SOCKSTAT = Path.of("/proc/net/sockstat");
  private static final long PAGE = 4096;

  private KernelSockets() {}

  /** Returns whether both files can be read (slabinfo needs root). */
  static boolean available() {
    return Files.isReadable(SLABINFO) && Files.isReadable(SOCKSTAT) && missing().isEmpty();
  }

  /** Returns what is missing to read kernel socket memory, or the empty string. */
  static String missing() {
    try {
      Files.readAllLines(SLABINFO);
      Files.readAllLines(SOCKSTAT);
      return "";
    } catch (IOException | RuntimeException e) {
      return "/proc/slabinfo and /proc/net/sockstat readable (root): " + e.getMessage();
    }
  }

  /**
   * Returns the bytes of the active objects of {@link IdleConnBench#SOCKET_SLABS} plus TCP's buffer
   * pages.
   */
  static long bytesInUse() throws IOException {
    long bytes = 0;
    List<String> names = IdleConnBench.SOCKET_SLABS;
    for (String line : Files.readAllLines(SLABINFO)) {
      String[] f = line.trim().split("\\s+");
      // name <active_objs> <num_objs> <objsize> ...
      if (f.length > 3 && names.contains(f[0]))
        bytes += Long.parseLong(f[1]) * Long.parseLong(f[3]);
    }
    for (String line : Files.readAllLines(SOCKSTAT)) {
      if (!line.startsWith("TCP:")) continue;
      String[] f = line.trim().split("\\s+");
      for (int i = 1; i + 1 < f.length; i += 2) {
        if (f[i].equals("mem")) bytes += Long.parseLong(f[i + 1]) * PAGE;
      }
    }
    return bytes;
  }
}
