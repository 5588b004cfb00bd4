package dev.synack.bench;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The protocol engine's cost per full-sized (1448-byte) segment, without wire encoding: the
 * sender's (send, build the segment, take its ACK) and the receiver's (take the segment, hand the
 * bytes to the user, build the ACK), and the receiver's with the segments arriving out of order.
 * The other side is forged from segments the engines really sent, so one engine is measured alone.
 * Segments leave as the stack takes them ({@link OutboundSegment}, payload lent, not copied); the
 * arriving ones are records, as a parser makes them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBench {
  private EnginePairState pair;
  private final ByteBuffer sink = ByteBuffer.allocate(4 * EnginePairState.MSS);

  /**
   * Where the engines put the segments they send, as the stack has them do: payload lent, not
   * copied.
   */
  private final OutboundSegment out = new OutboundSegment();

  /** The next sequence number the forged client sends. */
  private int nextSeq;

  @Setup(Level.Iteration)
  public void setUp() {
    pair = new EnginePairState();
    nextSeq = pair.clientData.sequenceNumber() + EnginePairState.MSS;
  }

  /** Sender: SEND one segment's bytes, poll the segment, take the ACK for it. */
  @Benchmark
  public int sendSegment() {
    EnginePairState p = pair;
    p.now += 1_000;
    p.client.send(p.payload.duplicate(), p.now);
    p.client.pollTransmit(p.now, out);
    int end = out.sequenceNumber() + out.payloadLength();
    p.client.handleSegment(p.ackOf(end), p.now);
    while (p.client.pollTransmit(p.now, out)) {}
    while (p.client.pollEvent() != null) {}
    return end;
  }

  /** Receiver: take one in-order segment, RECEIVE its bytes, poll the ACK. */
  @Benchmark
  public int receiveSegment() {
    EnginePairState p = pair;
    p.now += 1_000;
    p.server.handleSegment(p.dataAt(nextSeq), p.now);
    nextSeq += EnginePairState.MSS;
    sink.clear();
    int n = p.server.receive(sink, p.now);
    while (p.server.pollTransmit(p.now, out)) {}
    while (p.server.pollEvent() != null) {}
    return n;
  }

  /**
   * Receiver with a hole: segment i+1 arrives before segment i. An engine with a reassembly queue
   * keeps i+1 and delivers both when i fills the hole; one without drops i+1 (with a duplicate
   * ACK), and the forged sender resends it, as fast retransmit would. Per operation: two segments'
   * bytes.
   */
  @Benchmark
  public int receiveOutOfOrderPair() {
    EnginePairState p = pair;
    p.now += 1_000;
    TcpSegment first = p.dataAt(nextSeq);
    TcpSegment second = p.dataAt(nextSeq + EnginePairState.MSS);
    p.server.handleSegment(second, p.now);
    p.server.handleSegment(first, p.now);
    sink.clear();
    int n = p.server.receive(sink, p.now);
    if (n < 2 * EnginePairState.MSS) {
      p.server.handleSegment(p.dataAt(nextSeq + EnginePairState.MSS), p.now);
      n += p.server.receive(sink, p.now);
    }
    nextSeq += 2 * EnginePairState.MSS;
    while (p.server.pollTransmit(p.now, out)) {}
    while (p.server.pollEvent() != null) {}
    return n;
  }
}
