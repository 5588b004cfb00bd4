package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.synack.wire.TcpSegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What an end keeps in TIME-WAIT: it sends nothing but ACKs there, so an untraced end lets its
 * congestion control and RACK state go (Linux's {@code inet_timewait_sock} keeps no {@code
 * tcp_sock}), and still answers the peer's resent FIN as RFC 9293 §3.10.7.4 says.
 */
class TimeWaitFootprintTest {
  private static final TcpConfig LINUX = TcpConfig.defaults();
  private static final long SECOND = 1_000_000_000L;

  /** Closes the client first; returns the server's FIN, which the client has acknowledged. */
  private static TcpSegment clientIntoTimeWait(EnginePair p) {
    p.closeClient();
    p.clientToServer("F.", 1001, 5001);
    p.serverToClient(".", 5001, 1002);
    p.closeServer();
    TcpSegment fin = p.serverToClient("F.", 5001, 1002);
    p.clientToServer(".", 1002, 5002);
    return fin;
  }

  @Test
  void timeWait_untracedEnd_dropsCongestionControlAndRack() {
    EnginePair p = EnginePair.establishedUntraced(LINUX);
    p.closeClient();
    p.clientToServer("F.", 1001, 5001);
    p.serverToClient(".", 5001, 1002);
    assertEquals(TcpState.FIN_WAIT_2, p.client().state());
    assertNotNull(p.client().recovery.congestionControl(), "the FIN sent started it");
    p.closeServer();
    p.serverToClient("F.", 5001, 1002);
    p.clientToServer(".", 1002, 5002);

    p.assertState(p.client(), TcpState.TIME_WAIT);
    assertNull(p.client().recovery.congestionControl(), "no congestion control in TIME-WAIT");
    assertNull(p.client().recovery.rack(), "no RACK state in TIME-WAIT");
  }

  @Test
  void timeWait_untracedEnd_resentFinIsAcknowledgedAndRestarts2Msl() {
    EnginePair p = EnginePair.establishedUntraced(LINUX);
    TcpSegment fin = clientIntoTimeWait(p);
    p.tick(Duration.ofSeconds(10));

    p.toClient(fin); // our ACK of it was lost: the peer resends its FIN
    p.clientToServer(".", 1002, 5002);
    p.assertState(p.client(), TcpState.TIME_WAIT);
    assertEquals(70 * SECOND, p.client().pollTimeout(), "2 MSL again from the resent FIN");
    p.runToClosed(Duration.ofMinutes(2));
    assertEquals(70 * SECOND, p.now());
    p.assertState(p.client(), TcpState.CLOSED);
  }

  @Test
  void timeWait_tracedEnd_keepsCongestionControlForItsTrace() {
    EnginePair p = EnginePair.established(LINUX);
    clientIntoTimeWait(p);

    p.assertState(p.client(), TcpState.TIME_WAIT);
    assertNotNull(p.client().recovery.congestionControl());
  }
}
