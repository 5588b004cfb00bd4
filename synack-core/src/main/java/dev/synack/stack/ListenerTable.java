package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.SipHash;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A host's listeners by port, with Linux's bind rules for them ({@code inet_csk_bind_conflict}) and
 * its {@code SO_REUSEPORT} groups ({@code sock_reuseport.c}).
 *
 * <ul>
 *   <li>Two listeners whose addresses overlap (equal, or one the wildcard) may share a port only
 *       when both set {@code SO_REUSEPORT}; {@code SO_REUSEADDR} never lets two listeners share
 *       one, as on Linux (BSD lets a specific address beside a wildcard; Linux does not).
 *   <li>Without {@code SO_REUSEADDR}, a listener may not take a port that a connection still holds
 *       on an overlapping address, TIME-WAIT included: Linux's EADDRINUSE that servers restarted
 *       within 2 MSL meet. With it, connections never conflict (Linux: both sockets have {@code
 *       sk_reuse} and the other is not listening; synack's connections count as having it).
 *   <li>A SYN goes to the listener on its exact local address before a wildcard one; among the
 *       members of a {@code SO_REUSEPORT} group on that address, to the one a keyed hash of the
 *       4-tuple picks, as Linux's {@code reuseport_select_sock} with {@code inet_ehashfn} and
 *       {@code reciprocal_scale}: a flow's packets (its SYN, retransmitted SYNs, the ACK of a SYN
 *       cookie) all go to one member while the group is unchanged.
 * </ul>
 */
final class ListenerTable {
  /**
   * Domain separation: the group hash's key differs from the port-selection key it is made from.
   */
  private static final long REUSEPORT_KEY_TWEAK = 0x7265_7573_6570_6f72L; // "reuseport"

  private final Map<Integer, List<Listener>> byPort = new HashMap<>();
  private final long k0;
  private final long k1;

  /**
   * Makes an empty table; {@code k0}, {@code k1} key the hash that spreads flows over a group's
   * members.
   */
  ListenerTable(long k0, long k1) {
    this.k0 = k0 ^ REUSEPORT_KEY_TWEAK;
    this.k1 = k1;
  }

  /** Returns the number of listeners. */
  int count() {
    int n = 0;
    for (List<Listener> onPort : byPort.values()) n += onPort.size();
    return n;
  }

  /** Returns whether some listener has the port. */
  boolean hasPort(int port) {
    return byPort.containsKey(port);
  }

  /**
   * Adds a listener after checking Linux's bind rules; {@code connectionOn} says whether a
   * connection holds the port on an address overlapping the listener's.
   *
   * @throws IllegalStateException "address already in use" when the rules refuse it
   */
  void add(Listener l, java.util.function.Predicate<InetAddress> connectionOn) {
    List<Listener> onPort = byPort.get(l.port());
    if (onPort != null) {
      for (Listener other : onPort) {
        if (overlap(other.address(), l.address()) && !(other.reusePort() && l.reusePort())) {
          throw new IllegalStateException("address already in use: port " + l.port());
        }
      }
    }
    if (!l.reuseAddress() && connectionOn.test(l.address())) {
      throw new IllegalStateException(
          "address already in use: port "
              + l.port()
              + " (a connection holds it; SO_REUSEADDR is off)");
    }
    byPort.computeIfAbsent(l.port(), p -> new ArrayList<>(1)).add(l);
  }

  /** Removes a listener. */
  void remove(Listener l) {
    List<Listener> onPort = byPort.get(l.port());
    if (onPort == null) return;
    onPort.remove(l);
    if (onPort.isEmpty()) byPort.remove(l.port());
  }

  /**
   * Returns the listener that takes a segment of {@code id} (our end local): one on its exact
   * address before one on the wildcard, and within a {@code SO_REUSEPORT} group the member the
   * 4-tuple's hash picks; null when none listens.
   */
  Listener find(FourTuple id) {
    List<Listener> onPort = byPort.get(id.localPort());
    if (onPort == null) return null;
    InetAddress local = id.localAddress();
    int exact = 0;
    int wildcard = 0;
    for (Listener l : onPort) {
      if (l.address() == null) wildcard++;
      else if (l.address().equals(local)) exact++;
    }
    if (exact > 0) return pick(onPort, local, exact, id);
    if (wildcard > 0) return pick(onPort, null, wildcard, id);
    return null;
  }

  /**
   * Returns the other members of {@code l}'s {@code SO_REUSEPORT} group (same port, same address),
   * oldest first.
   */
  List<Listener> groupOf(Listener l) {
    List<Listener> members = new ArrayList<>();
    if (!l.reusePort()) return members;
    List<Listener> onPort = byPort.get(l.port());
    if (onPort == null) return members;
    for (Listener m : onPort) {
      if (m != l && m.reusePort() && java.util.Objects.equals(m.address(), l.address()))
        members.add(m);
    }
    return members;
  }

  /**
   * Returns the member of {@code members} the hash of {@code id} picks ({@code reciprocal_scale} of
   * the hash over their count).
   */
  Listener pickAmong(List<Listener> members, FourTuple id) {
    if (members.size() == 1) return members.getFirst();
    return members.get(scale(hash(id), members.size()));
  }

  private Listener pick(List<Listener> onPort, InetAddress address, int n, FourTuple id) {
    int chosen = n == 1 ? 0 : scale(hash(id), n);
    for (Listener l : onPort) {
      if (java.util.Objects.equals(l.address(), address) && chosen-- == 0) return l;
    }
    throw new IllegalStateException("listener table changed during a lookup");
  }

  /**
   * Linux's {@code reciprocal_scale}: the hash's high bits times n, so that every member gets an
   * equal share.
   */
  private static int scale(long hash, int n) {
    return (int) (((hash >>> 32) * n) >>> 32);
  }

  private long hash(FourTuple id) {
    byte[] local = id.localAddress().getAddress();
    byte[] remote = id.remoteAddress().getAddress();
    byte[] m = new byte[local.length + remote.length + 4];
    System.arraycopy(local, 0, m, 0, local.length);
    System.arraycopy(remote, 0, m, local.length, remote.length);
    int at = local.length + remote.length;
    m[at] = (byte) (id.localPort() >>> 8);
    m[at + 1] = (byte) id.localPort();
    m[at + 2] = (byte) (id.remotePort() >>> 8);
    m[at + 3] = (byte) id.remotePort();
    return SipHash.hash(k0, k1, m);
  }

  /** Returns whether two bind addresses overlap: equal, or either the wildcard (null). */
  static boolean overlap(InetAddress a, InetAddress b) {
    return a == null || b == null || a.equals(b);
  }

  /** Calls {@code action} on every listener of {@code port}. */
  void forEachOn(int port, java.util.function.Consumer<Listener> action) {
    List<Listener> onPort = byPort.get(port);
    if (onPort != null) List.copyOf(onPort).forEach(action);
  }
}
