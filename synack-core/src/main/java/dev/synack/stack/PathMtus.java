package dev.synack.stack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The path MTUs a host learned from ICMP, per destination (RFC 1191 §4, RFC 8201 §4), as Linux
 * keeps them in route exceptions ({@code fib_nh_exception}, {@code ip6_rt_update_pmtu}) for every
 * socket to that destination: what UDP sends are fragmented to, or refused at, as with {@code
 * IP_PMTUDISC_WANT} and {@code IP_PMTUDISC_DO}. An entry only ever lowers the link's MTU, never
 * below Linux's {@code ip_rt_min_pmtu} (552) for IPv4, and IPv6's 1280 (RFC 8200 §5: a smaller
 * report is discarded); it expires after 10 minutes ({@code ip_rt_mtu_expires}), after which the
 * link's MTU is tried again (RFC 1191 §6.3). At most {@link #LIMIT} destinations are kept, the
 * least recently learned forgotten first, so that forged ICMP cannot grow it without bound.
 */
final class PathMtus {
  /** Linux's {@code ip_rt_min_pmtu}: an IPv4 report below it is raised to it. */
  static final int MIN_IPV4 = 552;

  /** RFC 8200 §5: IPv6's minimum link MTU. */
  static final int MIN_IPV6 = 1280;

  /** Linux's {@code ip_rt_mtu_expires}: 600 s. */
  static final long EXPIRES_NANOS = 600_000_000_000L;

  static final int LIMIT = 4096;

  private record Learned(int mtu, long expires) {}

  private final Map<InetAddress, Learned> byDestination =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Learned> eldest) {
          return size() > LIMIT;
        }
      };

  /**
   * Takes an ICMP report that the path to {@code destination} carries at most {@code reported}
   * bytes; returns whether it lowered the MTU in use. A report at or above the present MTU changes
   * nothing (RFC 1191 §6.3: it may not raise it).
   */
  boolean learn(InetAddress destination, int reported, int linkMtu, long now) {
    int mtu = reported;
    if (destination instanceof Inet4Address) {
      mtu = Math.max(mtu, MIN_IPV4);
    } else if (mtu < MIN_IPV6) {
      return false;
    }
    if (mtu >= mtu(destination, linkMtu, now)) return false;
    byDestination.remove(destination);
    byDestination.put(destination, new Learned(mtu, now + EXPIRES_NANOS));
    return true;
  }

  /**
   * Returns the MTU to use towards {@code destination}: the one learned while it lasts, else the
   * link's.
   */
  int mtu(InetAddress destination, int linkMtu, long now) {
    if (byDestination.isEmpty()) return linkMtu;
    Learned e = byDestination.get(destination);
    if (e == null) return linkMtu;
    if (now - e.expires() >= 0) {
      byDestination.remove(destination);
      return linkMtu;
    }
    return Math.min(e.mtu(), linkMtu);
  }
}
