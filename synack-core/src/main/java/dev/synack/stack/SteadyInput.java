package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.wire.Checksum;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegmentView;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The steady receive path: a TCP segment for the connection that took the last one, read where it
 * lies through a reused view ({@link TcpSegmentView}) and handed to its engine without a datagram,
 * an address or a segment record being made (Linux's established fast path, {@code tcp_v4_rcv}
 * finding the socket of {@code skb}'s 4-tuple from the header's bytes).
 *
 * <p>It takes only what it handles exactly as the general path ({@link IpInput}, {@link
 * TcpEndpoints#handle}) would, and says no to the rest, which that path then takes: an IPv4 header
 * without options, not a fragment, whose header checksum verifies, or an IPv6 header followed
 * directly by TCP; addresses and ports that are those of the last connection found, byte for byte;
 * a TCP checksum that verifies (unless the link vouched for it); no SYN (so no new incarnation can
 * come of it); options the view reads. A packet it refuses is not changed or counted here.
 */
final class SteadyInput {
  private final TcpEndpoints tcp;
  private final TcpSegmentView view = new TcpSegmentView();

  /** Whether the path is tried at all (tests turn it off to compare it with the general path). */
  boolean enabled = true;

  /** The 4-tuple whose addresses {@link #local} and {@link #remote} hold, or {@code null}. */
  private FourTuple known;

  private byte[] local;
  private byte[] remote;

  /** The segments taken, for tests. */
  long taken;

  SteadyInput(TcpEndpoints tcp) {
    this.tcp = tcp;
  }

  /**
   * Takes the IP packet in {@code packet}'s remaining bytes (read during the call only) and returns
   * true, or returns false, having done nothing, when the general path must take it.
   */
  boolean take(ByteBuffer packet, boolean checksumUnnecessary, long now) {
    if (!enabled || packet.order() != ByteOrder.BIG_ENDIAN) return false;
    Connection c = tcp.lastFound();
    if (c == null || c.released) return false;
    int at = packet.position();
    int n = packet.remaining();
    if (n < 20) return false;
    int first = packet.get(at) & 0xff;
    int addressAt;
    int addressLength;
    int tcpAt;
    int tcpLength;
    int ecn;
    if (first == 0x45) {
      // IPv4, no options (RFC 791 §3.1).
      int total = packet.getShort(at + 2) & 0xffff;
      if (total < 20 || total > n) return false;
      if ((packet.getShort(at + 6) & 0x3fff) != 0) return false; // MF, or a fragment offset
      if ((packet.get(at + 9) & 0xff) != TcpCodec.PROTOCOL) return false;
      // RFC 1122 §3.2.1.2: the header checksum is verified whatever the link says.
      if (!Checksum.verifies(Checksum.sum(packet, at, 20))) return false;
      ecn = packet.get(at + 1) & 0x3;
      addressAt = at + 12;
      addressLength = 4;
      tcpAt = at + 20;
      tcpLength = total - 20;
    } else if (first >>> 4 == 6) {
      // IPv6, TCP right after the fixed header (RFC 8200 §3).
      if (n < 40) return false;
      int end = 40 + (packet.getShort(at + 4) & 0xffff);
      if (end > n || (packet.get(at + 6) & 0xff) != TcpCodec.PROTOCOL) return false;
      ecn = (packet.getInt(at) >>> 20) & 0x3;
      addressAt = at + 8;
      addressLength = 16;
      tcpAt = at + 40;
      tcpLength = end - 40;
    } else {
      return false;
    }
    if (tcpLength < 20 || !matches(c, packet, addressAt, addressLength, tcpAt)) return false;
    if (!checksumUnnecessary) {
      // The pseudo-header's addresses summed where they lie (RFC 9293 §3.1, RFC 8200 §8.1).
      long sum =
          Checksum.sum(packet, addressAt, 2 * addressLength)
              + TcpCodec.PROTOCOL
              + tcpLength
              + Checksum.sum(packet, tcpAt, tcpLength);
      if (!Checksum.verifies(sum)) return false;
    }
    if (!view.wrap(packet, tcpAt, tcpLength) || view.has(TcpFlags.SYN)) return false;
    taken++;
    tcp.handleSteady(c, view, ecn, checksumUnnecessary, now);
    return true;
  }

  /**
   * Returns whether the packet's source and destination (addresses from {@code addressAt}, ports
   * from {@code tcpAt}) are {@code c}'s remote and local ends.
   */
  @SuppressWarnings("ReferenceEquality") // the same 4-tuple instance, whose bytes are held
  private boolean matches(
      Connection c, ByteBuffer packet, int addressAt, int addressLength, int tcpAt) {
    FourTuple id = c.id();
    if ((packet.getShort(tcpAt) & 0xffff) != id.remotePort()
        || (packet.getShort(tcpAt + 2) & 0xffff) != id.localPort()) return false;
    if (id != known) {
      if (id.remoteAddress() == null) return false;
      // Once per connection found, not per packet: a run of segments is for one connection.
      local = id.localAddress().getAddress();
      remote = id.remoteAddress().getAddress();
      known = id;
    }
    if (local.length != addressLength) return false;
    for (int i = 0; i < addressLength; i++) {
      if (packet.get(addressAt + i) != remote[i]
          || packet.get(addressAt + addressLength + i) != local[i]) return false;
    }
    return true;
  }
}
