package dev.synack.stack;

import dev.synack.tcp.Lesson;
import dev.synack.tcp.TcpConfig;
import dev.synack.wire.Checksum;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The SYN-ACKs of SYN cookies written in place from templates, as Linux answers a SYN under cookies
 * ({@code tcp_conn_request}: {@code cookie_v4_init_sequence}, then {@code tcp_make_synack} from the
 * listener, with no request sock kept): no connection, no copy of the settings and no segment built
 * per SYN.
 *
 * <p>What a cookie's SYN-ACK holds depends on the listener, the address family and which of
 * timestamps, SACK-permitted and window scale it answers (its "shape"), and otherwise only on the
 * SYN's addresses, ports and numbers. So the first SYN of each shape is answered by the engine, as
 * before, and its SYN-ACK kept as the shape's template; every later one is that template with the
 * addresses, ports, sequence and acknowledgment numbers, TSval and TSecr written in and both
 * checksums summed again. A SYN whose answer could differ otherwise (data or flags beside SYN and
 * ECN's, a lesson, {@link dev.synack.tcp.TcpChoices#receiveBufferRoundedUpToMss}) goes to the
 * engine every time.
 */
final class CookieSynAcks {
  /** Shapes: IPv6, timestamps, SACK-permitted, window scale, one bit each. */
  static final int SHAPES = 16;

  /** No template fits: the engine answers. */
  static final int NO_SHAPE = -1;

  private static final int IPV4_HEADER = 20;
  private static final int IPV6_HEADER = 40;

  /** Where the TCP checksum lies in the header (RFC 9293 §3.1). */
  private static final int TCP_CHECKSUM = 16;

  private CookieSynAcks() {}

  /**
   * A whole SYN-ACK packet the engine wrote, and the index of its TSval (-1: no timestamps option).
   */
  record Template(byte[] packet, int tsValAt) {}

  /**
   * Returns the shape of the SYN-ACK a cookie answers {@code syn} with under the listener's {@code
   * tcp} settings, or {@link #NO_SHAPE} when only the engine may answer it.
   */
  static int shape(TcpSegment syn, TcpConfig tcp, boolean ipv6) {
    if (syn.payloadLength() != 0 || (syn.flags() & ~(TcpFlags.SYN | TcpFlags.ACE)) != 0)
      return NO_SHAPE;
    if (tcp.lesson() != Lesson.NONE || tcp.choices().receiveBufferRoundedUpToMss()) return NO_SHAPE;
    TcpOptions o = syn.options();
    // As SynCookies.synAckParams: without timestamps, neither window scale nor SACK is offered.
    boolean ts = tcp.timestamps() && o.timestamps() != null;
    boolean sack = ts && tcp.sackPermitted() && o.sackPermitted();
    boolean ws = ts && tcp.windowScale() && o.windowScale() >= 0;
    return (ipv6 ? 8 : 0) | (ts ? 4 : 0) | (sack ? 2 : 0) | (ws ? 1 : 0);
  }

  /** Returns a template of the whole SYN-ACK packet {@code packet} the engine wrote. */
  static Template template(byte[] packet) {
    int tcp = (packet[0] & 0xf0) == 0x40 ? IPV4_HEADER : IPV6_HEADER;
    int end = tcp + ((packet[tcp + 12] & 0xf0) >>> 2);
    int tsValAt = -1;
    for (int i = tcp + 20; i < end; ) {
      int kind = packet[i] & 0xff;
      if (kind == 0) break; // end of option list
      if (kind == 1) { // no-operation
        i++;
        continue;
      }
      if (i + 1 >= end) break;
      int length = packet[i + 1] & 0xff;
      if (kind == 8 && length == 10) tsValAt = i + 2;
      if (length < 2) break;
      i += length;
    }
    return new Template(packet.clone(), tsValAt);
  }

  /**
   * Writes the SYN-ACK of {@code template} that answers {@code syn} (which came in {@code ip}) with
   * ISS {@code cookie} and TSval {@code tsVal} at index {@code at} of {@code out}; returns its
   * length.
   */
  static int write(
      Template template,
      ByteBuffer out,
      int at,
      IpDatagram ip,
      TcpSegment syn,
      int cookie,
      int tsVal) {
    byte[] packet = template.packet();
    out.put(at, packet);
    InetAddress source = ip.destination(); // ours: where the SYN went
    InetAddress destination = ip.source();
    int tcp;
    if (source instanceof Inet4Address) {
      tcp = at + IPV4_HEADER;
      // Inet4Address.hashCode is the address in network order (see Checksum.addressSum).
      out.putInt(at + 12, source.hashCode());
      out.putInt(at + 16, destination.hashCode());
      out.putShort(at + 10, (short) 0);
      out.putShort(at + 10, (short) Checksum.compute(out, at, IPV4_HEADER));
    } else {
      tcp = at + IPV6_HEADER;
      out.put(at + 8, source.getAddress());
      out.put(at + 24, destination.getAddress());
    }
    int length = packet.length - (tcp - at);
    out.putShort(tcp, (short) syn.destinationPort());
    out.putShort(tcp + 2, (short) syn.sourcePort());
    out.putInt(tcp + 4, cookie);
    out.putInt(tcp + 8, SeqNum.add(syn.sequenceNumber(), 1));
    if (template.tsValAt() >= 0) {
      int ts = at + template.tsValAt();
      out.putInt(ts, tsVal);
      out.putInt(ts + 4, syn.options().timestamps().tsVal()); // TSecr echoes the SYN's TSval
    }
    out.putShort(tcp + TCP_CHECKSUM, (short) 0);
    long sum =
        Checksum.pseudoHeaderSum(source, destination, TcpCodec.PROTOCOL, length)
            + Checksum.sum(out, tcp, length);
    out.putShort(tcp + TCP_CHECKSUM, (short) Checksum.finish(sum));
    return packet.length;
  }
}
