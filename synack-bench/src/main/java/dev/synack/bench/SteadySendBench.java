package dev.synack.bench;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.Transmit;
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
 * The sending host of a bulk transfer in its steady state, alone: each operation the application
 * writes 16 full segments, the host writes what its window lets go into a buffer the driver lends
 * ({@link Host#pollTransmit(long, ByteBuffer, int, Transmit)}, as {@code HostDriver} does), whole
 * packets or GSO super-packets ({@code maxSegments}), and takes one ACK for all of it. The ACK is
 * the one the real peer sent after the handshake, its acknowledgment number patched in place, and
 * vouched for as a TUN device with offloads vouches ({@code checksumUnnecessary}): the peer costs
 * nothing, so {@code -prof gc}'s {@code gc.alloc.rate.norm} is the sending host's alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SteadySendBench {
  /** Full segments the application writes per operation. */
  static final int SEGMENTS = 16;

  @Param({"1", "64"})
  public int maxSegments;

  private HostPair pair;
  private Host client;
  private Connection sender;
  private ByteBuffer chunk;
  private final ByteBuffer wire = ByteBuffer.allocateDirect(65_535);
  private final Transmit transmit = new Transmit();
  private ByteBuffer ack;
  private int ackTcp;

  /**
   * Once per trial: a new pair's buffers, made per iteration, would count in the allocation per
   * operation of few operations.
   */
  @Setup(Level.Trial)
  public void setUp() {
    pair = new HostPair(1500);
    client = pair.client;
    sender = pair.sender;
    int mss = 1500 - 40 - 12;
    chunk = ByteBuffer.allocate(SEGMENTS * mss);
    // One segment and the real server's ACK of it, after its delayed-ACK timer: the template.
    sender.send(ByteBuffer.allocate(mss), pair.now);
    pair.moveAll(client, pair.server);
    pair.receiver.receive(ByteBuffer.allocate(mss), pair.now);
    byte[] template = pair.moveAll(pair.server, client);
    for (int i = 0; template == null && i < 10; i++) {
      pair.now = Math.max(pair.now, pair.server.pollTimeout());
      pair.server.handleTimeout(pair.now);
      template = pair.moveAll(pair.server, client);
    }
    if (template == null) throw new IllegalStateException("the server never acknowledged");
    ack = ByteBuffer.wrap(template);
    ackTcp = HostPair.tcpStart(ack);
  }

  /** Writes 16 segments' worth, sends what goes, and takes the ACK of all that went. */
  @Benchmark
  public int send() {
    long now = pair.now += 1_000;
    chunk.clear();
    sender.send(chunk, now);
    int packets = 0;
    int end = 0;
    while (client.pollTransmit(now, wire.clear(), maxSegments, transmit)) {
      wire.flip();
      int tcp = HostPair.tcpStart(wire);
      end = wire.getInt(tcp + 4) + HostPair.payloadLength(wire);
      packets++;
    }
    if (packets > 0) {
      ack.putInt(ackTcp + 8, end);
      client.handlePacket(ack, true, now);
    }
    while (client.pollEvent() != null) {}
    return packets;
  }
}
