package dev.synack.stack;

import dev.synack.wire.Ipv6Packet;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Puts fragmented IPv6 datagrams back together (RFC 8200 §4.5) within the same limits as {@link
 * Ipv4Reassembly}: a datagram not complete 60 seconds after its first fragment arrived is dropped
 * (RFC 8200 §4.5, Linux's {@code ip6frag_time}), all incomplete datagrams together hold at most a
 * memory limit, and a fragment that overlaps another drops the whole datagram (RFC 5722 §4). Atomic
 * fragments (offset 0, M clear) never come here: the parser reads through their fragment header and
 * they are processed in isolation (RFC 6946 §4).
 *
 * <p>Where RFC 8200 §4.5 asks for an ICMPv6 parameter problem (a fragment not a multiple of 8 bytes
 * long, or one that ends past 65,535), we drop and count, and send nothing.
 */
final class Ipv6Reassembly {
  /**
   * RFC 8200 §4.5: "If insufficient fragments are received to complete reassembly of a packet
   * within 60 seconds".
   */
  static final long TIMEOUT_NANOS = 60_000_000_000L;

  private static final int MAX_PAYLOAD = 65535;

  private final FragmentTable<Key> partials;
  private HostDropReason lastDropReason;

  Ipv6Reassembly(long timeoutNanos, int memoryLimit) {
    this.partials = new FragmentTable<>(timeoutNanos, memoryLimit);
  }

  /**
   * Adds one fragment (a packet whose fragment header has an offset or M set); returns the whole
   * datagram when this fragment completes it: the first fragment's unfragmentable part, its
   * fragment header taken out, the next header that named it set to the fragment header's next
   * header, and the payload length of the whole. Else returns null, and {@link #lastDropReason()}
   * says whether the fragment or its datagram was dropped.
   */
  byte[] add(byte[] packet, long now) {
    lastDropReason = null;
    if (!(Ipv6Packet.wrap(ByteBuffer.wrap(packet)) instanceof Parsed.Ok<Ipv6Packet>(Ipv6Packet v6))
        || !v6.isFragment()) {
      return dropped(HostDropReason.IPV6_FRAGMENT_MALFORMED);
    }
    int offset = v6.fragmentOffset() * 8;
    int dataStart = v6.fragmentHeaderOffset() + 8;
    int length = Ipv6Packet.HEADER_LENGTH + v6.payloadLength() - dataStart;
    boolean last = !v6.moreFragments();
    int unfragmentable = v6.fragmentHeaderOffset() - Ipv6Packet.HEADER_LENGTH;
    if (offset + length + unfragmentable > MAX_PAYLOAD) {
      return dropped(HostDropReason.IPV6_FRAGMENT_TOO_LARGE); // RFC 8200 §4.5: beyond 65,535 octets
    }
    if (!last && (length % 8) != 0) {
      return dropped(
          HostDropReason
              .IPV6_FRAGMENT_BAD_LENGTH); // RFC 8200 §4.5: M set and not a multiple of 8 octets
    }
    if (length == 0 && !last) {
      return dropped(HostDropReason.IPV6_FRAGMENT_BAD_LENGTH);
    }
    Key key = new Key(v6.source(), v6.destination(), v6.fragmentIdentification());
    FragmentedDatagram p = partials.open(key, length, now);
    if (p == null) {
      return dropped(HostDropReason.IPV6_REASSEMBLY_MEMORY_FULL);
    }
    if (p.overlaps(offset, length)) {
      // RFC 5722 §4: "the entire datagram (and any constituent fragments, including those not yet
      // received) MUST be silently discarded".
      partials.forget(key, p);
      return dropped(HostDropReason.IPV6_FRAGMENT_OVERLAP);
    }
    if (last && p.totalLength >= 0 && p.totalLength != offset + length) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV6_FRAGMENT_INCONSISTENT_END);
    }
    if (p.totalLength >= 0 && offset + length > p.totalLength) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV6_FRAGMENT_PAST_THE_END);
    }
    partials.put(p, offset, packet, dataStart, length);
    if (offset == 0) {
      p.firstHeader = Arrays.copyOf(packet, v6.fragmentHeaderOffset());
      p.firstNextHeader = v6.upperLayerProtocol();
      p.firstPointer = v6.fragmentPointerOffset();
      partials.keepFirstFragment(p, packet);
    }
    if (last) {
      p.totalLength = offset + length;
      if (p.data.length > p.totalLength) {
        partials.forget(key, p);
        return dropped(HostDropReason.IPV6_FRAGMENT_PAST_THE_END);
      }
    }
    if (partials.overLimit()) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV6_REASSEMBLY_MEMORY_FULL);
    }
    if (!p.isComplete()) {
      return null;
    }
    partials.forget(key, p);
    if (p.firstHeader.length + p.totalLength - Ipv6Packet.HEADER_LENGTH > MAX_PAYLOAD) {
      return dropped(HostDropReason.IPV6_FRAGMENT_TOO_LARGE);
    }
    return assemble(p);
  }

  /** Returns why the last {@link #add} dropped something, or null. */
  HostDropReason lastDropReason() {
    return lastDropReason;
  }

  /** Returns the earliest time an incomplete datagram expires, or Long.MAX_VALUE. */
  long nextExpiry() {
    return partials.nextExpiry();
  }

  /**
   * Drops every incomplete datagram whose time is up and gives the start of each one's first
   * fragment, when it came, to {@code firstFragments} (RFC 8200 §4.5's time exceeded); returns how
   * many.
   */
  int expire(long now, Consumer<byte[]> firstFragments) {
    return partials.expire(now, firstFragments);
  }

  /** Returns the number of incomplete datagrams held. */
  int pending() {
    return partials.pending();
  }

  /** Returns the bytes the incomplete datagrams hold. */
  int memoryUsed() {
    return partials.memoryUsed();
  }

  private byte[] dropped(HostDropReason reason) {
    lastDropReason = reason;
    return null;
  }

  /** Returns the IPv6 packet of a complete datagram. */
  private static byte[] assemble(FragmentedDatagram p) {
    int headerLength = p.firstHeader.length;
    byte[] whole = new byte[headerLength + p.totalLength];
    System.arraycopy(p.firstHeader, 0, whole, 0, headerLength);
    System.arraycopy(p.data, 0, whole, headerLength, p.totalLength);
    int payloadLength = whole.length - Ipv6Packet.HEADER_LENGTH;
    whole[4] = (byte) (payloadLength >>> 8);
    whole[5] = (byte) payloadLength;
    whole[p.firstPointer] = (byte) p.firstNextHeader;
    return whole;
  }

  /** RFC 8200 §4.5: fragments belong together when source, destination and identification match. */
  private record Key(InetAddress source, InetAddress destination, int identification) {}
}
