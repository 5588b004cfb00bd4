package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Urgent data on the receive side (RFC 9293 §3.8.5, sixth step of §3.10.7.4): RCV.UP follows the
 * pointer, which marks the octet after the urgent data; the data is read in line; the user is told
 * when the pointer advances and can ask how much urgent data is left.
 */
class UrgentDataTest {
  private static TcpSegment urgent(EngineScript s, int seq, String text, int pointer) {
    TcpSegment seg = Seg.withText(s.peer("UP.", seq, 1001), text);
    return new TcpSegment(
        seg.sourcePort(),
        seg.destinationPort(),
        seg.sequenceNumber(),
        seg.acknowledgmentNumber(),
        seg.flags(),
        seg.window(),
        0,
        pointer,
        seg.options(),
        seg.payload());
  }

  @Nested
  class Established {
    @Test
    void urgentSegment_signalledDeliveredInlineAndCounted() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.inject(urgent(s, 5001, "abcdef", 3)); // "abc" is urgent: RCV.UP = 5004
      s.expect(".", 1001, 5007);
      assertEquals(
          List.of(new ConnectionEvent.UrgentData(), new ConnectionEvent.Readable()),
          s.drainEvents());
      assertEquals(3, s.conn().urgentRemaining());
      ByteBuffer two = ByteBuffer.allocate(2);
      s.conn().receive(two, s.now());
      assertEquals(1, s.conn().urgentRemaining(), "one urgent byte left to read");
      assertEquals("cdef", s.read(), "in line with the rest of the stream");
      assertEquals(0, s.conn().urgentRemaining());
    }

    @Test
    void pointerAhead_ofTheData_urgentDataStillToCome() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.inject(urgent(s, 5001, "ab", 10));
      s.expect(".", 1001, 5003);
      assertEquals(10, s.conn().urgentRemaining());
    }

    @Test
    void samePointerAgain_signalledOnce_advanced_signalledAgain() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.inject(urgent(s, 5001, "ab", 5));
      s.inject(urgent(s, 5003, "cd", 3)); // the same RCV.UP, 5006
      assertEquals(
          1, s.drainEvents().stream().filter(e -> e instanceof ConnectionEvent.UrgentData).count());
      s.inject(urgent(s, 5005, "ef", 2)); // RCV.UP advances to 5007
      assertEquals(
          1, s.drainEvents().stream().filter(e -> e instanceof ConnectionEvent.UrgentData).count());
      assertEquals(6, s.conn().urgentRemaining());
    }
  }

  @Nested
  class CloseWait {
    @Test
    void urgAfterThePeersFin_ignored() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.inject("F.", 5001, 1001);
      s.expect(".", 1001, 5002);
      s.drainEvents();
      s.inject(urgent(s, 5002, "", 1));
      assertEquals(0, s.conn().urgentRemaining());
      assertEquals(List.of(), s.drainEvents());
    }
  }
}
