package dev.synack.bench;

import java.lang.management.ManagementFactory;
import java.util.function.IntSupplier;

/**
 * Prints the bytes each benchmark operation allocates, counted exactly by the JVM for this thread
 * over many operations after a warm-up ({@code com.sun.management.ThreadMXBean}): what JMH's {@code
 * -prof gc} estimates, without the noise a loaded machine puts into an estimate taken from few
 * operations. Run with {@code java -cp synack-bench.jar:lib/* dev.synack.bench.AllocationProbe}.
 */
public final class AllocationProbe {
  private static final int WARM_UP = 200_000;
  private static final int MEASURED = 100_000;

  private AllocationProbe() {}

  public static void main(String[] args) {
    for (int maxSegments : new int[] {1, 64}) {
      SteadySendBench b = new SteadySendBench();
      b.maxSegments = maxSegments;
      b.setUp();
      report("SteadySendBench.send maxSegments " + maxSegments, "packets", b::send);
    }
    for (int segmentsPerPacket : new int[] {1, 16}) {
      SteadyReceiveBench b = new SteadyReceiveBench();
      b.segmentsPerPacket = segmentsPerPacket;
      b.setUp();
      report(
          "SteadyReceiveBench.receive segmentsPerPacket " + segmentsPerPacket, "ACKs", b::receive);
    }
    for (String output : new String[] {"lent", "arrays"}) {
      for (int mtu : new int[] {1500, 65535}) {
        StackBench b = new StackBench();
        b.mtu = mtu;
        b.output = output;
        b.setUp();
        report(
            "StackBench.segmentThroughBothHosts mtu " + mtu + " " + output,
            "packets",
            b::segmentThroughBothHosts);
      }
    }
  }

  private static void report(String name, String unit, IntSupplier op) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long warm = 0;
    for (int i = 0; i < WARM_UP; i++) warm += op.getAsInt();
    if (warm < 0) throw new AssertionError("a negative count");
    long count = 0;
    long before = mx.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < MEASURED; i++) count += op.getAsInt();
    long bytes = mx.getCurrentThreadAllocatedBytes() - before;
    System.out.printf(
        java.util.Locale.ROOT,
        "%-60s %10.1f B/op  %6.2f %s/op%n",
        name,
        (double) bytes / MEASURED,
        (double) count / MEASURED,
        unit);
  }
}
