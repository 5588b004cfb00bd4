package dev.synack.stack;

import dev.synack.wire.Checksum;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Ipv4Packet;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Puts fragmented IPv4 datagrams back together (RFC 791 §3.2, "reassembly"), within limits: a
 * datagram not complete after the timeout is dropped, all incomplete datagrams together hold at
 * most a memory limit, and overlapping fragments drop the whole datagram, as Linux does since the
 * FragmentSmack fixes (RFC 5722 makes the same rule for IPv6).
 */
final class Ipv4Reassembly {
  private static final int MAX_DATAGRAM = 65535;

  private final FragmentTable<Key> partials;
  private HostDropReason lastDropReason;

  Ipv4Reassembly(long timeoutNanos, int memoryLimit) {
    this.partials = new FragmentTable<>(timeoutNanos, memoryLimit);
  }

  /**
   * Adds one fragment; returns the whole datagram (a new IPv4 packet without fragment fields) when
   * this fragment completes it, or null. After a null, {@link #lastDropReason()} says whether the
   * fragment or its datagram was dropped.
   */
  byte[] add(IpDatagram ip, byte[] packet, long now) {
    lastDropReason = null;
    if (!(Ipv4Packet.wrap(ByteBuffer.wrap(packet))
        instanceof Parsed.Ok<Ipv4Packet>(Ipv4Packet v4))) {
      return dropped(HostDropReason.IPV4_FRAGMENT_MALFORMED);
    }
    int offset = v4.fragmentOffset() * 8; // the field counts 8-byte blocks (RFC 791 §3.1)
    int headerLength = v4.headerLength();
    int length = v4.totalLength() - headerLength;
    boolean last = !v4.moreFragments();
    if (offset + length > MAX_DATAGRAM - headerLength) {
      return dropped(HostDropReason.IPV4_FRAGMENT_TOO_LARGE);
    }
    if (!last && (length % 8) != 0) {
      return dropped(
          HostDropReason
              .IPV4_FRAGMENT_BAD_LENGTH); // RFC 791: all but the last carry multiples of 8 bytes
    }
    Key key = new Key(ip.source(), ip.destination(), v4.identification(), v4.protocol());
    FragmentedDatagram p = partials.open(key, length, now);
    if (p == null) {
      return dropped(HostDropReason.IPV4_REASSEMBLY_MEMORY_FULL);
    }
    if (p.overlaps(offset, length)) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV4_FRAGMENT_OVERLAP);
    }
    if (last && p.totalLength >= 0 && p.totalLength != offset + length) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV4_FRAGMENT_INCONSISTENT_END);
    }
    partials.put(p, offset, packet, headerLength, length);
    if (offset == 0) {
      p.firstHeader = Arrays.copyOf(packet, headerLength);
      partials.keepFirstFragment(p, packet);
    }
    if (last) {
      p.totalLength = offset + length;
    }
    if (partials.overLimit()) {
      partials.forget(key, p);
      return dropped(HostDropReason.IPV4_REASSEMBLY_MEMORY_FULL);
    }
    if (!p.isComplete()) {
      return null;
    }
    partials.forget(key, p);
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
   * fragment, when it came, to {@code firstFragments} (for RFC 792's time exceeded); returns how
   * many.
   */
  int expire(long now, Consumer<byte[]> firstFragments) {
    return partials.expire(now, firstFragments);
  }

  /** Returns the number of incomplete datagrams held. */
  int pending() {
    return partials.pending();
  }

  private byte[] dropped(HostDropReason reason) {
    lastDropReason = reason;
    return null;
  }

  private record Key(
      InetAddress source, InetAddress destination, int identification, int protocol) {}

  /**
   * Returns the IPv4 packet of a complete datagram: the first fragment's header, offset 0, no MF, a
   * new checksum.
   */
  private static byte[] assemble(FragmentedDatagram p) {
    int headerLength = p.firstHeader.length;
    byte[] whole = new byte[headerLength + p.totalLength];
    System.arraycopy(p.firstHeader, 0, whole, 0, headerLength);
    System.arraycopy(p.data, 0, whole, headerLength, p.totalLength);
    int total = whole.length;
    whole[2] = (byte) (total >>> 8);
    whole[3] = (byte) total;
    whole[6] = 0; // no more fragments, offset 0 (DF is meaningless now)
    whole[7] = 0;
    whole[10] = 0;
    whole[11] = 0;
    int checksum = Checksum.compute(ByteBuffer.wrap(whole), 0, headerLength);
    whole[10] = (byte) (checksum >>> 8);
    whole[11] = (byte) checksum;
    return whole;
  }
}
