package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The user calls of RFC 9293 §3.10.1–3.10.6 and their outcomes: typed results or exceptions, never
 * silence.
 */
class UserCallTest {
  private static final TcpConfig PLAIN = EngineScript.PLAIN;

  private static void assertError(TcpError expected, Executable call) {
    TcpException e = assertThrows(TcpException.class, call);
    assertEquals(expected, e.error());
    assertEquals("error: " + expected.rfcText(), e.getMessage());
  }

  @Nested
  class Open {
    @Test
    void connect_withoutForeignSocket_rejected() {
      FourTuple any = new FourTuple(EnginePair.CLIENT_ID.localAddress(), 1, null, 0);
      assertThrows(
          IllegalArgumentException.class, () -> TcpConnection.connect(any, PLAIN, 1, 0, null, "h"));
    }

    @Test
    void accept_notASyn_closedWithResetQueued() {
      TcpConnection c =
          TcpConnection.accept(
              EnginePair.SERVER_ID, PLAIN, 1, Seg.of(40000, 80, ".", 1, 99, 0), 0, null, "h");
      assertEquals(CLOSED, c.state());
      assertEquals(99, c.pollTransmit(0).sequenceNumber());
    }
  }

  @Nested
  class Send {
    @Test
    void closed_send_connectionDoesNotExist() {
      EngineScript s = EngineScript.connect(PLAIN);
      s.conn().close(0);
      assertError(TcpError.CONNECTION_DOES_NOT_EXIST, () -> s.send("x"));
    }

    @Test
    void listen_sendWithoutForeignSocket_foreignSocketUnspecified() {
      FourTuple any = new FourTuple(EnginePair.SERVER_ID.localAddress(), 80, null, 0);
      TcpConnection c = TcpConnection.listen(any, PLAIN, null, "h");
      assertError(
          TcpError.FOREIGN_SOCKET_UNSPECIFIED, () -> c.send(ByteBuffer.wrap(new byte[1]), 0));
    }

    @Test
    void synSent_send_queuedUntilEstablished() {
      EngineScript s = EngineScript.connect(PLAIN);
      assertEquals(5, s.send("early"));
      s.expect("S", 1000, 0);
      s.inject("S.", 5000, 1001);
      s.expect("P.", 1001, 5001);
    }

    @Test
    void finWait1_send_connectionClosing() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().close(0);
      assertError(TcpError.CONNECTION_CLOSING, () -> s.send("x"));
    }

    @Test
    void established_sendBeyondBuffer_takesWhatFitsThenWritable() {
      EngineScript s = EngineScript.established(PLAIN.withBuffers(64 * 1024, 1000));
      assertEquals(1000, s.send("x".repeat(1500)));
      assertEquals(0, s.send("y"));
      s.expect(".", 1001, 5001); // 536 bytes: the peer sent no MSS option (RFC 9293 MUST-15)
      s.expect("P.", 1537, 5001);
      s.inject(".", 5001, 2001);
      assertEquals(List.of(new ConnectionEvent.Writable()), s.drainEvents());
      assertEquals(1, s.send("y"));
    }

