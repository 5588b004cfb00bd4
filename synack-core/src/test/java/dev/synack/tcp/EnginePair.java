package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Two engines wired back to back, a client and a server, in virtual time that jumps to the next
 * deadline (quinn-proto's {@code Pair}). Segments do not travel by themselves: a test moves them
 * one by one, reading like the articles ("the client sends a SYN, the server answers SYN+ACK..."),
 * and may drop, hold or forge any of them; or lets {@link #run()} carry everything until both ends
 * are quiet. Every assertion message carries both ends' trace.
 *
 * <p>The server is created as the stack creates it: {@link TcpConnection#accept} when the first SYN
 * reaches it (or {@link TcpConnection#listen} beforehand with {@link #withListener}).
 */
public final class EnginePair {
  public static final int CLIENT_PORT = 40000;
  public static final int SERVER_PORT = 80;
  public static final int CLIENT_ISS = 1000;
  public static final int SERVER_ISS = 5000;
  public static final FourTuple CLIENT_ID =
      new FourTuple(address("10.0.0.1"), CLIENT_PORT, address("10.0.0.2"), SERVER_PORT);
  public static final FourTuple SERVER_ID =
      new FourTuple(address("10.0.0.2"), SERVER_PORT, address("10.0.0.1"), CLIENT_PORT);

  public final TraceRecorder trace;
  private final TcpConfig serverCfg;
  private long now;
  private TcpConnection client;
  private TcpConnection server;

  /** Segments that left one end and have not been delivered yet, per direction. */
  private final List<TcpSegment> toServer = new ArrayList<>();

  private final List<TcpSegment> toClient = new ArrayList<>();

  /** Filters that drop the next matching segment in {@link #run}, per direction. */
  private final List<Predicate<TcpSegment>> dropToServer = new ArrayList<>();

  private final List<Predicate<TcpSegment>> dropToClient = new ArrayList<>();

  private EnginePair(TcpConfig serverCfg) {
    this(serverCfg, new TraceRecorder());
  }

  private EnginePair(TcpConfig serverCfg, TraceRecorder trace) {
    this.serverCfg = serverCfg;
    this.trace = trace;
  }

  /**
   * Returns a pair whose client has done an active OPEN (SYN-SENT, ISS 1000); the server appears
   * with the first SYN (ISS 5000).
   */
  public static EnginePair connect(TcpConfig cfg) {
    return connect(cfg, cfg);
  }

  /** As {@link #connect(TcpConfig)}, with a configuration per end. */
  public static EnginePair connect(TcpConfig clientCfg, TcpConfig serverCfg) {
    EnginePair p = new EnginePair(serverCfg);
    p.client = TcpConnection.connect(CLIENT_ID, clientCfg, CLIENT_ISS, p.now, p.trace, "client");
    return p;
  }

  /**
   * Returns a pair with both ends created but nothing sent: the client in SYN-SENT, the server in
   * LISTEN (RFC 9293's passive OPEN).
   */
  public static EnginePair withListener(TcpConfig cfg) {
    EnginePair p = new EnginePair(cfg);
    p.server = TcpConnection.listen(SERVER_ID, cfg, p.trace, "server");
    p.client = TcpConnection.connect(CLIENT_ID, cfg, CLIENT_ISS, p.now, p.trace, "client");
    return p;
  }

  /** Returns a pair after a completed handshake, both ends ESTABLISHED and quiet. */
  public static EnginePair established(TcpConfig cfg) {
    EnginePair p = connect(cfg);
    p.run();
    p.assertState(p.client, TcpState.ESTABLISHED);
    p.assertState(p.server, TcpState.ESTABLISHED);
    return p;
  }

  /**
   * Returns a pair as {@link #established}, whose ends are untraced (as a host's connections are
   * unless asked): what they keep and drop may differ from a traced end's.
   */
  public static EnginePair establishedUntraced(TcpConfig cfg) {
    EnginePair p = new EnginePair(cfg, new TraceRecorder(false));
    p.client = TcpConnection.connect(CLIENT_ID, cfg, CLIENT_ISS, p.now, p.trace, "client");
    p.run();
    p.assertState(p.client, TcpState.ESTABLISHED);
    p.assertState(p.server, TcpState.ESTABLISHED);
    return p;
  }

  /**
   * Returns a pair with both ends in SYN-SENT, neither SYN sent yet: a simultaneous open (RFC 9293
   * §3.5 figure 8).
   */
  public static EnginePair simultaneousOpen(TcpConfig cfg) {
    EnginePair p = new EnginePair(cfg);
    p.client = TcpConnection.connect(CLIENT_ID, cfg, CLIENT_ISS, p.now, p.trace, "client");
    p.server = TcpConnection.connect(SERVER_ID, cfg, SERVER_ISS, p.now, p.trace, "server");
    return p;
  }

  public TcpConnection client() {
    return client;
  }

  public TcpConnection server() {
    return server;
  }

  public long now() {
    return now;
  }

  // ---- Moving segments by hand ----

  /**
   * Returns the segment the client sends now (it is also kept as in flight to the server). Fails if
   * it sends nothing.
   */
  public TcpSegment clientSends() {
    TcpSegment seg = client.pollTransmit(now);
    if (seg == null) fail("the client sent nothing\n" + trace.dump());
    return seg;
  }

  /** Returns the segment the server sends now. Fails if it sends nothing. */
  public TcpSegment serverSends() {
    if (server == null) fail("no server yet\n" + trace.dump());
    TcpSegment seg = server.pollTransmit(now);
    if (seg == null) fail("the server sent nothing\n" + trace.dump());
    return seg;
  }

  /** Asserts that the client sends nothing now. */
  public void clientSendsNothing() {
    assertNull(client.pollTransmit(now), () -> "the client sent something\n" + trace.dump());
  }

  /** Asserts that the server sends nothing now. */
  public void serverSendsNothing() {
    if (server != null)
      assertNull(server.pollTransmit(now), () -> "the server sent something\n" + trace.dump());
  }

  /**
   * Gives a segment to the server, creating it with {@link TcpConnection#accept} on the first one.
   */
  public Disposition toServer(TcpSegment seg) {
    if (server == null) {
      server = TcpConnection.accept(SERVER_ID, serverCfg, SERVER_ISS, seg, now, trace, "server");
      return Disposition.CONSUMED;
    }
    return server.handleSegment(seg, now);
  }

  /** Gives a segment to the client. */
  public Disposition toClient(TcpSegment seg) {
    return client.handleSegment(seg, now);
  }

  /**
   * Moves the client's next segment to the server and returns it, checked: flags as tcpdump prints
   * them, seq, ack.
   */
  public TcpSegment clientToServer(String flags, long seq, long ack) {
    TcpSegment seg = check(clientSends(), flags, seq, ack);
    toServer(seg);
    return seg;
  }

  /** Moves the server's next segment to the client and returns it, checked. */
  public TcpSegment serverToClient(String flags, long seq, long ack) {
    TcpSegment seg = check(serverSends(), flags, seq, ack);
    toClient(seg);
    return seg;
  }

  /** Checks a segment's flags, seq and ack, with the trace in the message. */
  public TcpSegment check(TcpSegment seg, String flags, long seq, long ack) {
    return Seg.check(seg, flags, seq, ack, trace::dump);
  }

  // ---- Running by itself ----

  /** Drops the next segment from the client that matches, when {@link #run} carries it. */
  public void dropNextFromClient(Predicate<TcpSegment> which) {
    dropToServer.add(which);
  }

  /** Drops the next segment from the server that matches, when {@link #run} carries it. */
  public void dropNextFromServer(Predicate<TcpSegment> which) {
    dropToClient.add(which);
  }

  /** Carries segments both ways, without moving time, until neither end has anything to send. */
  public void run() {
    for (int rounds = 0; ; rounds++) {
      if (rounds > 10_000) fail("the ends never went quiet\n" + trace.dump());
      collect();
      if (toServer.isEmpty() && toClient.isEmpty()) return;
      List<TcpSegment> s = List.copyOf(toServer);
      List<TcpSegment> c = List.copyOf(toClient);
      toServer.clear();
      toClient.clear();
      for (TcpSegment seg : s) if (!dropped(dropToServer, seg)) toServer(seg);
      for (TcpSegment seg : c) if (!dropped(dropToClient, seg)) toClient(seg);
    }
  }

  /**
   * Moves time to the next deadline of either end and fires it, then {@link #run}s; returns false
   * if no timer runs.
   */
  public boolean fireNextTimer() {
    long next =
        Math.min(client.pollTimeout(), server == null ? Long.MAX_VALUE : server.pollTimeout());
    if (next == Long.MAX_VALUE) return false;
    now = Math.max(now, next);
    client.handleTimeout(now);
    if (server != null) server.handleTimeout(now);
    run();
    return true;
  }

  /** Advances time by {@code d}, firing every deadline on the way, carrying segments as they go. */
  public void advance(Duration d) {
    long end = now + d.toNanos();
    run();
    while (true) {
      long next =
          Math.min(client.pollTimeout(), server == null ? Long.MAX_VALUE : server.pollTimeout());
      if (next > end) break;
      fireNextTimer();
    }
    now = end;
  }

  /** Moves the clock by {@code d} and nothing else: no timer fires, no segment moves. */
  public void tick(Duration d) {
    now += d.toNanos();
  }

  /**
   * Runs until both ends are CLOSED (or {@code limit} passes), jumping from deadline to deadline.
   */
  public void runToClosed(Duration limit) {
    long end = now + limit.toNanos();
    run();
    while (!(client.state() == TcpState.CLOSED
        && (server == null || server.state() == TcpState.CLOSED))) {
      if (!fireNextTimer() || now > end) fail("not both CLOSED by " + limit + "\n" + trace.dump());
    }
  }

  private void collect() {
    for (TcpSegment seg; (seg = client.pollTransmit(now)) != null; ) toServer.add(seg);
    if (server != null)
      for (TcpSegment seg; (seg = server.pollTransmit(now)) != null; ) toClient.add(seg);
  }

  private static boolean dropped(List<Predicate<TcpSegment>> filters, TcpSegment seg) {
    for (int i = 0; i < filters.size(); i++) {
      if (filters.get(i).test(seg)) {
        filters.remove(i);
        return true;
      }
    }
    return false;
  }

  // ---- User calls and assertions ----

  /** Sends text from an end; asserts all of it was taken. */
  public void send(TcpConnection end, String text) {
    ByteBuffer data = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    int n = end.send(data, now);
    assertEquals(text.length(), n, () -> "bytes taken by send\n" + trace.dump());
  }

  /**
   * Reads everything readable at an end as text ("" when nothing; null at end of stream with
   * nothing read).
   */
  public String read(TcpConnection end) {
    ByteBuffer dst = ByteBuffer.allocate(1 << 20);
    int n;
    boolean eof = false;
    while ((n = end.receive(dst, now)) != 0) {
      if (n < 0) {
        eof = true;
        break;
      }
    }
    dst.flip();
    if (eof && !dst.hasRemaining()) return null;
    return StandardCharsets.UTF_8.decode(dst).toString();
  }

  /** Returns the events an end has for its user, drained. */
  public List<ConnectionEvent> events(TcpConnection end) {
    List<ConnectionEvent> events = new ArrayList<>();
    for (ConnectionEvent e; (e = end.pollEvent()) != null; ) events.add(e);
    return events;
  }

  public void assertState(TcpConnection end, TcpState expected) {
    assertEquals(expected, end.state(), () -> "state of the " + name(end) + "\n" + trace.dump());
  }

  /** Asserts the states an end went through, in order (from the trace). */
  public void assertStates(TcpConnection end, TcpState... expected) {
    List<String> want = Arrays.stream(expected).map(Enum::name).toList();
    assertEquals(
        want, trace.states(name(end)), () -> "states of the " + name(end) + "\n" + trace.dump());
  }

  public void closeClient() {
    client.close(now);
  }

  public void closeServer() {
    server.close(now);
  }

  private String name(TcpConnection end) {
    return end == client ? "client" : "server";
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
