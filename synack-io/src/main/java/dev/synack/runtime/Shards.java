package dev.synack.runtime;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Which loop of a group owns a flow: a keyed hash of the TCP 4-tuple (local address and port,
 * remote address and port) modulo the number of loops, as gVisor's TCP dispatcher picks a
 * processor; a UDP endpoint by its local port alone, since it takes datagrams from any peer, unless
 * the group shards UDP by flow too ({@code udpByFlow}: a forwarder, whose catch-all UDP endpoint is
 * on every loop and whose UDP flows are each a 4-tuple of their own, so that DNS queries from many
 * source ports to port 53 spread over the loops rather than all landing on one).
 *
 * <p>{@link #ofPacket} reads the same tuple from an arriving IP packet (local = its destination),
 * and from the packet an ICMP error quotes (local = the quoted source, our own packet), so that a
 * packet is handled on the loop whose host holds its connection. The key keeps a peer from aiming
 * every flow at one loop by choosing ports. Immutable; any thread.
 */
final class Shards {
  /**
   * Returned by {@link #ofPacket} for a packet any loop may handle (echo, fragment, other
   * protocols).
   */
  static final int ANY = -1;

  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int ICMP = 1;
  private static final int ICMPV6 = 58;

  private final int count;
  private final long key;

  /** Whether a UDP datagram goes by its 4-tuple, as TCP, rather than by its local port. */
  private final boolean udpByFlow;

  Shards(int count, long key) {
    this(count, key, false);
  }

  Shards(int count, long key, boolean udpByFlow) {
    if (count < 1) throw new IllegalArgumentException("loops must be at least 1: " + count);
    this.count = count;
    this.key = key;
    this.udpByFlow = udpByFlow;
  }

  /** Returns the number of loops. */
  int count() {
    return count;
  }

  /** Returns the loop that owns a flow of {@code protocol} (6 or 17) seen from the local end. */
  int of(int protocol, InetAddress local, int localPort, InetAddress remote, int remotePort) {
    if (count == 1) return 0;
    // An endpoint bound to no peer takes datagrams from any: by its port, whatever the mode.
    if (protocol == UDP && (!udpByFlow || remote == null)) return ofUdp(localPort);
    long h = key;
    h = words(h, local.getAddress());
    h = words(h, remote.getAddress());
    return finish(mix(h, localPort << 16 | remotePort));
  }

  /** Returns the loop that owns the UDP endpoints of {@code localPort}. */
  int ofUdp(int localPort) {
    return count == 1 ? 0 : finish(mix(key ^ 0x5bd1e995L, localPort));
  }

  /**
   * Returns the loop that owns the flow of the IP packet between {@code packet}'s position and
   * limit, or {@link #ANY}. Reads with absolute gets and leaves the buffer as it was; a packet too
   * short to tell is {@link #ANY} (the host that takes it drops and counts it).
   */
  int ofPacket(ByteBuffer packet) {
    if (count == 1) return 0;
    return ofPacket(packet, packet.position(), packet.limit(), false, false);
  }

  /**
   * Returns the loop that must handle the IP packet between {@code packet}'s position and limit
   * when the link steers flows ({@link dev.synack.link.Link#steersFlows}), or {@link #ANY}: as
   * {@link #ofPacket}, but a TCP segment, or an ICMP error quoting one, is {@link #ANY}, since its
   * connection lives on the loop that read its SYN and the host that has none hands it on ({@link
   * dev.synack.stack.StrayHandoff}).
   */
  int ofArrival(ByteBuffer packet) {
    if (count == 1) return 0;
    return ofPacket(packet, packet.position(), packet.limit(), false, true);
  }

  private int ofPacket(ByteBuffer p, int at, int end, boolean quoted, boolean tcpWhereRead) {
    if (end - at < 20) return ANY;
    int version = (p.get(at) & 0xff) >>> 4;
    int protocol;
    int addressLength;
    int source;
    int transport;
    if (version == 4) {
      int headerLength = (p.get(at) & 0x0f) * 4;
      // A fragment: only the first has ports, and the host reassembles before it looks.
      if ((p.getShort(at + 6) & 0x3fff) != 0) return ANY;
      protocol = p.get(at + 9) & 0xff;
      addressLength = 4;
      source = at + 12;
      transport = at + headerLength;
    } else if (version == 6) {
      if (end - at < 40) return ANY;
      protocol =
          p.get(at + 6) & 0xff; // Extension headers are rare on a link to us: any loop takes those.
      addressLength = 16;
      source = at + 8;
      transport = at + 40;
    } else {
      return ANY;
    }
    int destination = source + addressLength;
    // A quoted packet is one we sent: its source is our end of the flow.
    int local = quoted ? source : destination;
    int remote = quoted ? destination : source;
    if (protocol == TCP && tcpWhereRead) return ANY;
    if (protocol == TCP || protocol == UDP) {
      if (end - transport < 4) return ANY;
      int sourcePort = p.getShort(transport) & 0xffff;
      int destinationPort = p.getShort(transport + 2) & 0xffff;
      int localPort = quoted ? sourcePort : destinationPort;
      int remotePort = quoted ? destinationPort : sourcePort;
      if (protocol == UDP && !udpByFlow) return ofUdp(localPort);
      long h = key;
      h = words(h, p, local, addressLength);
      h = words(h, p, remote, addressLength);
      return finish(mix(h, localPort << 16 | remotePort));
    }
    if (quoted || end - transport < 8) return ANY;
    int type = p.get(transport) & 0xff;
    // Errors about a flow (RFC 792 destination unreachable, source quench, time exceeded, parameter
    // problem; RFC 4443 types 1 to 4) belong to the flow of the packet they quote.
    boolean error =
        protocol == ICMP
            ? type == 3 || type == 4 || type == 11 || type == 12
            : protocol == ICMPV6 && type >= 1 && type <= 4;
    return error ? ofPacket(p, transport + 8, end, true, tcpWhereRead) : ANY;
  }

  private int finish(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, count);
  }

  private static long words(long h, byte[] address) {
    for (int i = 0; i < address.length; i += 4) {
      h =
          mix(
              h,
              (address[i] & 0xff) << 24
                  | (address[i + 1] & 0xff) << 16
                  | (address[i + 2] & 0xff) << 8
                  | (address[i + 3] & 0xff));
    }
    return h;
  }

  private static long words(long h, ByteBuffer p, int at, int length) {
    for (int i = 0; i < length; i += 4) h = mix(h, p.getInt(at + i));
    return h;
  }

  private static long mix(long h, int word) {
    h ^= word & 0xffffffffL;
    h *= 0x9e3779b97f4a7c15L;
    return h ^ (h >>> 29);
  }
}
