package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * Receive-buffer auto-tuning as Linux does it ({@code tcp_rcv_space_adjust}, "dynamic
 * right-sizing"): once per round trip, the bytes the application read in that round trip tell how
 * fast the sender goes; the buffer (and so the window we offer) grows to twice that plus a cushion,
 * more while the rate is still rising (slow start), up to a maximum (Linux's {@code tcp_rmem[2]}, 6
 * MiB). It never shrinks: the right edge of the window must not move left (RFC 9293 §3.8.6.2.2).
 *
 * <p>The round trip is the receiver's own estimate ({@code tcp_rcv_rtt_measure}): from the
 * timestamps the peer echoes on its data when they are on, else the time a window's worth of data
 * takes to arrive; the connection's SRTT stands in before the first estimate.
 */
final class ReceiveBufferTuner {
  /**
   * Linux's {@code TCP_INIT_CWND}: the first measure assumes the sender starts with ten segments.
   */
  private static final int INITIAL_SEGMENTS = 10;

  /** Linux adds sixteen segments to the doubled rate, as a cushion for small variations. */
  private static final int CUSHION_SEGMENTS = 16;

  /** The largest buffer auto-tuning may reach; the initial size when tuning is off. */
  private final int maxBuffer;

  /** Whether the user fixed the buffer size (Linux's {@code SOCK_RCVBUF_LOCK}): no tuning then. */
  private boolean locked;

  /** The receiver's RTT estimate in ns, 0 until measured. */
  private long rtt;

  /**
   * Window-based measure: the sequence number whose arrival ends the current sample, and when it
   * began.
   */
  private int rttSeq;

  private long rttStart = -1;

  /**
   * The bytes read per round trip at the last growth (Linux's {@code rcvq_space.space}), 0 before
   * the first read.
   */
  private int space;

  /** Bytes read in total when the current round trip began, and when it began. */
  private long readAtStart;

  private long measureStart;

  ReceiveBufferTuner(int maxBuffer) {
    this.maxBuffer = maxBuffer;
  }

  /** Returns the bytes read per round trip at the last growth, 0 before the first. */
  int space() {
    return space;
  }

  /** Stops tuning: the user set the buffer size. */
  void lock() {
    locked = true;
  }

  /** Returns the receiver's RTT estimate in ns, 0 when there is none yet. */
  long rtt() {
    return rtt;
  }

  /**
   * Takes an RTT sample from the TSecr of a full-sized data segment (Linux's {@code
   * tcp_rcv_rtt_measure_ts}): smoothed with gain 1/8, as SRTT is.
   */
  void onTimestampSample(long sample) {
    long s =
        Math.max(sample, 1_000_000L); // the timestamp clock ticks in ms; 0 means under one tick
    rtt = rtt == 0 ? s : rtt + (s - rtt) / 8;
  }

  /**
   * Takes in-order data without timestamps (Linux's {@code tcp_rcv_rtt_measure}): the time until
   * RCV.NXT passes the right edge announced when the sample began is at least one round trip, so
   * the smallest such time is kept.
   */
  void onInOrderData(int rcvNxt, int rcvWnd, long now) {
    if (rttStart >= 0 && SeqNum.lt(rcvNxt, rttSeq)) return;
    if (rttStart >= 0) {
      long sample = Math.max(1, now - rttStart);
      rtt = rtt == 0 ? sample : Math.min(rtt, sample);
    }
    rttSeq = SeqNum.add(rcvNxt, Math.max(1, rcvWnd));
    rttStart = now;
  }

  /**
   * Notes that the user has read {@code totalRead} bytes in all by {@code now}; returns the new
   * buffer size, at least {@code buffer}.
   *
   * @param fallbackRtt the connection's SRTT, used before the receiver has its own estimate
   * @param mss our MSS (Linux's {@code advmss})
   */
  int onRead(long totalRead, long now, long fallbackRtt, int buffer, int mss) {
    if (locked || buffer >= maxBuffer) return buffer;
    if (space == 0) {
      space = Math.min(buffer, INITIAL_SEGMENTS * mss);
      readAtStart = 0;
      measureStart = now;
    }
    long roundTrip = rtt > 0 ? rtt : fallbackRtt;
    if (roundTrip <= 0 || now - measureStart < roundTrip) return buffer;
    long copied = totalRead - readAtStart;
    int grown = buffer;
    if (copied > space) {
      // Twice the rate read copes with a loss; the sender may still double its window each round
      // trip (slow start), and the window we announce now is used in the next round trip, so the
      // growth seen counts twice more (Linux's reasoning in tcp_rcv_space_adjust).
      long window = 2 * copied + (long) CUSHION_SEGMENTS * mss;
      long grow = window * (copied - space) / space;
      window += 2 * grow;
      grown = (int) Math.max(buffer, Math.min(window, maxBuffer));
      space = (int) Math.min(copied, Integer.MAX_VALUE);
    }
    readAtStart = totalRead;
    measureStart = now;
    return grown;
  }
}