    @Test
    void reset_send_connectionReset() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject("R", 5001, 0);
      assertError(TcpError.CONNECTION_RESET, () -> s.send("x"));
      assertError(TcpError.CONNECTION_RESET, s::read);
      assertError(TcpError.CONNECTION_RESET, () -> s.conn().close(0));
    }

    @Test
    void refused_send_connectionRefused() {
      EngineScript s = EngineScript.connect(PLAIN);
      s.expect("S", 1000, 0);
      s.inject("R.", 0, 1001);
      assertError(TcpError.CONNECTION_REFUSED, () -> s.send("x"));
    }
  }

  @Nested
  class Receive {
    @Test
    void established_receiveWithNothing_returnsZero() {
      EngineScript s = EngineScript.established(PLAIN);
      assertEquals(0, s.conn().receive(ByteBuffer.allocate(10), 0));
    }

    @Test
    void closeWait_receive_dataThenEndOfStream() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("FP.", 5001, 1001, "bye");
      s.expect(".", 1001, 5005);
      assertEquals(
          List.of(new ConnectionEvent.Readable(), new ConnectionEvent.PeerFinReceived()),
          s.drainEvents());
      assertEquals("bye", s.read());
      assertEquals(null, s.read());
      assertEquals(-1, s.conn().receive(ByteBuffer.allocate(1), 0));
    }

    @Test
    void closed_afterOrderlyClose_unreadDataStillReadableThenEndOfStream() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("FP.", 5001, 1001, "unread");
      s.expect(".", 1001, 5008);
      s.conn().close(0);
      s.expect("F.", 1001, 5008);
      s.inject(".", 5008, 1002);
      s.assertState(CLOSED);
      assertEquals("unread", s.read());
      assertEquals(null, s.read());
    }

    @Test
    void closed_afterAbort_connectionDoesNotExist() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("FP.", 5001, 1001, "unread");
      s.conn().abort(0);
      assertError(TcpError.CONNECTION_DOES_NOT_EXIST, s::read);
    }

    @Test
    void established_readingOpensWindow_sendsWindowUpdate() {
      EngineScript s = EngineScript.established(PLAIN.withBuffers(4000, 4000));
      s.injectText("P.", 5001, 1001, "z".repeat(3000));
      var ack = s.expect(".", 1001, 8001);
      assertEquals(1000, ack.window());
      s.read();
      var update = s.expect(".", 1001, 8001);
      assertEquals(4000, update.window());
    }
  }

  @Nested
  class Close {
    @Test
    void finWait1_closeAgain_okAndNoSecondFin() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.conn().close(0);
      s.expectNothing();
    }

    @Test
    void closed_close_connectionDoesNotExist() {
      EngineScript s = EngineScript.connect(PLAIN);
      s.conn().abort(0);
      assertError(TcpError.CONNECTION_DOES_NOT_EXIST, () -> s.conn().close(0));
    }
  }

  @Nested
  class Status {
    @Test
    void established_status_reportsTheTcb() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("abc");
      dev.synack.tcp.Status st = s.conn().status();
      assertEquals(ESTABLISHED, st.state());
      assertEquals(1000, st.iss());
      assertEquals(1001, st.sndUna());
      assertEquals(1001, st.sndNxt());
      assertEquals(5000, st.irs());
      assertEquals(5001, st.rcvNxt());
      assertEquals(65535, st.sndWnd());
      assertEquals(3, st.sendQueued());
      assertEquals(536, st.effectiveMss(), "the scripted SYN-ACK has no MSS option");
      assertEquals(EnginePair.CLIENT_ID, st.id());
    }
  }

  @Nested
  class UserTimeout {
    @Test
    void established_unacknowledgedDataPastUserTimeout_abortedWithoutRst() {
      EngineScript s = EngineScript.established(PLAIN.withUserTimeout(Duration.ofSeconds(5)));
      s.send("lost");
      s.expect("P.", 1001, 5001);
      s.advance(Duration.ofSeconds(5));
      while (s.conn().pollTransmit(s.now()) != null) {} // retransmissions before the deadline
      s.assertState(CLOSED);
      assertEquals(
          new ConnectionEvent.Closed(TcpError.CONNECTION_ABORTED_USER_TIMEOUT),
          s.drainEvents().getLast());
      assertError(TcpError.CONNECTION_ABORTED_USER_TIMEOUT, () -> s.send("x"));
    }

    @Test
    void established_progressBeforeUserTimeout_restartsIt() {
      EngineScript s = EngineScript.established(PLAIN.withUserTimeout(Duration.ofSeconds(5)));
      s.send("a");
      s.expect("P.", 1001, 5001);
      s.advance(Duration.ofMillis(100));
      s.inject(".", 5001, 1002);
      assertEquals(
          Long.MAX_VALUE, s.conn().timers.nextProtocolDeadline(), "nothing outstanding: no timer");
      s.assertState(ESTABLISHED);
    }
  }
}
