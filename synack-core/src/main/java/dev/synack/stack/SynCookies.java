package dev.synack.stack;

import dev.synack.tcp.ConnectionParams;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.SipHash;
import dev.synack.tcp.TcpConfig;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * SYN cookies (RFC 4987 §3.6) in Linux's scheme ({@code net/ipv4/syncookies.c}): when a listener's
 * SYN queue is full, the SYN-ACK's sequence number carries what the half-open entry would have
 * held, and no state is kept; the ACK that completes the handshake gives it back.
 *
 * <pre>
 *   ISS = H0(4-tuple) + SEG.SEQ + (count &lt;&lt; 24) + ((H1(4-tuple, count) + mssIndex) mod 2^24)
 * </pre>
 *
 * where H0 and H1 are SipHash-2-4 under two secret keys, {@code count} is a counter of 64-second
 * periods (Linux: {@code jiffies / (60 * HZ)}), and {@code mssIndex} picks the peer's MSS from a
 * table of four common values. A cookie is valid for the period it was made in and the next one
 * (Linux's {@code MAX_SYNCOOKIE_AGE}), so 64 to 128 seconds. When the SYN had timestamps, the other
 * options the peer offered (window scale and SACK-permitted) ride in the low 6 bits of our TSval,
 * which the peer echoes in TSecr (Linux's {@code cookie_init_timestamp}); without timestamps, a
 * cookie SYN-ACK offers neither, as on Linux.
 *
 * <p>Immutable; the keys are injected (drawn from the host's secret), so runs replay.
 */
final class SynCookies {
  /**
   * How long one value of {@code count} lasts: Linux's {@code TCP_SYNCOOKIE_PERIOD}, 60 s of
   * jiffies; 2^36 ns here.
   */
  static final int PERIOD_SHIFT = 36;

  static final long PERIOD_NANOS = 1L << PERIOD_SHIFT;
  private static final int COOKIE_BITS = 24;
  private static final int COOKIE_MASK = (1 << COOKIE_BITS) - 1;

  /**
   * A cookie is checked against the current period and the one before (Linux's MAX_SYNCOOKIE_AGE =
   * 2).
   */
  private static final int MAX_AGE = 2;

  /** The MSS values a cookie can carry (Linux's {@code msstab}), IPv4. */
  private static final int[] MSS_V4 = {536, 1300, 1440, 1460};

  /**
   * The MSS values for IPv6 (Linux's {@code msstab} in syncookies.c for IPv6: 1280, 1480, 1500,
   * 9000 less 60).
   */
  private static final int[] MSS_V6 = {1220, 1420, 1440, 8940};

  /**
   * The low TSval bits that carry options: 4 of window scale (15: none), SACK-permitted, and one
   * spare (ECN on Linux).
   */
  private static final int TS_OPTION_BITS = 6;

  private static final int TS_MASK = (1 << TS_OPTION_BITS) - 1;
  private static final int NO_WSCALE = 0xf;
  private static final int SACK_BIT = 1 << 4;

  private final long k0;
  private final long k1;
  private final long k2;
  private final long k3;

  SynCookies(long k0, long k1, long k2, long k3) {
    this.k0 = k0;
    this.k1 = k1;
    this.k2 = k2;
    this.k3 = k3;
  }

  /** What a valid cookie gives back: the MSS the peer offered (rounded down to the table). */
  record Decoded(int mss) {}

  /** The options a cookie's timestamp gives back. */
  record TimestampOptions(int windowScale, boolean sackPermitted) {}

  /**
   * Returns the index of the largest table MSS not above {@code peerMss} (the smallest entry when
   * all are above).
   */
  static int mssIndex(int peerMss, boolean ipv6) {
    int[] table = ipv6 ? MSS_V6 : MSS_V4;
    int i = table.length - 1;
    while (i > 0 && peerMss < table[i]) i--;
    return i;
  }

  /** Returns the MSS a table index stands for. */
  static int mssOf(int index, boolean ipv6) {
    return (ipv6 ? MSS_V6 : MSS_V4)[index];
  }

  /**
   * Returns the ISS that encodes a SYN of sequence number {@code peerIss} and MSS table index
   * {@code mssIndex} on {@code id} (as seen from the listener) at {@code now}.
   */
  int cookie(FourTuple id, int peerIss, int mssIndex, long now) {
    int count = (int) (now >>> PERIOD_SHIFT);
    return hash(id, 0, k0, k1)
        + peerIss
        + (count << COOKIE_BITS)
        + ((hash(id, count, k2, k3) + mssIndex) & COOKIE_MASK);
  }

  /**
   * Checks the cookie an ACK returns: {@code cookie} is SEG.ACK - 1 and {@code peerIss} is SEG.SEQ
   * - 1. Returns what it encoded, or {@code null} when it is not a cookie of ours, or too old.
   */
  Decoded check(FourTuple id, int peerIss, int cookie, long now, boolean ipv6) {
    int count = (int) (now >>> PERIOD_SHIFT);
    int rest = cookie - hash(id, 0, k0, k1) - peerIss;
    // rest is now (count << 24) + (H1 + mssIndex) mod 2^24, where count may be a period or so old.
    int age = (count - (rest >>> COOKIE_BITS)) & (-1 >>> COOKIE_BITS);
    if (age >= MAX_AGE) return null;
    int mssIndex = (rest - hash(id, count - age, k2, k3)) & COOKIE_MASK;
    if (mssIndex >= (ipv6 ? MSS_V6 : MSS_V4).length) return null;
    return new Decoded(mssOf(mssIndex, ipv6));
  }

  /**
   * Returns our TSval for a cookie SYN-ACK: the clock {@code tsNow} with its low 6 bits replaced by
   * the peer's window scale (or none) and SACK-permitted, moved back one step if that put it ahead
   * of the clock, so that the timestamps we send never go backwards (Linux's {@code
   * cookie_init_timestamp}).
   */
  static int timestamp(int tsNow, int peerWindowScale, boolean sackPermitted) {
    int options =
        (peerWindowScale < 0 ? NO_WSCALE : Math.min(peerWindowScale, 14))
            | (sackPermitted ? SACK_BIT : 0);
    int ts = (tsNow & ~TS_MASK) | options;
    if (SeqNum.gt(ts, tsNow)) ts -= TS_MASK + 1;
    return ts;
  }

  /**
   * Returns what a cookie's SYN-ACK derives beside the listener's settings {@code tcp}: with
   * timestamps, a timestamp offset that makes its TSval carry the peer's window scale and
   * SACK-permitted ({@link #timestamp}); without them neither is offered, as on Linux, since
   * nothing would remember them.
   */
  static ConnectionParams synAckParams(
      TcpConfig tcp, ConnectionParams params, TcpSegment syn, long now) {
    if (!tcp.timestamps() || syn.options().timestamps() == null) {
      return params.withoutWindowScaleOrSack();
    }
    int tsNow = (int) Math.floorDiv(now, 1_000_000L) + params.timestampOffset();
    int tsVal =
        timestamp(
            tsNow,
            tcp.windowScale() ? syn.options().windowScale() : -1,
            tcp.sackPermitted() && syn.options().sackPermitted());
    return params.withTimestampOffset(params.timestampOffset() + (tsVal - tsNow));
  }

  /**
   * Returns the SYN a valid cookie {@code ack} stands for: sequence number SEG.SEQ - 1, the MSS
   * from the table and, when the ACK echoes our timestamp ({@code ts} not null), the window scale
   * and SACK-permitted our TSval kept.
   */
  static TcpSegment restoredSyn(TcpSegment ack, int mss, TimestampOptions ts) {
    List<TcpOption> options = new ArrayList<>(4);
    options.add(new TcpOption.MaximumSegmentSize(mss));
    if (ts != null) {
      if (ts.sackPermitted()) options.add(new TcpOption.SackPermitted());
      options.add(new TcpOption.Timestamps(ack.options().timestamps().tsVal(), 0));
      if (ts.windowScale() >= 0) options.add(new TcpOption.WindowScale(ts.windowScale()));
    }
    return new TcpSegment(
        ack.sourcePort(),
        ack.destinationPort(),
        SeqNum.add(ack.sequenceNumber(), -1),
        0,
        TcpFlags.SYN,
        ack.window(),
        0,
        0,
        new TcpOptions(options),
        null);
  }

  /**
   * Returns the options a TSecr echoing {@link #timestamp} carries (Linux's {@code
   * cookie_timestamp_decode}).
   */
  static TimestampOptions options(int tsEcr) {
    int wscale = tsEcr & NO_WSCALE;
    return new TimestampOptions(wscale == NO_WSCALE ? -1 : wscale, (tsEcr & SACK_BIT) != 0);
  }

  /**
   * Returns SipHash of the 4-tuple and {@code count} under one of the two keys (Linux's {@code
   * cookie_hash}).
   */
  static int hash(FourTuple id, int count, long key0, long key1) {
    if (id.remoteAddress() instanceof Inet4Address remote
        && id.localAddress() instanceof Inet4Address local) {
      // The same 16 bytes as below, as two words: no array per SYN (Inet4Address.hashCode is the
      // address in network order).
      long m0 =
          SipHash.littleEndian(remote.hashCode()) | SipHash.littleEndian(local.hashCode()) << 32;
      long m1 =
          SipHash.littleEndian((id.remotePort() << 16) | (id.localPort() & 0xffff))
              | SipHash.littleEndian(count) << 32;
      return (int) SipHash.hash(key0, key1, m0, m1, 16);
    }
    byte[] local = id.localAddress().getAddress();
    byte[] remote = id.remoteAddress().getAddress();
    ByteBuffer m = ByteBuffer.allocate(local.length + remote.length + 8);
    m.put(remote)
        .put(local)
        .putShort((short) id.remotePort())
        .putShort((short) id.localPort())
        .putInt(count);
    return (int) SipHash.hash(key0, key1, m.array());
  }
}
