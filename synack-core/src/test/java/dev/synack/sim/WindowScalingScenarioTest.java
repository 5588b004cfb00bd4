package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Window scaling past 64 KiB (RFC 7323 §2) on a long fat path, with the receive buffer growing as
 * the application reads (auto-tuning): 100 Mbit/s with 50 ms of round trip holds 625 KB, ten times
 * what an unscaled window allows.
 */
class WindowScalingScenarioTest {
  private static final long MS = 1_000_000L;
  private static final InetAddress CLIENT = TestPackets.addr("10.0.0.1");
  private static final InetAddress SERVER = TestPackets.addr("10.0.0.2");

  @Test
  void longFatPath_windowGrowsPast64KibAndMoreThan64KibFly() {
    List<TraceEvent> events = new ArrayList<>();
    // The sender's buffer must hold a path's worth too (Linux grows it to tcp_wmem[2], 4 MiB).
    HostConfig bigSendBuffer =
        HostConfig.defaults(1).withTcp(TcpConfig.defaults().withBuffers(128 * 1024, 4 << 20));
    Host client = new Host("client", bigSendBuffer, events::add);
    Host server = new Host("server", HostConfig.defaults(2), events::add);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(5);
    HostNode clientNode = new HostNode(client);
    HostNode serverNode = new HostNode(server);
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
    net.setLink(
        clientNode,
        serverNode,
        LinkConfig.ideal().withDelay(Duration.ofMillis(25)).withBandwidth(100_000_000));

    Listener listener = server.listen(null, 80, 8);
    Connection c = client.connect(SERVER, 80, net.now());
    Connection[] s = new Connection[1];
    assertTrue(
        net.runUntil(
            () ->
                (s[0] = s[0] != null ? s[0] : listener.accept()) != null
                    && c.state() == TcpState.ESTABLISHED,
            net.now() + 10_000 * MS));

    byte[] data = new byte[4 * 1024 * 1024];
    new SplittableRandom(3).nextBytes(data);
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteBuffer received = ByteBuffer.allocate(data.length);
    long start = net.now();
    assertTrue(
        net.runUntil(
            () -> {
              while (client.pollEvent() != null) {}
              while (server.pollEvent() != null) {}
              if (pending.hasRemaining()) c.send(pending, net.now());
              while (s[0].receive(received, net.now()) > 0) {}
              return !received.hasRemaining();
            },
            start + 60_000 * MS),
        "4 MiB moved within 60 s of virtual time");
    long elapsed = net.now() - start;
    assertArrayEquals(data, received.array(), "every byte once, in order");

    int shift = 7; // the default window scale both ends announced
    long largestWindow = 0;
    long highestSent = 0;
    long lastAck = 0;
    long mostInFlight = 0;
    for (TraceEvent e : events) {
      if (!(e instanceof TraceEvent.Segment seg) || (seg.segment().flags() & TcpFlags.SYN) != 0)
        continue;
      if (seg.host().equals("server") && seg.action() == TraceEvent.SegmentAction.SEND) {
        largestWindow = Math.max(largestWindow, (long) seg.segment().win() << shift);
      }
      if (seg.host().equals("client") && seg.action() == TraceEvent.SegmentAction.SEND) {
        highestSent = Math.max(highestSent, seg.segment().seq() + seg.segment().len());
      }
      if (seg.host().equals("client") && seg.action() == TraceEvent.SegmentAction.RECV) {
        lastAck = Math.max(lastAck, seg.segment().ack());
      }
      if (lastAck > 0) mostInFlight = Math.max(mostInFlight, highestSent - lastAck);
    }
    String figures =
        "window "
            + largestWindow
            + " B, in flight "
            + mostInFlight
            + " B, goodput "
            + (data.length * 8.0 * 1000 / ((double) elapsed / MS)) / 1_000_000.0
            + " Mbit/s over "
            + elapsed / MS
            + " ms";
    assertTrue(largestWindow > 65535, "the window field << shift passes 64 KiB: " + figures);
    assertTrue(mostInFlight > 65536, "more than 64 KiB in flight: " + figures);
    assertTrue(
        largestWindow > 625_000, "auto-tuning grew the window past the path's 625 KB: " + figures);
  }
}
