package dev.synack.sim;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one direction of a link (or the whole network) has done so far: a snapshot of counters.
 *
 * @param sent packets sent into the link
 * @param bytesSent bytes of those packets
 * @param delivered packets handed to the destination node, duplicates included
 * @param bytesDelivered bytes of those packets
 * @param duplicated packets delivered twice
 * @param reordered packets held back so that later ones overtook them
 * @param corrupted packets delivered with flipped bits
 * @param dropped dropped packets by reason ({@code loss}, {@code queue-full}...), sorted
 */
public record LinkStats(
    long sent,
    long bytesSent,
    long delivered,
    long bytesDelivered,
    long duplicated,
    long reordered,
    long corrupted,
    Map<String, Long> dropped) {

  /** Copies the map of drops, so that a snapshot never changes. */
  public LinkStats {
    dropped = Collections.unmodifiableMap(new TreeMap<>(dropped));
  }

  /** Returns how many packets were dropped for {@code reason}. */
  public long dropped(String reason) {
    return dropped.getOrDefault(reason, 0L);
  }

  /** Returns how many packets were dropped for any reason. */
  public long droppedTotal() {
    return dropped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Returns the sum of this and {@code other}, field by field. */
  public LinkStats plus(LinkStats other) {
    Map<String, Long> drops = new TreeMap<>(dropped);
    other.dropped.forEach((reason, n) -> drops.merge(reason, n, Long::sum));
    return new LinkStats(
        sent + other.sent,
        bytesSent + other.bytesSent,
        delivered + other.delivered,
        bytesDelivered + other.bytesDelivered,
        duplicated + other.duplicated,
        reordered + other.reordered,
        corrupted + other.corrupted,
        drops);
  }

  static LinkStats empty() {
    return new LinkStats(0, 0, 0, 0, 0, 0, 0, Map.of());
  }
}
