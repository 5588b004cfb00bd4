package dev.synack.bench;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.stack.Transmit;
import java.net.InetAddress;
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
 * One full segment through two whole hosts, packets handed from one to the other with no network
 * between: the client's SEND, its packet built (checksums), the server parsing it, demultiplexing,
 * its engine, RECEIVE, its ACK built, and the client taking that ACK. The sim-bulk figure of {@code
 * synack bench} is this plus {@link SimNetworkBench}'s cost per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StackBench {
  @Param({"1500", "65535"})
  public int mtu;

  /**
   * How packets leave a host: written into one lent buffer ({@code lent}, as a driver takes them)
   * or as an array each ({@code arrays}, {@link Host#pollPacket}, as before the lending form).
   */
  @Param({"lent", "arrays"})
  public String output;

  private Host client;
  private Host server;
  private Connection sender;
  private Connection receiver;
  private ByteBuffer chunk;
  private ByteBuffer sink;

  /** The buffer lent to the hosts for each packet, and what they say they wrote into it. */
  private final ByteBuffer wire = ByteBuffer.allocate(65_535);

  private final Transmit transmit = new Transmit();
  private long now;

  @Setup(Level.Iteration)
  public void setUp() {
    InetAddress a = EnginePairState.address(10, 0, 0, 1);
    InetAddress b = EnginePairState.address(10, 0, 0, 2);
    client = new Host("client", HostConfig.defaults(1).withMtu(mtu), null);
    server = new Host("server", HostConfig.defaults(2).withMtu(mtu), null);
    client.addAddress(a);
    server.addAddress(b);
    Listener listener = server.listen(null, 80, 16);
    sender = client.connect(b, 80, now);
    for (int i = 0; i < 4 && listener.pendingAccepts() == 0; i++) exchange();
    receiver = listener.accept();
    if (receiver == null) throw new IllegalStateException("handshake did not complete");
    chunk = ByteBuffer.allocate(mtu - 40 - 12);
    sink = ByteBuffer.allocate(chunk.capacity());
  }

  /**
   * Moves every packet each host has for the other, once each way, through one lent buffer as a
   * driver moves them (whole packets: {@code maxSegments} 1); returns how many moved.
   */
  private int exchange() {
    int moved = 0;
    if (output.equals("arrays")) {
      for (byte[] p; (p = client.pollPacket(now)) != null; moved++) server.handlePacket(p, now);
      for (byte[] p; (p = server.pollPacket(now)) != null; moved++) client.handlePacket(p, now);
    } else {
      for (; client.pollTransmit(now, wire.clear(), 1, transmit); moved++)
        server.handlePacket(wire.flip(), now);
      for (; server.pollTransmit(now, wire.clear(), 1, transmit); moved++)
        client.handlePacket(wire.flip(), now);
    }
    while (client.pollEvent() != null) {}
    while (server.pollEvent() != null) {}
    return moved;
  }

  /** One MSS of data from client to server, and its ACK back. */
  @Benchmark
  public int segmentThroughBothHosts() {
    now += 1_000;
    chunk.clear();
    sender.send(chunk, now);
    int moved = exchange();
    sink.clear();
    receiver.receive(sink, now);
    return moved + exchange();
  }
}
