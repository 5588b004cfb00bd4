package dev.synack.cli;

import dev.synack.wire.Addresses;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * Writes packets the way {@code tcpdump -S -nn} does, so that a decode can be read beside (and
 * diffed against) tcpdump's own: local time of day with microseconds, {@code IP}/{@code IP6},
 * {@code addr.port > addr.port}, then the TCP fields with absolute sequence numbers.
 */
final class TcpdumpFormat {
  private TcpdumpFormat() {}

  /** Returns the time of day in {@code zone} as tcpdump prints it, {@code 12:00:00.000123}. */
  static String time(long epochNanos, ZoneId zone) {
    LocalTime t = LocalTime.ofInstant(Instant.ofEpochSecond(0, epochNanos), zone);
    return String.format(
        "%02d:%02d:%02d.%06d", t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
  }

  /** Returns {@code IP} or {@code IP6}, as tcpdump names the network layer. */
  static String ipVersion(InetAddress address) {
    return address instanceof Inet4Address ? "IP" : "IP6";
  }

  /**
   * Returns an address in its text form: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, the
   * longest run of two or more zero groups shortened to {@code ::}), as tcpdump and tshark print
   * it.
   */
  static String address(InetAddress address) {
    return Addresses.text(address);
  }

  /** Returns an endpoint as traces name it, {@code 10.0.0.1:80} or {@code [::1]:80}. */
  static String endpoint(InetAddress address, int port) {
    return Addresses.endpoint(address, port);
  }

  /**
   * Returns the line of a TCP segment after the time, e.g. {@code IP 127.0.0.1.40000 >
   * 127.0.0.1.8080: Flags [S], seq 1, win 65495, options [mss 65495], length 0}. Like tcpdump,
   * {@code seq} is shown only when the segment occupies sequence space or carries data, and {@code
   * ack} only when the ACK bit is set.
   */
  static String segment(InetAddress source, InetAddress destination, TcpSegment s) {
    return segment(source, destination, s, 0, 0);
  }

  /**
   * Returns the line of a TCP segment with its sequence number less {@code seqOrigin} and its
   * acknowledgment number less {@code ackOrigin} (mod 2^32): relative numbers, as Wireshark shows
   * them, when the origins are each direction's ISN; absolute with origins 0.
   */
  static String segment(
      InetAddress source, InetAddress destination, TcpSegment s, int seqOrigin, int ackOrigin) {
    StringBuilder b = new StringBuilder(160);
    b.append(ipVersion(source))
        .append(' ')
        .append(address(source))
        .append('.')
        .append(s.sourcePort())
        .append(" > ")
        .append(address(destination))
        .append('.')
        .append(s.destinationPort())
        .append(": Flags [")
        .append(TcpFlags.tcpdump(s.flags()))
        .append(']');
    int len = s.payloadLength();
    if (len > 0 || s.has(TcpFlags.SYN) || s.has(TcpFlags.FIN) || s.has(TcpFlags.RST)) {
      int seq = SeqNum.diff(s.sequenceNumber(), seqOrigin);
      b.append(", seq ").append(Integer.toUnsignedString(seq));
      if (len > 0) b.append(':').append(Integer.toUnsignedString(SeqNum.add(seq, len)));
    }
    if (s.has(TcpFlags.ACK))
      b.append(", ack ")
          .append(Integer.toUnsignedString(SeqNum.diff(s.acknowledgmentNumber(), ackOrigin)));
    b.append(", win ").append(s.window());
    if (s.has(TcpFlags.URG)) b.append(", urg ").append(s.urgentPointer());
    if (!s.options().isEmpty()) b.append(", options [").append(s.options().describe()).append(']');
    return b.append(", length ").append(len).toString();
  }
}
