package dev.synack.cli.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code --watch} server read over plain HTTP: the page, the event stream with the history a
 * late browser starts from, and what happens when the loop outruns the pump or a browser reads too
 * slowly (events lost and counted, never a wait).
 */
class WatchServerTest {
  private static final String CONN = "10.0.0.2:7-10.0.0.1:40000";
  private static final long DEADLINE_NANOS = Duration.ofSeconds(30).toNanos();

  private static TraceEvent state(String from, String to) {
    return new TraceEvent.StateChange(1_000_000, "synack", CONN, from, to);
  }

  private static TraceEvent segment(
      TraceEvent.SegmentAction action, int flags, long seq, long ack, int len) {
    return new TraceEvent.Segment(
        2_000_000,
        "synack",
        CONN,
        action,
        new TraceEvent.SegmentInfo(flags, seq, ack, 65535, len, ""),
        null);
  }

  @Test
  void page_isHtmlOnLoopbackThatOpensTheStream() throws Exception {
    try (WatchFeed feed = WatchFeed.start();
        WatchServer server = WatchServer.start(0, feed, "synack serve — live", "zh")) {
      assertTrue(server.url().startsWith("http://127.0.0.1:"), server.url());
      HttpResponse<String> page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url())).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertEquals(
          "text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
      assertTrue(page.body().contains("new EventSource('/events')"), page.body());
      assertTrue(
          page.body().contains("<html lang=\"zh\">") && page.body().contains("连接"), "in --lang");
      HttpResponse<String> other =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(server.url() + "nothing")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(404, other.statusCode());
    }
  }

  @Test
  void stream_givesTheHistoryToALateBrowser_thenEachEventAsItComes() throws Exception {
    try (WatchFeed feed = WatchFeed.start();
        WatchServer server = WatchServer.start(0, feed, "t", "en")) {
      feed.accept(state("LISTEN", "SYN_RECEIVED"));
      feed.accept(segment(TraceEvent.SegmentAction.RECV, TcpFlags.SYN, 1000, 0, 0));
      // Only state changes and segments go to the page.
      feed.accept(new TraceEvent.Timer(3_000_000, "synack", CONN, "RTO", "set"));
      awaitDrained(feed);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        BufferedReader in = openStream(s, server.port());
        assertEquals("event: hello", in.readLine());
        assertEquals("data: {\"forgotten\":0}", in.readLine());
        List<String> data = dataLines(in, 2);
        assertTrue(
            data.get(0).contains("\"event\":\"state\"")
                && data.get(0).contains("\"to\":\"SYN_RECEIVED\""),
            data.toString());
        assertTrue(
            data.get(1).contains("\"event\":\"recv\"")
                && data.get(1).contains("\"flags\":[\"SYN\"]"),
            data.toString());
        // Now live: a segment sent after the browser came.
        feed.accept(
            segment(TraceEvent.SegmentAction.SEND, TcpFlags.SYN | TcpFlags.ACK, 5000, 1001, 0));
        List<String> live = dataLines(in, 1);
        assertTrue(
            live.getFirst().contains("\"event\":\"send\"")
                && live.getFirst().contains("\"ack\":1001"),
            live.toString());
        assertTrue(
            live.getFirst().startsWith("{\"t\":")
                && live.getFirst().contains("\"conn\":\"" + CONN + "\""),
            live.toString());
      }
    }
  }

  @Test
  void stream_tellsEachStep_inTheWordsOfTheHtmlPage_onceItsInstantIsPast() throws Exception {
    try (WatchFeed feed = WatchFeed.start("en");
        WatchServer server = WatchServer.start(0, feed, "t", "en")) {
      feed.accept(segment(TraceEvent.SegmentAction.RECV, TcpFlags.SYN, 1000, 0, 0));
      feed.accept(new TraceEvent.StateChange(2_000_000, "synack", CONN, "LISTEN", "SYN_RECEIVED"));
      feed.accept(
          segment(TraceEvent.SegmentAction.SEND, TcpFlags.SYN | TcpFlags.ACK, 5000, 1001, 0));
      awaitDrained(feed);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        BufferedReader in = openStream(s, server.port());
        // The three events share an instant: their sentences come when the host has gone quiet,
        // told as the page tells
        // them, the peer's side of each segment drawn (the SYN it sent).
        assertEquals(
            List.of(
                "Handshake, step 1: 10.0.0.1:40000 sends SYN with its initial sequence number ISN=1000",
                "Handshake, step 2: synack answers the SYN with its own SYN, ISN=5000, and acknowledges the peer's ISN+1 with ack=1;"
                    + " synack enters SYN_RECEIVED"),
            sayLines(in, 2));
        // A later event settles at once what came before its instant.
        feed.accept(
            new TraceEvent.Segment(
                9_000_000,
                "synack",
                CONN,
                TraceEvent.SegmentAction.RECV,
                new TraceEvent.SegmentInfo(TcpFlags.ACK, 1001, 5001, 65535, 0, ""),
                null));
        feed.accept(
            new TraceEvent.StateChange(9_000_000, "synack", CONN, "SYN_RECEIVED", "ESTABLISHED"));
        assertEquals(
            List.of(
                "Handshake, step 3: 10.0.0.1:40000 acknowledges the peer's SYN with ack=1 (its ISN+1)",
                "synack receives the ACK and enters ESTABLISHED: the connection is"
                    + " established, both ways"),
            sayLines(in, 2));
      }
    }
  }

  @Test
  void aStuckPump_theLoopNeverWaits_eventsCountedAsLostAtTheSource() {
    WatchFeed feed = WatchFeed.unstarted(4);
    for (int i = 0; i < 10; i++)
      feed.accept(segment(TraceEvent.SegmentAction.SEND, TcpFlags.ACK, i, 0, 1));
    assertEquals(4, feed.queued());
    assertEquals(6, feed.lostAtSource());
  }

  @Test
  void aBrowserThatDoesNotRead_losesEventsCounted_whileAnotherGetsThemAll() throws Exception {
    try (WatchFeed feed = WatchFeed.start();
        WatchServer server = WatchServer.start(0, feed, "t", "en");
        Socket stalled = new Socket(InetAddress.getLoopbackAddress(), server.port());
        Socket reader = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      BufferedReader slow = openStream(stalled, server.port());
      BufferedReader fast = openStream(reader, server.port());
      assertEquals("event: hello", fast.readLine());
      assertEquals("event: hello", slow.readLine());
      // Far more than the stalled browser's queue and both sockets' buffers hold, in batches the
      // pump keeps up with.
      int batches = 60;
      int batch = 2000;
      long seq = 0;
      long fastSeen = 0;
      for (int b = 0; b < batches; b++) {
        for (int i = 0; i < batch; i++)
          feed.accept(segment(TraceEvent.SegmentAction.SEND, TcpFlags.ACK, seq++, 0, 1000));
        awaitDrained(feed);
        fastSeen += dataLines(fast, batch).size();
      }
      assertEquals(0, feed.lostAtSource(), "the pump kept up");
      assertEquals((long) batches * batch, fastSeen, "the reading browser got every event");
      // The stalled browser, reading at last, is told how many it lost.
      long end = System.nanoTime() + DEADLINE_NANOS;
      Pattern lost = Pattern.compile("data: \\{\"browser\":(\\d+),\"source\":0}");
      long told = -1;
      String previous = "";
      long read = 0;
      for (String line;
          told < 0 && System.nanoTime() < end && (line = slow.readLine()) != null;
          previous = line) {
        read++;
        Matcher m = lost.matcher(line);
        if (previous.equals("event: lost") && m.matches()) told = Long.parseLong(m.group(1));
      }
      assertTrue(
          told > 0,
          "the stalled browser was told it lost events: "
              + told
              + " after "
              + read
              + " lines, the last "
              + previous);
    }
  }

  /**
   * Sends {@code GET /events} and returns the response's body as lines, after checking its status
   * and type.
   */
  private static BufferedReader openStream(Socket s, int port) throws IOException {
    s.setSoTimeout(30_000);
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET /events HTTP/1.1\r\nHost: 127.0.0.1:"
                + port
                + "\r\nAccept: text/event-stream\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("HTTP/1.1 200 OK", in.readLine());
    boolean eventStream = false;
    boolean chunked = false;
    for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
      if (h.equalsIgnoreCase("Content-type: text/event-stream; charset=utf-8")) eventStream = true;
      if (h.equalsIgnoreCase("Transfer-encoding: chunked")) chunked = true;
    }
    assertTrue(eventStream && chunked, "an event stream, chunked");
    return new BufferedReader(new ChunkedReader(in));
  }

  /**
   * Reads the next {@code n} {@code data:} lines of the default event type (skipping comments and
   * named events).
   */
  private static List<String> dataLines(BufferedReader in, int n) throws IOException {
    List<String> data = new ArrayList<>();
    boolean named = false;
    for (String line; data.size() < n && (line = in.readLine()) != null; ) {
      if (line.startsWith("event: ")) named = true;
      else if (line.isEmpty()) named = false;
      else if (line.startsWith("data: ") && !named && !line.contains("\"event\":\"say\""))
        data.add(line.substring("data: ".length()));
    }
    return data;
  }

  /** Reads the stream until {@code n} sentences of the narration came, and returns their texts. */
  private static List<String> sayLines(BufferedReader in, int n) throws IOException {
    List<String> said = new ArrayList<>();
    Pattern text = Pattern.compile("data: \\{.*\"event\":\"say\",\"text\":\"(.*)\"}");
    for (String line; said.size() < n && (line = in.readLine()) != null; ) {
      Matcher m = text.matcher(line);
      if (m.matches()) said.add(m.group(1));
    }
    return said;
  }

  private static void awaitDrained(WatchFeed feed) throws InterruptedException {
    long end = System.nanoTime() + DEADLINE_NANOS;
    while (feed.queued() > 0 && System.nanoTime() < end) Thread.sleep(5);
    assertEquals(0, feed.queued(), "the pump drained the queue");
  }
}
