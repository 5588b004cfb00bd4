package dev.synack.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Packet;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import dev.synack.wire.TcpFlags;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  private static final String CONN = "10.0.0.1:40000-10.0.0.2:80";

  @Nested
  class Write {
    @Test
    void send_syn_hasEveryContractField() {
      Segment syn =
          new Segment(
              123_000,
              "client",
              CONN,
              SegmentAction.SEND,
              new SegmentInfo(TcpFlags.SYN, 100, 0, 64240, 0, "mss 1460,sackOK,wscale 7"),
              null);
      assertEquals(
          "{\"t\":0.000123,\"host\":\"client\",\"conn\":\"10.0.0.1:40000-10.0.0.2:80\",\"event\":\"send\","
              + "\"flags\":[\"SYN\"],\"seq\":100,\"ack\":0,\"win\":64240,\"len\":0,\"options\":\"mss 1460,sackOK,wscale 7\"}",
          JsonLines.toJson(syn));
    }

    @Test
    void drop_withReason_writesReasonAfterTheSegmentFields() {
      Segment drop =
          new Segment(
              1_500_000_000L,
              "server",
              "10.0.0.2:80-10.0.0.1:40000",
              SegmentAction.DROP,
              new SegmentInfo(TcpFlags.ACK | TcpFlags.PSH, 4294967295L, 1, 502, 1000, ""),
              "bad checksum");
      assertEquals(
          "{\"t\":1.500000,\"host\":\"server\",\"conn\":\"10.0.0.2:80-10.0.0.1:40000\",\"event\":\"drop\","
              + "\"flags\":[\"ACK\",\"PSH\"],\"seq\":4294967295,\"ack\":1,\"win\":502,\"len\":1000,\"options\":\"\","
              + "\"reason\":\"bad checksum\"}",
          JsonLines.toJson(drop));
    }

    @Test
    void drop_ofAPacketThatIsNoSegment_writesOnlyTheReasonAndReadsBack() {
      Segment drop = new Segment(0, "synack", "", SegmentAction.DROP, null, "not-for-this-host");
      String line = JsonLines.toJson(drop);
      assertEquals(
          "{\"t\":0.000000,\"host\":\"synack\",\"conn\":\"\",\"event\":\"drop\",\"reason\":\"not-for-this-host\"}",
          line);
      assertEquals(drop, JsonLines.parse(line));
    }

    @Test
    void stateTimerSampleNote_writeTheirFields() {
      assertEquals(
          "{\"t\":2.000000001,\"host\":\"c\",\"conn\":\"\",\"event\":\"state\",\"from\":\"SYN_SENT\",\"to\":\"ESTABLISHED\"}",
          JsonLines.toJson(new StateChange(2_000_000_001L, "c", "", "SYN_SENT", "ESTABLISHED")));
      assertEquals(
          "{\"t\":0.000000,\"host\":\"c\",\"conn\":\"x\",\"event\":\"timer\",\"timer\":\"TIME_WAIT\",\"action\":\"set\"}",
          JsonLines.toJson(new Timer(0, "c", "x", "TIME_WAIT", "set")));
      assertEquals(
          "{\"t\":0.010000,\"host\":\"c\",\"conn\":\"x\",\"event\":\"sample\",\"cwnd\":14600,\"srtt\":0.020500,\"inflight\":2920}",
          JsonLines.toJson(new Sample(10_000_000, "c", "x", 14600, 20_500_000, 2920)));
      assertEquals(
          "{\"t\":0.000000,\"host\":\"h\\\"1\",\"conn\":\"\",\"event\":\"note\",\"text\":\"listener full\\n(backlog 1)\"}",
          JsonLines.toJson(new Note(0, "h\"1", "", "listener full\n(backlog 1)")));
    }

    @Test
    void packet_isNotWritten() throws IOException {
      StringBuilder out = new StringBuilder();
      assertFalse(JsonLines.write(new Packet(0, "c", CONN, true, new byte[20]), out));
      assertEquals("", out.toString());
      assertThrows(
          IllegalArgumentException.class,
          () -> JsonLines.toJson(new Packet(0, "c", CONN, true, new byte[1])));
    }
  }

  @Nested
  class Read {
    @Test
    void line_writtenByAnotherTool_isParsed() {
      TraceEvent e =
          JsonLines.parse(
              "{ \"event\" : \"recv\", \"t\": 1e-3, \"host\":\"server\", \"conn\":\"a-b\","
                  + " \"flags\":[\"SYN\",\"ACK\"], \"seq\":7, \"ack\":101, \"win\":65160, \"len\":0, \"extra\":[1,{}] }");
      assertEquals(
          new Segment(
              1_000_000,
              "server",
              "a-b",
              SegmentAction.RECV,
              new SegmentInfo(TcpFlags.SYN | TcpFlags.ACK, 7, 101, 65160, 0, ""),
              null),
          e);
    }

    @Test
    void integerTime_isWholeSeconds() {
      assertEquals(
          60_000_000_000L,
          JsonLines.parse(
                  "{\"t\":60,\"host\":\"c\",\"conn\":\"\",\"event\":\"timer\",\"timer\":\"TIME_WAIT\",\"action\":\"fired\"}")
              .timeNanos());
    }

    @Test
    void missingOrMistypedField_namesTheField() {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JsonLines.parse(
                      "{\"t\":0,\"host\":\"c\",\"conn\":\"\",\"event\":\"state\",\"from\":\"LISTEN\"}"));
      assertTrue(e.getMessage().contains("\"to\""), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JsonLines.parse(
                      "{\"t\":\"0\",\"host\":\"c\",\"conn\":\"\",\"event\":\"note\",\"text\":\"\"}"));
      assertTrue(e.getMessage().contains("\"t\""), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> JsonLines.parse("{\"t\":0,\"host\":\"c\",\"conn\":\"\",\"event\":\"launch\"}"));
      assertTrue(e.getMessage().contains("launch"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              JsonLines.parse(
                  "{\"t\":0,\"host\":\"c\",\"conn\":\"\",\"event\":\"send\",\"flags\":[\"SYN\",\"XYZ\"],\"seq\":0,\"ack\":0,\"win\":0,\"len\":0}"));
    }

    @Test
    void parseAll_badSecondLine_namesTheLine() {
      String text = JsonLines.toJson(new Note(0, "c", "", "ok")) + "\n\n{oops\n";
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> JsonLines.parseAll(text));
      assertTrue(e.getMessage().startsWith("line 3: "), e.getMessage());
    }
  }

  @Nested
  class Sink {
    @Test
    void sink_events_becomeLinesAndSkipPackets() throws IOException {
      StringBuilder out = new StringBuilder();
      JsonLinesSink sink = new JsonLinesSink(out);
      List<TraceEvent> events =
          List.of(
              new StateChange(0, "c", CONN, "CLOSED", "SYN_SENT"),
              new Packet(0, "c", CONN, true, new byte[40]),
              new Timer(5, "c", CONN, "RTO", "set"));
      events.forEach(sink::accept);
      assertEquals(2, sink.lines());
      assertNull(sink.error());
      assertEquals(
          List.of(events.get(0), events.get(2)), JsonLines.read(new StringReader(out.toString())));
    }

    @Test
    void sink_failingWriter_keepsTheFirstErrorAndDoesNotThrow() {
      IOException boom = new IOException("disk full");
      int[] writes = {0};
      Writer failing =
          new Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
              writes[0]++;
              throw boom;
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      JsonLinesSink sink = new JsonLinesSink(failing);
      sink.accept(new Note(0, "c", "", "a"));
      sink.accept(new Note(1, "c", "", "b"));
      sink.flush();
      assertEquals(boom, sink.error());
      assertEquals(1, writes[0], "writing stops after the first failure");
      assertEquals(0, sink.lines());
    }
  }

  @Property(tries = 500)
  void anyEvent_writeThenParse_isEqual(@ForAll("events") TraceEvent event) {
    assertEquals(event, JsonLines.parse(JsonLines.toJson(event)));
    Map<String, Object> raw = Json.parseObject(JsonLines.toJson(event));
    assertEquals(List.of("t", "host", "conn", "event"), List.copyOf(raw.keySet()).subList(0, 4));
  }

  @Provide
  Arbitrary<TraceEvent> events() {
    Arbitrary<Long> t = Arbitraries.longs().between(0, 10L * 365 * 86_400 * 1_000_000_000L);
    Arbitrary<String> host = Arbitraries.strings().ofMaxLength(12);
    Arbitrary<String> conn = Arbitraries.of(CONN, "[fe80::1]:443-[fe80::2]:5000", "");
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<SegmentInfo> info =
        Combinators.combine(
                Arbitraries.integers().between(0, 255),
                Arbitraries.longs().between(0, 0xffff_ffffL),
                Arbitraries.longs().between(0, 0xffff_ffffL),
                Arbitraries.integers().between(0, 0xffff),
                Arbitraries.integers().between(0, 65535),
                text)
            .as(SegmentInfo::new);
    Arbitrary<TraceEvent> segment =
        Combinators.combine(t, host, conn, Arbitraries.of(SegmentAction.class), info, text)
            .as(
                (a, h, c, action, i, reason) ->
                    new Segment(a, h, c, action, i, action == SegmentAction.DROP ? reason : null));
    Arbitrary<TraceEvent> state =
        Combinators.combine(t, host, conn, text, text).as(StateChange::new);
    Arbitrary<TraceEvent> timer =
        Combinators.combine(t, host, conn, text, Arbitraries.of("set", "fired", "cancelled"))
            .as(Timer::new);
    Arbitrary<TraceEvent> sample =
        Combinators.combine(
                t,
                host,
                conn,
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.longs().between(0, 100_000_000_000L),
                Arbitraries.longs().greaterOrEqual(0))
            .as(Sample::new);
    Arbitrary<TraceEvent> note = Combinators.combine(t, host, conn, text).as(Note::new);
    return Arbitraries.oneOf(segment, state, timer, sample, note);
  }
}
