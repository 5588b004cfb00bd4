package dev.synack.stack;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits the ICMP errors a host sends as Linux does (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)): a
 * host-wide token bucket of {@code icmp_msgs_per_sec} = 1000 with a burst of {@code
 * icmp_msgs_burst} = 50 ({@code icmp_global_allow}), and per destination ({@code
 * inet_peer_xrlim_allow}) one message per {@code icmp_ratelimit} = 1000 ms with a burst of six
 * ({@code XRLIM_BURST_FACTOR}). Both must allow a message. The per-destination table keeps the most
 * recently used {@link #MAX_PEERS} destinations, so a flood of sources cannot grow it.
 */
final class IcmpRateLimit {
  static final int MSGS_PER_SEC = 1000;
  static final int MSGS_BURST = 50;
  static final long PEER_INTERVAL_NANOS = 1_000_000_000L;
  static final int BURST_FACTOR = 6;
  static final int MAX_PEERS = 4096;

  /** Per destination: the tokens in nanoseconds of credit, and when they were last topped up. */
  private static final class Peer {
    long tokens = BURST_FACTOR * PEER_INTERVAL_NANOS;
    long last;
  }

  private long credit = MSGS_BURST;
  private long stamp;
  private boolean started;
  private final Map<InetAddress, Peer> peers =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Peer> eldest) {
          return size() > MAX_PEERS;
        }
      };

  /**
   * Returns whether an error to {@code destination} may be sent at {@code now}, and takes its
   * tokens if so.
   */
  boolean allow(InetAddress destination, long now) {
    if (!started) {
      started = true;
      stamp = now;
    }
    long add = (now - stamp) * MSGS_PER_SEC / 1_000_000_000L;
    if (add > 0) {
      credit = Math.min(MSGS_BURST, credit + add);
      stamp = now;
    }
    if (credit <= 0) return false;
    Peer p = peers.get(destination);
    if (p == null) {
      p = new Peer();
      p.last = now;
      peers.put(destination, p);
    }
    p.tokens = Math.min(BURST_FACTOR * PEER_INTERVAL_NANOS, p.tokens + (now - p.last));
    p.last = now;
    if (p.tokens < PEER_INTERVAL_NANOS) return false;
    p.tokens -= PEER_INTERVAL_NANOS;
    credit--;
    return true;
  }
}
