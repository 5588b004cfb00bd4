package dev.synack.cli.bench;

import dev.synack.runtime.HostDriver;
import dev.synack.runtime.Stack;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where the CPU went during one scaling measurement: the whole machine's busy time ({@code
 * /proc/stat}: every process, the kernel's TUN and TCP work, other users of the machine) and each
 * synack loop thread's CPU time, with the packets each loop read from its own queue (how the kernel
 * spread the flows) and handed to another loop. Started before the measurement, {@link #finish}ed
 * after it; the figure's note carries {@link #describe}.
 *
 * <p>Says how much of a gap between one loop and two is the machine's (no idle core left for the
 * second loop) and how much is synack's (loop CPU per unit of work growing with the loops).
 */
final class CpuAccount {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final Path PROC_STAT = Path.of("/proc/stat");

  private final List<HostDriver> loops;
  private final long wallStart = System.nanoTime();
  private final long[] machineStart = machine();
  private final long[] cpuStart;
  private final long[] readStart;
  private final long[] handedStart;
  private long wallNanos;
  private long[] machineEnd;
  private long[] cpuEnd;
  private long[] readEnd;
  private long[] handedEnd;

  /** Starts accounting for the loops of {@code stack}, or for the machine alone if it is null. */
  CpuAccount(Stack stack) {
    this.loops = stack == null ? List.of() : stack.loops();
    this.cpuStart = cpu(loops);
    this.readStart = read(loops);
    this.handedStart = handed(loops);
  }

  /** Ends the accounting; call once, right after the measurement. */
  CpuAccount finish() {
    wallNanos = Math.max(1, System.nanoTime() - wallStart);
    machineEnd = machine();
    cpuEnd = cpu(loops);
    readEnd = read(loops);
    handedEnd = handed(loops);
    return this;
  }

  /**
   * Returns one clause for a figure's note: the machine's busy cores and CPU per {@code unit}, then
   * each loop's cores, packets read and handed across, for {@code work} units done.
   */
  String describe(double work, String unit) {
    StringBuilder b = new StringBuilder();
    int cores = Runtime.getRuntime().availableProcessors();
    double wallSeconds = wallNanos / 1e9;
    if (machineStart != null && machineEnd != null) {
      long busy = machineEnd[0] - machineStart[0];
      long total = machineEnd[1] - machineStart[1];
      double share = total <= 0 ? 0 : (double) busy / total;
      double busyMicros = share * cores * wallSeconds * 1e6;
      b.append(
          String.format(
              Locale.ROOT,
              "machine %.2f of %d cores busy (%.0f us CPU per %s)",
              share * cores,
              cores,
              busyMicros / work,
              unit));
    } else {
      b.append("machine busy time unknown (no /proc/stat)");
    }
    if (loops.isEmpty()) return b.toString();
    long loopNanos = 0;
    long reads = 0;
    long handedOut = 0;
    for (int i = 0; i < loops.size(); i++) {
      if (cpuStart[i] >= 0 && cpuEnd[i] >= 0) loopNanos += cpuEnd[i] - cpuStart[i];
      reads += readEnd[i] - readStart[i];
      handedOut += handedEnd[i] - handedStart[i];
    }
    b.append(
        String.format(
            Locale.ROOT,
            "; synack loops %.0f us CPU per %s, %.2f packets handed across per %s",
            loopNanos / 1e3 / work,
            unit,
            handedOut / work,
            unit));
    for (int i = 0; i < loops.size(); i++) {
      long cpu = cpuStart[i] >= 0 && cpuEnd[i] >= 0 ? cpuEnd[i] - cpuStart[i] : -1;
      long r = readEnd[i] - readStart[i];
      b.append(
          String.format(
              Locale.ROOT,
              "; loop %d %.2f cores, read %d packets (%.0f%%), handed %d",
              i,
              cpu < 0 ? Double.NaN : cpu / (double) wallNanos,
              r,
              reads == 0 ? 0.0 : 100.0 * r / reads,
              handedEnd[i] - handedStart[i]));
    }
    return b.toString();
  }

  private static long[] cpu(List<HostDriver> loops) {
    long[] out = new long[loops.size()];
    for (int i = 0; i < out.length; i++) {
      long id = loops.get(i).threadId();
      out[i] = id < 0 || !THREADS.isThreadCpuTimeSupported() ? -1 : THREADS.getThreadCpuTime(id);
    }
    return out;
  }

  private static long[] read(List<HostDriver> loops) {
    long[] out = new long[loops.size()];
    for (int i = 0; i < out.length; i++) out[i] = loops.get(i).packetsRead();
    return out;
  }

  private static long[] handed(List<HostDriver> loops) {
    long[] out = new long[loops.size()];
    for (int i = 0; i < out.length; i++) out[i] = loops.get(i).handedOut();
    return out;
  }

  /**
   * Returns {busy, total} jiffies of every CPU from the first line of {@code /proc/stat} (busy:
   * user, nice, system, irq, softirq, steal; total adds idle and iowait), or null where it cannot
   * be read.
   */
  static long[] machine() {
    try {
      return parseStat(Files.readString(PROC_STAT, StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Parses the aggregate "cpu" line of {@code /proc/stat}'s text; null if there is none. */
  static long[] parseStat(String text) {
    for (String line : text.lines().toList()) {
      if (!line.startsWith("cpu ")) continue;
      String[] f = line.trim().split("\\s+", -1);
      long busy = 0;
      long total = 0;
      // user nice system idle iowait irq softirq steal (guest time is already in user)
      for (int i = 1; i <= 8 && i < f.length; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i != 4 && i != 5) busy += v;
      }
      return new long[] {busy, total};
    }
    return null;
  }
}
