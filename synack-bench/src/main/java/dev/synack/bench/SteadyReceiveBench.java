package dev.synack.bench;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.Transmit;
import dev.synack.wire.Checksum;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The receiving host of a bulk transfer in its steady state, alone: each operation 16 full segments
 * arrive, one packet each or {@code segmentsPerPacket} to a packet (as a TUN device with offloads
 * hands the kernel's GSO packets over), the application reads them all, and the host's ACKs are
 * written into a lent buffer. The segments are the real client's first one, its sequence number
 * patched in place and vouched for ({@code checksumUnnecessary}): the peer costs nothing, so {@code
 * -prof gc}'s {@code gc.alloc.rate.norm} is the receiving host's alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SteadyReceiveBench {
  @Param({"1", "16"})
  public int segmentsPerPacket;

  private HostPair pair;
  private Host server;
  private Connection receiver;
  private ByteBuffer data;
  private int dataTcp;
  private int payload;
  private int seq;
  private ByteBuffer sink;
  private final ByteBuffer wire = ByteBuffer.allocateDirect(65_535);
  private final Transmit transmit = new Transmit();

  /**
   * Once per trial: a new pair's buffers, made per iteration, would count in the allocation per
   * operation of few operations.
   */
  @Setup(Level.Trial)
  public void setUp() {
    pair = new HostPair(1500);
    server = pair.server;
    receiver = pair.receiver;
    int mss = 1500 - 40 - 12;
    pair.sender.send(ByteBuffer.allocate(mss), pair.now);
    byte[] first = pair.client.pollPacket(pair.now); // the template, never delivered as itself
    ByteBuffer one = ByteBuffer.wrap(first);
    dataTcp = HostPair.tcpStart(one);
    int headers = first.length - HostPair.payloadLength(one);
    payload = mss * segmentsPerPacket;
    data = ByteBuffer.allocate(headers + payload);
    data.put(0, first, 0, headers);
    data.putShort(2, (short) data.capacity());
    data.putShort(10, (short) 0);
    data.putShort(10, (short) Checksum.compute(data, 0, dataTcp));
    seq = one.getInt(dataTcp + 4);
    sink = ByteBuffer.allocate(SteadySendBench.SEGMENTS * mss);
  }

  /** 16 segments in, read by the application, the ACKs out. */
  @Benchmark
  public int receive() {
    long now = pair.now += 1_000;
    for (int i = 0; i < SteadySendBench.SEGMENTS / segmentsPerPacket; i++) {
      data.putInt(dataTcp + 4, seq);
      server.handlePacket(data, true, now);
      seq += payload;
    }
    sink.clear();
    receiver.receive(sink, now);
    int acks = 0;
    while (server.pollTransmit(now, wire.clear(), 1, transmit)) acks++;
    while (server.pollEvent() != null) {}
    return acks;
  }
}
