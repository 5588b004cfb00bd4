package dev.synack.cli;

import static dev.synack.cli.SegmentAnalysis.Mark.ACK_LOST_SEGMENT;
import static dev.synack.cli.SegmentAnalysis.Mark.DUPLICATE_ACK;
import static dev.synack.cli.SegmentAnalysis.Mark.FAST_RETRANSMISSION;
import static dev.synack.cli.SegmentAnalysis.Mark.KEEP_ALIVE;
import static dev.synack.cli.SegmentAnalysis.Mark.KEEP_ALIVE_ACK;
import static dev.synack.cli.SegmentAnalysis.Mark.LOST_SEGMENT;
import static dev.synack.cli.SegmentAnalysis.Mark.OUT_OF_ORDER;
import static dev.synack.cli.SegmentAnalysis.Mark.RETRANSMISSION;
import static dev.synack.cli.SegmentAnalysis.Mark.SPURIOUS_RETRANSMISSION;
import static dev.synack.cli.SegmentAnalysis.Mark.WINDOW_FULL;
import static dev.synack.cli.SegmentAnalysis.Mark.WINDOW_UPDATE;
import static dev.synack.cli.SegmentAnalysis.Mark.ZERO_WINDOW;
import static dev.synack.cli.SegmentAnalysis.Mark.ZERO_WINDOW_PROBE;
import static dev.synack.cli.SegmentAnalysis.Mark.ZERO_WINDOW_PROBE_ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.cli.SegmentAnalysis.Mark;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each mark of {@link SegmentAnalysis} on a connection written segment by segment: client ISN 1000,
 * server ISN 5000, window scale 0 both ways, the handshake 10 ms long.
 */
class SegmentAnalysisTest {
  private static final long MS = 1_000_000L;
  private SegmentAnalysis a;
  private long now;

  @BeforeEach
  void handshake() {
    a = new SegmentAnalysis();
    now = 0;
    client(1000, 0, TcpFlags.SYN, 0, 65535, TcpOptions.of(new TcpOption.WindowScale(0)));
    now += 5 * MS;
    server(
        5000,
        1001,
        TcpFlags.SYN | TcpFlags.ACK,
        0,
        65535,
        TcpOptions.of(new TcpOption.WindowScale(0)));
    now += 5 * MS;
    assertMarks(Set.of(), client(1001, 5001, TcpFlags.ACK, 0, 65535));
  }

