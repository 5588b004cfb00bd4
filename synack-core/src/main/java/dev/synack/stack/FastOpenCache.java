package dev.synack.stack;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A client's TCP Fast Open cookies, one per server address (RFC 7413 §4.1.3: "the client caches
 * cookies from servers for later Fast Open connections"), with the server's MSS and the losses of
 * SYNs that carried data, as Linux keeps them in {@code tcp_metrics}. Bounded: the entry used least
 * recently goes first.
 */
final class FastOpenCache {
  /** How many servers are remembered. */
  static final int CAPACITY = 1024;

  /**
   * Linux's backoff after SYN-data losses: no data on a SYN for 60 s shifted by the count, from the
   * second loss on.
   */
  private static final long SYN_LOSS_BACKOFF_NANOS = 60_000_000_000L;

  /**
   * What is known of one server.
   *
   * @param cookie its cookie, null when it gave none
   * @param mss its MSS option when the cookie came, 0 when unknown
   * @param experimental whether to use the experimental option form with it
   * @param synLosses consecutive SYNs with data that went unanswered (Linux's {@code syn_loss})
   * @param lastSynLoss when the last of those was noticed
   */
  record Entry(byte[] cookie, int mss, boolean experimental, int synLosses, long lastSynLoss) {}

  private final Map<InetAddress, Entry> entries =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, FastOpenCache.Entry> eldest) {
          return size() > CAPACITY;
        }
      };

  /** Returns what is known of {@code server}, or null. */
  Entry get(InetAddress server) {
    return entries.get(server);
  }

  /**
   * Returns whether data may go on a SYN to {@code server} now: not after repeated SYN-data losses,
   * until the backoff Linux gives them has passed ({@code tcp_fastopen_cache_get}: two losses or
   * more, 60 s shifted by their count), which is its answer to middleboxes that drop such SYNs.
   */
  boolean dataAllowed(Entry e, long now) {
    return e == null
        || e.synLosses() <= 1
        || now - e.lastSynLoss() >= SYN_LOSS_BACKOFF_NANOS << Math.min(e.synLosses(), 16);
  }

  /**
   * Records the outcome of a handshake with Fast Open ({@code tcp_fastopen_cache_set}): a cookie
   * offered replaces the one held (none offered keeps it); a SYN whose data went unacknowledged
   * after a timeout counts as a loss, any other outcome clears the count.
   */
  void update(InetAddress server, byte[] cookie, int mss, boolean synDataLost, long now) {
    Entry old = entries.get(server);
    byte[] kept = cookie != null ? cookie : old == null ? null : old.cookie();
    int losses = synDataLost ? (old == null ? 0 : old.synLosses()) + 1 : 0;
    boolean experimental = old != null && old.experimental();
    entries.put(
        server,
        new Entry(
            kept,
            mss > 0 ? mss : old == null ? 0 : old.mss(),
            experimental,
            losses,
            synDataLost ? now : old == null ? 0 : old.lastSynLoss()));
  }

  /** Returns how many servers are remembered. */
  int size() {
    return entries.size();
  }
}
