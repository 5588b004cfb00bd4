package dev.synack.cli;

import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a capture shows about each segment of one connection, as Wireshark's TCP sequence analysis
 * marks it (the {@code tcp.analysis.*} fields of tshark): retransmissions of each kind, duplicate
 * ACKs with their number, segments not captured, out-of-order segments, zero windows and their
 * probes, keep-alives, full windows and window updates.
 *
 * <p>The rules are Wireshark's own ({@code epan/dissectors/packet-tcp.c}, {@code
 * tcp_analyze_sequence_number}), written anew and checked segment by segment against tshark 4.0 on
 * captures of the Linux kernel over a lossy path ({@code DecodeAnalysisInteropTest}). They are
 * heuristics of a passive observer, not what either end knew: a "retransmission" is a segment below
 * the highest sequence number seen, an "out-of-order" one that came within the handshake's
 * round-trip time of it.
 *
 * <p>Call {@link #segment} for every segment of the connection, in capture order.
 */
final class SegmentAnalysis {
  /**
   * One mark, with the name of its tshark field ({@code tcp.analysis.NAME}) and its Wireshark
   * label.
   */
  enum Mark {
    RETRANSMISSION("retransmission", "TCP Retransmission", "TCP 重传"),
    FAST_RETRANSMISSION("fast_retransmission", "TCP Fast Retransmission", "TCP 快速重传"),
    SPURIOUS_RETRANSMISSION("spurious_retransmission", "TCP Spurious Retransmission", "TCP 多余的重传"),
    OUT_OF_ORDER("out_of_order", "TCP Out-Of-Order", "TCP 乱序"),
    LOST_SEGMENT("lost_segment", "TCP Previous segment not captured", "TCP 前一个报文段没有抓到"),
    ACK_LOST_SEGMENT("ack_lost_segment", "TCP ACKed unseen segment", "TCP 确认了没有抓到的报文段"),
    DUPLICATE_ACK("duplicate_ack", "TCP Dup ACK", "TCP 重复 ACK"),
    ZERO_WINDOW("zero_window", "TCP ZeroWindow", "TCP 零窗口"),
    ZERO_WINDOW_PROBE("zero_window_probe", "TCP ZeroWindowProbe", "TCP 零窗口探测"),
    ZERO_WINDOW_PROBE_ACK("zero_window_probe_ack", "TCP ZeroWindowProbeAck", "TCP 零窗口探测的 ACK"),
    WINDOW_FULL("window_full", "TCP Window Full", "TCP 窗口已满"),
    WINDOW_UPDATE("window_update", "TCP Window Update", "TCP 窗口更新"),
    KEEP_ALIVE("keep_alive", "TCP Keep-Alive", "TCP 保活"),
    KEEP_ALIVE_ACK("keep_alive_ack", "TCP Keep-Alive ACK", "TCP 保活的 ACK");

    private final String field;
    private final String label;

    /** The label in Chinese, for {@code decode --lang zh}. */
    private final String labelZh;

    Mark(String field, String label, String labelZh) {
      this.field = field;
      this.label = label;
      this.labelZh = labelZh;
    }

    /** Returns the name of tshark's field without its prefix, {@code fast_retransmission}. */
    String field() {
      return field;
    }

    /** Returns the label Wireshark shows in its Info column, {@code TCP Fast Retransmission}. */
    String label() {
      return label;
    }

    /** Returns the label in Chinese, {@code TCP 快速重传}. */
    String labelZh() {
      return labelZh;
    }
  }

  /**
   * The marks of one segment.
   *
   * @param marks what the segment is, possibly several things at once
   * @param duplicateAck for a duplicate ACK, its number in the run of duplicates (1, 2, ...); else
   *     0
   */
  record Result(Set<Mark> marks, int duplicateAck) {
    /**
     * Returns the marks as Wireshark writes them in front of a line, {@code [TCP Dup ACK #2] }, or
     * "".
     */
    String labels() {
      return labels("en");
    }

    /**
     * Returns the marks as Wireshark writes them, in {@code lang}: {@code [TCP 重复 ACK #2] } in
     * Chinese.
     */
    String labels(String lang) {
      if (marks.isEmpty()) return "";
      StringBuilder b = new StringBuilder();
      for (Mark m : marks) {
        // Wireshark shows a fast or spurious retransmission under its own name only.
        if (m == Mark.RETRANSMISSION
            && (marks.contains(Mark.FAST_RETRANSMISSION)
                || marks.contains(Mark.SPURIOUS_RETRANSMISSION))) continue;
        b.append('[').append(lang.equals("zh") ? m.labelZh() : m.label());
        if (m == Mark.DUPLICATE_ACK) b.append(" #").append(duplicateAck);
        b.append("] ");
      }
      return b.toString();
    }
  }

  /** What one direction has shown so far (Wireshark's {@code tcp_flow_t}). */
  private static final class Flow {
    /** The sequence number after the highest byte (or SYN/FIN) seen; 0 while nothing was seen. */
    int nextSeq;

    long nextSeqTime;

    /**
     * The highest sequence number such that everything below it was seen in order ("max seq to be
     * acked").
     */
    int maxSeqToBeAcked;

    /** The last acknowledgment number, raw window and their time. */
    int lastAck;

    int window;
    long lastAckTime;

    /** The window shift this side announced: -1 unknown (no SYN seen), -2 none, else the shift. */
    int windowScale = -1;

    /** Whether the last segment of this direction was a SYN (whose window is never scaled). */
    boolean lastWasSyn;

    /**
     * Duplicate ACKs in the current run; -1 once an ACKed-unseen mark was given for the other
     * direction's gap.
     */
    int duplicateAcks;

    EnumSet<Mark> lastMarks = EnumSet.noneOf(Mark.class);
  }

  private final Flow first = new Flow();
  private final Flow second = new Flow();

  /**
   * When the last SYN (without ACK) was seen, and the handshake's round-trip time once known (0
   * until then).
   */
  private long lastSynTime = -1;

  private long firstRtt;

  /**
   * Analyses one segment.
   *
   * @param timeNanos when it was captured
   * @param fromFirst whether it goes from the connection's first endpoint to its second
   * @param s the segment
   */
  @SuppressWarnings(
      "LabelledBreakTarget") // Wireshark's analysis order: the first verdict ends the block
  Result segment(long timeNanos, boolean fromFirst, TcpSegment s) {
    Flow fwd = fromFirst ? first : second;
    Flow rev = fromFirst ? second : first;
    EnumSet<Mark> marks = EnumSet.noneOf(Mark.class);
    int seq = s.sequenceNumber();
    int ack = s.acknowledgmentNumber();
    int len = s.payloadLength();
    int window = s.window();
    boolean syn = s.has(TcpFlags.SYN);
    boolean fin = s.has(TcpFlags.FIN);
    boolean rst = s.has(TcpFlags.RST);
    boolean control = syn || fin || rst;
    int duplicateAck = 0;

    if (syn) {
      int shift = s.options().windowScale();
      fwd.windowScale = shift >= 0 ? shift : -2;
      if (shift < 0) rev.windowScale = -2;
      else if (s.has(TcpFlags.ACK) && rev.windowScale == -2) fwd.windowScale = -2;
      if (!s.has(TcpFlags.ACK)) lastSynTime = timeNanos;
    } else if (s.has(TcpFlags.ACK) && lastSynTime >= 0 && firstRtt == 0) {
      firstRtt = timeNanos - lastSynTime;
    }

    // Wireshark's state starts at zero (no sequence number, ACK or window seen yet) and its tests
    // compare against those zeros as they are; so do these.
    analysis:
    {
      if (len == 1 && seq == fwd.nextSeq && rev.window == 0) {
        marks.add(Mark.ZERO_WINDOW_PROBE);
        break analysis;
      }
      if (window == 0 && !control) marks.add(Mark.ZERO_WINDOW);
      if (fwd.nextSeq != 0 && SeqNum.gt(seq, fwd.nextSeq) && !rst) marks.add(Mark.LOST_SEGMENT);
      if ((len == 0 || len == 1) && seq == fwd.nextSeq - 1 && !control) marks.add(Mark.KEEP_ALIVE);
      boolean repeats = len == 0 && seq == fwd.nextSeq && ack == fwd.lastAck && !control;
      if (repeats && window != 0 && window != fwd.window) marks.add(Mark.WINDOW_UPDATE);
      if (len > 0
          && !control
          && rev.windowScale != -1
          && seq + len
              == rev.lastAck
                  + (rev.window
                      << (rev.lastWasSyn || rev.windowScale == -2 ? 0 : rev.windowScale))) {
        marks.add(Mark.WINDOW_FULL);
      }
      if (repeats
          && window != 0
          && window == fwd.window
          && rev.lastMarks.contains(Mark.KEEP_ALIVE)) {
        marks.add(Mark.KEEP_ALIVE_ACK);
        break analysis;
      }
      if (repeats
          && window == 0
          && fwd.window == 0
          && rev.lastMarks.contains(Mark.ZERO_WINDOW_PROBE)) {
        marks.add(Mark.ZERO_WINDOW_PROBE_ACK);
        break analysis;
      }
      if (repeats && window != 0 && window == fwd.window) {
        // -1 stands for "an ACKed-unseen mark was already given for this run" (see below).
        fwd.duplicateAcks = fwd.duplicateAcks == -1 ? 1 : fwd.duplicateAcks + 1;
        marks.add(Mark.DUPLICATE_ACK);
        duplicateAck = fwd.duplicateAcks;
      }
    }
    if (ack != fwd.lastAck) fwd.duplicateAcks = 0;

    // An ACK beyond everything seen in order the other way: what it acknowledges was not captured.
    // Marked once per gap; a run of ACKs repeating it (the other side stalled) is marked once.
    if (s.has(TcpFlags.ACK) && rev.maxSeqToBeAcked != 0 && SeqNum.gt(ack, rev.maxSeqToBeAcked)) {
      // Data was seen beyond the gap: mark it, and look for the next gap from there on.
      if (Integer.compareUnsigned(rev.nextSeq, rev.maxSeqToBeAcked) > 0) {
        rev.maxSeqToBeAcked = rev.nextSeq;
        marks.add(Mark.ACK_LOST_SEGMENT);
      } else {
        if (rev.duplicateAcks == 0) marks.add(Mark.ACK_LOST_SEGMENT);
        rev.duplicateAcks = -1;
      }
    }

    if ((len > 0 || syn || fin) && !marks.contains(Mark.KEEP_ALIVE)) {
      classifyRepeat(timeNanos, fwd, rev, seq, len, syn, fin, marks);
    }

    int next = seq + len + (syn || fin ? 1 : 0);
    boolean probe = marks.contains(Mark.ZERO_WINDOW_PROBE);
    if ((fwd.nextSeq == 0 || SeqNum.gt(next, fwd.nextSeq)) && !probe) {
      fwd.nextSeq = next;
      fwd.nextSeqTime = timeNanos;
    }
    if ((fwd.maxSeqToBeAcked == 0 || seq == fwd.maxSeqToBeAcked) && !probe)
      fwd.maxSeqToBeAcked = fwd.nextSeq;
    fwd.window = window;
    fwd.lastAck = ack;
    fwd.lastAckTime = timeNanos;
    fwd.lastWasSyn = syn;
    fwd.lastMarks = marks;
    return new Result(marks, duplicateAck);
  }

  /**
   * Marks a segment that does not advance its direction's sequence numbers: which kind of repeat it
   * is.
   */
  private void classifyRepeat(
      long now,
      Flow fwd,
      Flow rev,
      int seq,
      int len,
      boolean syn,
      boolean fin,
      EnumSet<Mark> marks) {
    boolean notAdvanced = fwd.nextSeq != 0 && SeqNum.lt(seq, fwd.nextSeq);
    // More than one byte starting one below the highest seen is new data after a zero-window probe.
    if (len > 1 && fwd.nextSeq - 1 == seq) notAdvanced = false;
    if (len > 0 && rev.lastAck != 0 && SeqNum.le(seq + len, rev.lastAck)) {
      marks.add(Mark.SPURIOUS_RETRANSMISSION);
      marks.add(Mark.RETRANSMISSION);
      return;
    }
    if (!notAdvanced) return;
    // Time differences are unsigned, as Wireshark's guint64: a capture whose clock steps back (two
    // CPUs stamping packets) gives a huge difference, never a small one.
    if (rev.duplicateAcks >= 2
        && rev.lastAck == seq
        && Long.compareUnsigned(now - rev.lastAckTime, 20_000_000L) < 0) {
      marks.add(Mark.FAST_RETRANSMISSION);
      marks.add(Mark.RETRANSMISSION);
      return;
    }
    long threshold = firstRtt == 0 ? 3_000_000L : firstRtt;
    if (Long.compareUnsigned(now - fwd.nextSeqTime, threshold) < 0
        && fwd.nextSeq != seq + len + (syn || fin ? 1 : 0)) {
      marks.add(Mark.OUT_OF_ORDER);
      return;
    }
    marks.add(Mark.RETRANSMISSION);
  }
}