  @Test
  void dataThenThreeRepeatedAcks_duplicateAcksNumbered_thenFastRetransmission() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    server(6001, 1001, TcpFlags.ACK, 1000, 65535);
    client(1001, 6001, TcpFlags.ACK, 0, 65535);
    server(8001, 1001, TcpFlags.ACK, 1000, 65535); // 7001..8001 was not captured
    SegmentAnalysis.Result d1 = client(1001, 7001, TcpFlags.ACK, 0, 65535);
    assertMarks(Set.of(), d1);
    assertEquals(
        new SegmentAnalysis.Result(Set.of(DUPLICATE_ACK), 1),
        client(1001, 7001, TcpFlags.ACK, 0, 65535));
    assertEquals(
        new SegmentAnalysis.Result(Set.of(DUPLICATE_ACK), 2),
        client(1001, 7001, TcpFlags.ACK, 0, 65535));
    now += 1 * MS;
    assertMarks(
        Set.of(FAST_RETRANSMISSION, RETRANSMISSION), server(7001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void segmentBeyondTheHighestSeen_previousSegmentNotCaptured() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    assertMarks(Set.of(LOST_SEGMENT), server(7001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void ackBeyondEverythingSeen_ackedUnseenSegment_once() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    assertMarks(Set.of(ACK_LOST_SEGMENT), client(1001, 8001, TcpFlags.ACK, 0, 65535));
    assertMarks(Set.of(WINDOW_UPDATE), client(1001, 8001, TcpFlags.ACK, 0, 60000));
  }

  @Test
  void repeatLongAfterTheHighest_retransmission_butSoonAfter_outOfOrder() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    server(6001, 1001, TcpFlags.ACK, 1000, 65535);
    now += 1 * MS; // within the handshake's 10 ms round trip of the highest segment
    assertMarks(Set.of(OUT_OF_ORDER), server(5501, 1001, TcpFlags.ACK, 100, 65535));
    now += 200 * MS;
    assertMarks(Set.of(RETRANSMISSION), server(6001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void repeatStampedBeforeTheHighest_retransmission_asWiresharksUnsignedTime() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    now += 5 * MS;
    server(7001, 1001, TcpFlags.ACK, 1000, 65535);
    now -= 1000; // a capture whose clock steps back a microsecond (packets stamped on two CPUs)
    assertMarks(Set.of(RETRANSMISSION), server(6001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void resendOfAcknowledgedData_spuriousRetransmission() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    client(1001, 6001, TcpFlags.ACK, 0, 65535);
    now += 300 * MS;
    assertMarks(
        Set.of(SPURIOUS_RETRANSMISSION, RETRANSMISSION),
        server(5001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void windowClosesAndIsProbed_zeroWindowProbeAndItsAck_thenUpdate() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    assertMarks(Set.of(ZERO_WINDOW), client(1001, 6001, TcpFlags.ACK, 0, 0));
    now += 200 * MS;
    assertMarks(Set.of(ZERO_WINDOW_PROBE), server(6001, 1001, TcpFlags.ACK, 1, 65535));
    assertMarks(Set.of(ZERO_WINDOW, ZERO_WINDOW_PROBE_ACK), client(1001, 6001, TcpFlags.ACK, 0, 0));
    assertMarks(Set.of(WINDOW_UPDATE), client(1001, 6001, TcpFlags.ACK, 0, 4000));
  }

  @Test
  void dataUpToTheWindowsEdge_windowFull() {
    client(1001, 5001, TcpFlags.ACK, 0, 2000);
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    assertMarks(Set.of(WINDOW_FULL), server(6001, 1001, TcpFlags.ACK, 1000, 65535));
  }

  @Test
  void oneByteBelowTheNext_keepAlive_andItsAck() {
    server(5001, 1001, TcpFlags.ACK, 1000, 65535);
    client(1001, 6001, TcpFlags.ACK, 0, 65535);
    now += 7200_000 * MS;
    assertMarks(Set.of(KEEP_ALIVE), server(6000, 1001, TcpFlags.ACK, 0, 65535));
    assertMarks(Set.of(KEEP_ALIVE_ACK), client(1001, 6001, TcpFlags.ACK, 0, 65535));
  }

  @Test
  void labels_nameEachMarkAsWiresharkDoes() {
    assertEquals(
        "[TCP Fast Retransmission] ",
        new SegmentAnalysis.Result(Set.of(FAST_RETRANSMISSION, RETRANSMISSION), 0).labels());
    assertEquals(
        "[TCP Dup ACK #3] ", new SegmentAnalysis.Result(Set.of(DUPLICATE_ACK), 3).labels());
  }

  private SegmentAnalysis.Result client(int seq, int ack, int flags, int len, int window) {
    return client(seq, ack, flags, len, window, TcpOptions.NONE);
  }

  private SegmentAnalysis.Result client(
      int seq, int ack, int flags, int len, int window, TcpOptions options) {
    return a.segment(now, true, segment(40000, 80, seq, ack, flags, len, window, options));
  }

  private SegmentAnalysis.Result server(int seq, int ack, int flags, int len, int window) {
    return server(seq, ack, flags, len, window, TcpOptions.NONE);
  }

  private SegmentAnalysis.Result server(
      int seq, int ack, int flags, int len, int window, TcpOptions options) {
    return a.segment(now, false, segment(80, 40000, seq, ack, flags, len, window, options));
  }

  private static TcpSegment segment(
      int sport, int dport, int seq, int ack, int flags, int len, int window, TcpOptions options) {
    return new TcpSegment(
        sport, dport, seq, ack, flags, window, 0, 0, options, ByteBuffer.allocate(len));
  }

  private static void assertMarks(Set<Mark> expected, SegmentAnalysis.Result actual) {
    assertEquals(expected, actual.marks());
  }
}
