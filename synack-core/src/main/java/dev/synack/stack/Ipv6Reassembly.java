package dev.synack.stack;

import dev.synack.wire.Ipv6Packet;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

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

  private final long timeoutNanos;
  private final int memoryLimit;
  private final Map<Key, FragmentedDatagram> partials = new HashMap<>();
  private int memoryUsed;
  private String lastDropReason;

  Ipv6Reassembly(long timeoutNanos, int memoryLimit) {
    this.timeoutNanos = timeoutNanos;
    this.memoryLimit = memoryLimit;
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
      return dropped("ipv6-fragment-malformed");
    }
    int offset = v6.fragmentOffset() * 8;
    int dataStart = v6.fragmentHeaderOffset() + 8;
    int length = Ipv6Packet.HEADER_LENGTH + v6.payloadLength() - dataStart;
    boolean last = !v6.moreFragments();
    int unfragmentable = v6.fragmentHeaderOffset() - Ipv6Packet.HEADER_LENGTH;
    if (offset + length + unfragmentable > MAX_PAYLOAD) {
      return dropped("ipv6-fragment-too-large"); // RFC 8200 §4.5: beyond 65,535 octets
    }
    if (!last && (length % 8) != 0) {
      return dropped(
          "ipv6-fragment-bad-length"); // RFC 8200 §4.5: M set and not a multiple of 8 octets
    }
    if (length == 0 && !last) {
      return dropped("ipv6-fragment-bad-length");
    }
    Key key = new Key(v6.source(), v6.destination(), v6.fragmentIdentification());
    FragmentedDatagram p = partials.get(key);
    if (p == null) {
      if (memoryUsed + length > memoryLimit) {
        return dropped("ipv6-reassembly-memory-full");
      }
      p = new FragmentedDatagram(now + timeoutNanos);
      partials.put(key, p);
    }
    if (p.overlaps(offset, length)) {
      // RFC 5722 §4: "the entire datagram (and any constituent fragments, including those not yet
      // received) MUST be silently discarded".
      forget(key, p);
      return dropped("ipv6-fragment-overlap");
    }
    if (last && p.totalLength >= 0 && p.totalLength != offset + length) {
      forget(key, p);
      return dropped("ipv6-fragment-inconsistent-end");
    }
    if (p.totalLength >= 0 && offset + length > p.totalLength) {
      forget(key, p);
      return dropped("ipv6-fragment-past-the-end");
    }
    int before = p.data.length;
    p.put(offset, packet, dataStart, length);
    memoryUsed += p.data.length - before;
    if (offset == 0) {
      p.firstHeader = Arrays.copyOf(packet, v6.fragmentHeaderOffset());
      p.firstNextHeader = v6.upperLayerProtocol();
      p.firstPointer = v6.fragmentPointerOffset();
      memoryUsed += p.keepFirstFragment(packet);
    }
    if (last) {
      p.totalLength = offset + length;
      if (p.data.length > p.totalLength) {
        forget(key, p);
        return dropped("ipv6-fragment-past-the-end");
      }
    }
    if (memoryUsed > memoryLimit) {
      forget(key, p);
      return dropped("ipv6-reassembly-memory-full");
    }
    if (!p.isComplete()) {
      return null;
    }
    forget(key, p);
    if (p.firstHeader.length + p.totalLength - Ipv6Packet.HEADER_LENGTH > MAX_PAYLOAD) {
      return dropped("ipv6-fragment-too-large");
    }
    return assemble(p);
  }

  /** Returns why the last {@link #add} dropped something, or null. */
  String lastDropReason() {
    return lastDropReason;
  }

  /** Returns the earliest time an incomplete datagram expires, or Long.MAX_VALUE. */
  long nextExpiry() {
    long next = Long.MAX_VALUE;
    for (FragmentedDatagram p : partials.values()) next = Math.min(next, p.expiry);
    return next;
  }

  /**
   * Drops every incomplete datagram whose time is up and gives the start of each one's first
   * fragment, when it came, to {@code firstFragments} (RFC 8200 §4.5's time exceeded); returns how
   * many.
   */
  int expire(long now, java.util.function.Consumer<byte[]> firstFragments) {
    int expired = 0;
    for (Iterator<FragmentedDatagram> it = partials.values().iterator(); it.hasNext(); ) {
      FragmentedDatagram p = it.next();
      if (p.expiry <= now) {
        memoryUsed -= p.footprint();
        it.remove();
        expired++;
        if (p.firstFragment != null) firstFragments.accept(p.firstFragment);
      }
    }
    return expired;
  }

  /** Returns the number of incomplete datagrams held. */
  int pending() {
    return partials.size();
  }

  /** Returns the bytes the incomplete datagrams hold. */
  int memoryUsed() {
    return memoryUsed;
  }

  private void forget(Key key, FragmentedDatagram p) {
    partials.remove(key);
    memoryUsed -= p.footprint();
  }

  private byte[] dropped(String reason) {
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
