package dev.synack.bench;

import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.wire.Ipv4Packet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The simulated network's own cost per packet, without any stack: two nodes that answer every
 * packet with one packet, so each {@link SimNetwork#step} routes, schedules and delivers one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SimNetworkBench {
  private SimNetwork net;

  /** A node that answers each packet it receives with its own packet to the other node. */
  private static final class EchoNode implements SimNode {
    private final String name;
    private final byte[] packet;
    private boolean owed;

    EchoNode(String name, byte[] packet, boolean startsOwing) {
      this.name = name;
      this.packet = packet;
      this.owed = startsOwing;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void handlePacket(byte[] received, long now) {
      owed = true;
    }

    @Override
    public byte[] pollTransmit(long now) {
      if (!owed) return null;
      owed = false;
      return packet;
    }

    @Override
    public long pollTimeout() {
      return Long.MAX_VALUE;
    }

    @Override
    public void handleTimeout(long now) {}
  }

  @Setup
  public void setUp() {
    InetAddress a = EnginePairState.address(10, 0, 0, 1);
    InetAddress b = EnginePairState.address(10, 0, 0, 2);
    net = new SimNetwork(1);
    net.attach(new EchoNode("a", ipv4(a, b), true), a);
    net.attach(new EchoNode("b", ipv4(b, a), false), b);
    // A microsecond of delay moves virtual time on; a network going round at one instant for ever
    // is what its stuck detector is there to stop.
    net.setDefaultLink(LinkConfig.ideal().withDelay(Duration.ofNanos(1_000)));
  }

  /**
   * One step: one packet routed over the link (no impairment, 1 us delay), delivered, and the
   * answer taken.
   */
  @Benchmark
  public boolean stepOnePacket() {
    return net.step();
  }

  /** A 1500-byte IPv4 packet (the network reads only its destination). */
  private static byte[] ipv4(InetAddress from, InetAddress to) {
    ByteBuffer out = ByteBuffer.allocate(1500);
    Ipv4Packet.write(Ipv4Packet.Repr.of((Inet4Address) from, (Inet4Address) to, 6, 64, 1480), out);
    return out.array();
  }
}
