package dev.synack.sim;

import java.util.Map;
import java.util.TreeMap;

/** The live counters behind a {@link LinkStats} snapshot. */
final class LinkCounters {
  long sent;
  long bytesSent;
  long delivered;
  long bytesDelivered;
  long duplicated;
  long reordered;
  long corrupted;

  /** Drops by reason; a TreeMap so that snapshots list reasons in a stable order. */
  private final Map<String, Long> dropped = new TreeMap<>();

  void sent(int bytes) {
    sent++;
    bytesSent += bytes;
  }

  void delivered(int bytes) {
    delivered++;
    bytesDelivered += bytes;
  }

  void dropped(String reason) {
    dropped.merge(reason, 1L, Long::sum);
  }

  LinkStats snapshot() {
    return new LinkStats(
        sent, bytesSent, delivered, bytesDelivered, duplicated, reordered, corrupted, dropped);
  }
}
