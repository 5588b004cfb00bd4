package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.lesson.Ladder;
import dev.synack.lesson.Narration;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.Lesson;
import dev.synack.tcp.TcpConfig;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The two "why" experiments: each shows the failure its rule prevents, and the real engine does not
 * fail.
 */
class WhyScenariosTest {
  private static final Pattern SHAS =
      Pattern.compile(
          "sha256 ([0-9a-f]+); the server's application read \\d+ bytes, sha256 ([0-9a-f]+)");

  @Test
  void lesson_isNeverTheDefault() {
    assertEquals(Lesson.NONE, TcpConfig.defaults().lesson());
  }

  /**
   * A real client and server both run the two-message lesson: two segments open the connection, and
   * the first data acknowledges the SYN-ACK.
   */
  @Test
  void twoMessageLesson_aWantedConnectionOpensWithTwoSegments_noThirdMessage() {
    List<TraceEvent> events = new java.util.ArrayList<>();
    dev.synack.stack.HostConfig config = dev.synack.stack.HostConfig.defaults(7);
    config = config.withTcp(config.tcp().withLesson(Lesson.TWO_MESSAGE_HANDSHAKE));
    dev.synack.stack.Host client = new dev.synack.stack.Host("client", config, events::add);
    dev.synack.stack.Host server = new dev.synack.stack.Host("server", config, events::add);
    client.addAddress(DemoRunner.CLIENT_ADDRESS);
    server.addAddress(DemoRunner.SERVER_ADDRESS);
    SimNetwork net = new SimNetwork(7);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, DemoRunner.CLIENT_ADDRESS);
    net.attach(s, DemoRunner.SERVER_ADDRESS);
    net.setLink(c, s, LinkConfig.ideal().withDelay(java.time.Duration.ofMillis(10)));
    dev.synack.stack.Listener listener = server.listen(null, 80, 4);
    dev.synack.stack.Connection conn = client.connect(DemoRunner.SERVER_ADDRESS, 80, 0);
    net.runUntilIdle(100_000_000L);
    dev.synack.stack.Connection accepted = listener.accept();
    assertEquals(dev.synack.tcp.TcpState.ESTABLISHED, conn.state());
    assertEquals(dev.synack.tcp.TcpState.ESTABLISHED, accepted.state());
    assertEquals(
        1, sent(events, "client").size(), "the client sent its SYN and nothing else: " + events);
    assertEquals(
        1,
        sent(events, "server").size(),
        "the server sent its SYN-ACK and nothing else: " + events);
    conn.send(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), net.now());
    net.runUntilIdle(net.now() + 1_000_000_000L);
    assertEquals(3, accepted.receive(java.nio.ByteBuffer.allocate(10), net.now()));
    assertTrue(
        sent(events, "server").stream()
            .noneMatch(x -> x.action() == TraceEvent.SegmentAction.RETRANSMIT),
        "the data acknowledged the SYN-ACK before its timer: " + events);
  }

  /** The events of one of the two runs: the lesson's (first) or the real one's. */
  private static List<TraceEvent> part(DemoRun run, boolean lesson) {
    long realStart =
        run.events().stream()
            .filter(e -> e instanceof TraceEvent.Note n && n.text().startsWith(WhyRuns.REAL_NOTE))
            .mapToLong(TraceEvent::timeNanos)
            .findFirst()
            .orElseThrow();
    return run.events().stream().filter(e -> lesson == e.timeNanos() < realStart).toList();
  }

  private static String trace(DemoRun run) {
    return String.join("\n", run.results())
        + "\n"
        + Ladder.render(run.events(), Ladder.Options.defaults());
  }

  @Nested
  class ThreeWay {
    private final DemoRun run =
        DemoRunner.run(Scenario.WHY_THREE_WAY, DemoOptions.defaults(), null);

    @Test
    void twoMessageServer_reachesEstablishedForTheOldSyn_realServerDoesNot() {
      assertTrue(run.ok(), trace(run));
      assertTrue(
          part(run, true).stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.StateChange s
                          && s.host().equals("server")
                          && s.to().equals("ESTABLISHED")),
          trace(run));
      assertFalse(
          part(run, false).stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.StateChange s
                          && s.host().equals("server")
                          && s.to().equals("ESTABLISHED")),
          trace(run));
    }

    @Test
    void realRun_theClientResetsTheSynAck_lessonClientSendsNothing() {
      assertTrue(
          sent(part(run, false), "client").stream().anyMatch(s -> s.segment().has(TcpFlags.RST)),
          trace(run));
      assertTrue(sent(part(run, true), "client").isEmpty(), trace(run));
      // The two-message server resends its SYN-ACK into the void until it gives up.
      assertTrue(sent(part(run, true), "server").size() > 1, trace(run));
    }

    @Test
    void narration_saysTheServerEnteredEstablishedOnTheSyn_andTheClientRefusedInTheRealRun() {
      List<String> en = Narration.narrate(run.events(), "en");
      assertTrue(
          en.stream()
              .anyMatch(l -> l.contains("enters ESTABLISHED at once") && l.contains("two-message")),
          String.join("\n", en));
      assertTrue(
          en.stream()
              .anyMatch(
                  l ->
                      l.startsWith(
                          "client never sent the SYN this SYN,ACK acknowledges (ack=90001)")),
          String.join("\n", en));
      assertTrue(
          en.stream()
              .anyMatch(
                  l ->
                      l.startsWith("server gives up: 5 retransmissions went unanswered (63.000s)")),
          String.join("\n", en));
      List<String> zh = Narration.narrate(run.events(), "zh");
      assertTrue(
          zh.stream().anyMatch(l -> l.contains("立即进入 ESTABLISHED 状态")), String.join("\n", zh));
      assertTrue(
          zh.stream().anyMatch(l -> l.contains("失效的连接请求报文段") && l.contains("RST")),
          String.join("\n", zh));
    }

    @Test
    void results_sayWhatTheOldSynCost() {
      assertTrue(
          run.results()
              .get(0)
              .matches(
                  "two-message handshake: .* held it 63\\.000 s, sending 6 SYN-ACKs \\(\\d+ bytes\\).*"),
          trace(run));
      assertTrue(
          run.results()
              .get(1)
              .startsWith("three-way handshake: the server never reached ESTABLISHED"),
          trace(run));
    }
  }

  @Nested
  class TimeWait {
    private final DemoRun run =
        DemoRunner.run(Scenario.WHY_TIME_WAIT, DemoOptions.defaults(), null);

    @Test
    void withoutTimeWait_theBytesReadDifferFromTheBytesSent_withItTheyAreIntact() {
      assertTrue(run.ok(), trace(run));
      Matcher lesson = line("no TIME-WAIT: sent");
      Matcher real = line("TIME-WAIT: sent");
      assertNotEquals(lesson.group(1), lesson.group(2), trace(run));
      assertEquals(real.group(1), real.group(2), trace(run));
      assertEquals(lesson.group(1), real.group(1), "both runs send the same bytes");
    }

    @Test
    void theCorruptionLineNamesTheChecksumMismatch() {
      assertTrue(line("no TIME-WAIT: sent").group(0) != null);
      assertTrue(
          run.results().stream()
              .anyMatch(
                  l ->
                      l.startsWith("no TIME-WAIT: sent")
                          && l.contains("CORRUPTED, the checksums differ")),
          trace(run));
      assertTrue(
          run.results().stream()
              .anyMatch(l -> l.startsWith("TIME-WAIT: sent") && l.endsWith(": intact")),
          trace(run));
    }

    @Test
    void realRun_theClientsStackRefusesTheSameFourTupleInTimeWait() {
      assertTrue(
          run.results().stream()
              .anyMatch(
                  l -> l.contains("the client's own stack refused to open the same 4-tuple again")),
          trace(run));
      // The old copy reaches a server with no connection: it answers RST, and takes no bytes in.
      assertTrue(
          sent(part(run, false), "server").stream().anyMatch(s -> s.segment().has(TcpFlags.RST)),
          trace(run));
    }

    @Test
    void narration_tellsTheOldBytesTakenIn_onlyInTheLesson() {
      List<String> lesson = Narration.narrate(part(run, true), "en");
      List<String> real = Narration.narrate(part(run, false), "en");
      assertTrue(
          lesson.stream()
              .anyMatch(
                  l ->
                      l.startsWith("server takes the old segment's bytes into the new connection")),
          String.join("\n", lesson));
      assertTrue(
          lesson.stream().anyMatch(l -> l.startsWith("Lesson: client's TIME_WAIT is cut to zero")),
          String.join("\n", lesson));
      assertFalse(
          real.stream().anyMatch(l -> l.contains("old segment's bytes")), String.join("\n", real));
      assertTrue(
          real.stream().anyMatch(l -> l.startsWith("client waits 2 MSL (60.000s) in TIME_WAIT")),
          String.join("\n", real));
      List<String> zh = Narration.narrate(part(run, true), "zh");
      assertTrue(
          zh.stream().anyMatch(l -> l.startsWith("服务端把旧报文的字节收进了新连接")), String.join("\n", zh));
    }

    private Matcher line(String start) {
      String l =
          run.results().stream()
              .filter(r -> r.startsWith(start))
              .findFirst()
              .orElseThrow(() -> new AssertionError(trace(run)));
      Matcher m = SHAS.matcher(l);
      assertTrue(m.find(), l);
      return m;
    }
  }

  private static List<TraceEvent.Segment> sent(List<TraceEvent> events, String host) {
    return events.stream()
        .filter(
            e ->
                e instanceof TraceEvent.Segment s
                    && s.host().equals(host)
                    && s.segment() != null
                    && (s.action() == TraceEvent.SegmentAction.SEND
                        || s.action() == TraceEvent.SegmentAction.RETRANSMIT))
        .map(e -> (TraceEvent.Segment) e)
        .toList();
  }
}
