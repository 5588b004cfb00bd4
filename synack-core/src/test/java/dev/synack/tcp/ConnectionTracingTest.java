package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host's connections share one tracer while its sink wants no events (an idle connection holds
 * none of its own), drops are still counted through it, and traced connections keep their own.
 */
class ConnectionTracingTest {
  private static final FourTuple A = EnginePair.CLIENT_ID;
  private static final FourTuple B =
      new FourTuple(A.localAddress(), A.localPort() + 1, A.remoteAddress(), A.remotePort());

  @Test
  void untracedConnections_shareOneTracer_andTheirDropsAreStillCounted() {
    List<DropReason> drops = new ArrayList<>();
    TraceSink counting =
        new TraceSink() {
          @Override
          public void accept(TraceEvent event) {}

          @Override
          public boolean enabled() {
            return false;
          }

          @Override
          public void countDrop(DropReason reason) {
            drops.add(reason);
          }
        };
    ConnectionTracing tracing = new ConnectionTracing(counting, "h");
    TcpConnection a = open(A, tracing);
    TcpConnection b = open(B, tracing);
    assertSame(a.tracer, b.tracer, "one tracer for the untraced connections of a host");
    // A segment to a connection in SYN-SENT that acknowledges nothing we sent is dropped (RFC 9293
    // §3.10.7.3) and counted through the shared tracer.
    a.handleSegment(
        new TcpSegment(
            A.remotePort(),
            A.localPort(),
            1000,
            12345,
            TcpFlags.ACK | TcpFlags.RST,
            1000,
            0,
            0,
            TcpOptions.NONE,
            ByteBuffer.allocate(0)),
        0);
    assertEquals(1, drops.size(), "the drop was counted: " + drops);
  }

  @Test
  void tracedConnections_eachHaveTheirOwnTracer_namingTheirConnection() {
    List<TraceEvent> events = new ArrayList<>();
    ConnectionTracing tracing = new ConnectionTracing(events::add, "h");
    TcpConnection a = open(A, tracing);
    TcpConnection b = open(B, tracing);
    assertNotSame(a.tracer, b.tracer);
    List<String> conns =
        events.stream()
            .filter(e -> e instanceof TraceEvent.StateChange)
            .map(e -> ((TraceEvent.StateChange) e).conn())
            .toList();
    assertEquals(List.of(A.toString(), B.toString()), conns);
  }

  private static TcpConnection open(FourTuple id, ConnectionTracing tracing) {
    return TcpConnection.connect(id, TcpConfig.defaults(), null, 1, 0, tracing);
  }
}
