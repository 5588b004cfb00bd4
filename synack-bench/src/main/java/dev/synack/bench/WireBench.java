package dev.synack.bench;

import dev.synack.wire.Checksum;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wire layer: building a whole IPv4 packet carrying a TCP segment (checksums included), parsing
 * one back (checksum verified), and the Internet checksum alone, per segment size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WireBench {
  /** TCP payload bytes: a bare ACK, a full segment at MTU 1500, a full one at MTU 65535. */
  @Param({"0", "1448", "65483"})
  public int payload;

  private final InetAddress source = EnginePairState.address(10, 0, 0, 1);
  private final InetAddress destination = EnginePairState.address(10, 0, 0, 2);
  private TcpSegment segment;
  private ByteBuffer packet;
  private ByteBuffer tcpBytes;

  @Setup
  public void setUp() {
    segment =
        new TcpSegment(
            40000,
            80,
            123456,
            654321,
            TcpFlags.ACK | TcpFlags.PSH,
            512,
            0,
            0,
            TcpOptions.of(
                new TcpOption.NoOperation(),
                new TcpOption.NoOperation(),
                new TcpOption.Timestamps(1, 2)),
            ByteBuffer.allocate(payload));
    packet = ByteBuffer.wrap(Packets.tcp(source, destination, 64, segment));
    tcpBytes = packet.slice(20, packet.capacity() - 20);
  }

  /** Builds the IPv4 packet: header, options, payload copy, both checksums. */
  @Benchmark
  public byte[] buildPacket() {
    return Packets.tcp(source, destination, 64, segment);
  }

  /** Parses the IPv4 packet and its TCP segment, verifying the TCP checksum. */
  @Benchmark
  public Parsed<Packets.TcpPacket> parsePacket() {
    return Packets.parseTcp(packet, true);
  }

  /** Parses the TCP segment alone, verifying its checksum with the pseudo-header. */
  @Benchmark
  public Parsed<TcpSegment> parseSegment() {
    return TcpCodec.parse(tcpBytes, source, destination, true);
  }

  /** The ones' complement sum over the whole TCP segment. */
  @Benchmark
  public long checksum() {
    return Checksum.sum(tcpBytes, 0, tcpBytes.remaining());
  }
}
