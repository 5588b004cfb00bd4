package dev.synack.stack;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a host counted: packets in and out and every reason a packet was dropped, like the
 * counters of Linux's {@code nstat}. Drop reasons are the stable codes of
 * {@link dev.synack.wire.Parsed.Malformed} and of the host itself.
 */
public final class HostCounters {
  long packetsIn;
  long packetsOut;
  long activeOpens;
  long passiveOpens;
  long resetsSent;
  long listenOverflows;
  long echoReplies;
  long icmpErrorsDelivered;
  long checksumsTrusted;
  private final Map<String, Long> drops = new TreeMap<>();

  void drop(String reason) {
    drops.merge(reason, 1L, Long::sum);
  }

  /** Returns packets received. */
  public long packetsIn() { return packetsIn; }
  /** Returns packets sent. */
  public long packetsOut() { return packetsOut; }
  /** Returns connections opened actively (connect). */
  public long activeOpens() { return activeOpens; }
  /** Returns connections opened passively (a SYN admitted by a listener). */
  public long passiveOpens() { return passiveOpens; }
  /** Returns RSTs sent for segments that no connection owned. */
  public long resetsSent() { return resetsSent; }
  /** Returns SYNs dropped because a listener's queues were full. */
  public long listenOverflows() { return listenOverflows; }
  /** Returns ICMP echo replies sent. */
  public long echoReplies() { return echoReplies; }
  /** Returns ICMP errors a connection acted on (aborted, remembered, or lowered its MSS for). */
  public long icmpErrorsDelivered() { return icmpErrorsDelivered; }

  /** Returns the TCP segments taken without verifying their checksum, because the link vouched for it (checksumUnnecessary). */
  public long checksumsTrusted() { return checksumsTrusted; }

  /** Returns the number of packets dropped for a reason. */
  public long dropped(String reason) {
    return drops.getOrDefault(reason, 0L);
  }

  /** Returns every drop reason seen with its count, sorted by reason. */
  public Map<String, Long> drops() {
    return Map.copyOf(drops);
  }

  /** Returns the total of dropped packets. */
  public long droppedTotal() {
    long n = 0;
    for (long v : drops.values()) n += v;
    return n;
  }

  @Override
  public String toString() {
    return "in " + packetsIn + ", out " + packetsOut + ", active opens " + activeOpens + ", passive opens "
        + passiveOpens + ", resets sent " + resetsSent + ", listen overflows " + listenOverflows
        + ", drops " + drops;
  }
}
