package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One engine and a scripted peer, in the manner of packetdrill: the test injects crafted segments
 * ({@link #inject}) and expects exactly what the engine sends back ({@link #expect}, {@link
 * #expectNothing}), in virtual time. The engine is the local end 10.0.0.1:40000 (active) or
 * 10.0.0.2:80 (passive); the scripted peer is the other.
 */
public final class EngineScript {
  /** Options off, so that crafted segments need none: plain RFC 9293. */
  public static final TcpConfig PLAIN =
      TcpConfig.defaults()
          .withTimestamps(false, 0)
          .withSackPermitted(false)
          .withWindowScale(false, 0);

  /** The peer's ISS in {@link #established}. */
  public static final int PEER_ISS = 5000;

  /** The window the peer announces by default. */
  public static final int PEER_WINDOW = 65535;

  public final TraceRecorder trace = new TraceRecorder();
  private final int localPort;
  private final int remotePort;
  private long now;
  private TcpConnection conn;

  private EngineScript(FourTuple id) {
    this.localPort = id.localPort();
    this.remotePort = id.remotePort();
  }

  /**
   * Returns a script whose engine did an active OPEN (SYN-SENT, ISS 1000) and has sent nothing yet.
   */
  public static EngineScript connect(TcpConfig cfg) {
    EngineScript s = new EngineScript(EnginePair.CLIENT_ID);
    s.conn =
        TcpConnection.connect(
            EnginePair.CLIENT_ID, cfg, EnginePair.CLIENT_ISS, 0, s.trace, "engine");
    return s;
  }

  /**
   * Returns a script whose engine is in LISTEN (RFC 9293's passive OPEN) for the client's 4-tuple.
   */
  public static EngineScript listen(TcpConfig cfg) {
    EngineScript s = new EngineScript(EnginePair.SERVER_ID);
    s.conn = TcpConnection.listen(EnginePair.SERVER_ID, cfg, s.trace, "engine");
    return s;
  }

  /**
   * Returns a script whose engine was created by {@link TcpConnection#accept} for this SYN (ISS
   * 5000... of the engine: 1000).
   */
  public static EngineScript accept(TcpConfig cfg, TcpSegment syn) {
    EngineScript s = new EngineScript(EnginePair.SERVER_ID);
    s.conn =
        TcpConnection.accept(
            EnginePair.SERVER_ID, cfg, EnginePair.CLIENT_ISS, syn, 0, s.trace, "engine");
    return s;
  }

  /**
   * As {@link #accept(TcpConfig, TcpSegment)}, for a SYN whose IP header carried the ECN codepoint
   * {@code ipEcn}.
   */
  public static EngineScript accept(TcpConfig cfg, TcpSegment syn, int ipEcn) {
    EngineScript s = new EngineScript(EnginePair.SERVER_ID);
    s.conn =
        TcpConnection.accept(
            EnginePair.SERVER_ID, cfg, EnginePair.CLIENT_ISS, syn, ipEcn, 0, s.trace, "engine");
    return s;
  }

  /**
   * Returns a script whose engine was created by {@link TcpConnection#acceptFastOpen} for this SYN
   * (ISS 1000).
   */
  public static EngineScript acceptFastOpen(
      TcpConfig cfg, TcpSegment syn, boolean cookieValid, byte[] synAckCookie) {
    EngineScript s = new EngineScript(EnginePair.SERVER_ID);
    s.conn =
        TcpConnection.acceptFastOpen(
            EnginePair.SERVER_ID,
            cfg,
            EnginePair.CLIENT_ISS,
            syn,
            cookieValid,
            synAckCookie,
            0,
            s.trace,
            "engine");
    return s;
  }

  /**
   * Returns a script whose engine is ESTABLISHED after an active open: it sent SYN 1000, the peer
   * answered SYN-ACK 5000 ack 1001, it sent ACK 1001 ack 5001. SND.NXT = 1001, RCV.NXT = 5001.
   */
  public static EngineScript established(TcpConfig cfg) {
    EngineScript s = connect(cfg);
    s.expect("S", 1000, 0);
    s.inject("S.", PEER_ISS, 1001);
    s.expect(".", 1001, 5001);
    s.assertState(TcpState.ESTABLISHED);
    s.drainEvents();
    return s;
  }

  public TcpConnection conn() {
    return conn;
  }

  public long now() {
    return now;
  }

  /** Returns a segment from the peer with no options or payload and the default window. */
  public TcpSegment peer(String flags, int seq, int ack) {
    return Seg.of(remotePort, localPort, flags, seq, ack, PEER_WINDOW);
  }

  /** Injects a segment from the peer. */
  public Disposition inject(String flags, int seq, int ack) {
    return inject(peer(flags, seq, ack));
  }

  /** Injects a segment from the peer carrying text. */
  public Disposition injectText(String flags, int seq, int ack, String text) {
    return inject(Seg.withText(peer(flags, seq, ack), text));
  }

  /** Injects a crafted segment. */
  public Disposition inject(TcpSegment seg) {
    return conn.handleSegment(seg, now);
  }

  /**
   * Expects the engine's next segment: flags as tcpdump prints them, seq, and ack (checked when the
   * ACK bit is set).
   */
  public TcpSegment expect(String flags, long seq, long ack) {
    return Seg.check(conn.pollTransmit(now), flags, seq, ack, trace::dump);
  }

  /** Expects that the engine sends nothing now. */
  public void expectNothing() {
    TcpSegment seg = conn.pollTransmit(now);
    assertNull(seg, () -> "expected no segment, got " + seg + "\n" + trace.dump());
  }

  /** Moves time to the engine's next deadline and fires it; returns the new time. */
  public long fireNextTimer() {
    long next = conn.pollTimeout();
    if (next == Long.MAX_VALUE) fail("no timer runs\n" + trace.dump());
    now = Math.max(now, next);
    conn.handleTimeout(now);
    return now;
  }

  /**
   * Advances time by {@code d}, firing the deadlines on the way (segments they send stay to be
   * expected).
   */
  public void advance(Duration d) {
    long end = now + d.toNanos();
    while (conn.pollTimeout() <= end) fireNextTimer();
    now = end;
  }

  /** Moves the clock by {@code d} and nothing else: no timer fires (a segment's time in flight). */
  public void tick(Duration d) {
    now += d.toNanos();
  }

  /** Sends text from the engine's user; returns the bytes taken. */
  public int send(String text) {
    return conn.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), now);
  }

  /** Reads what the engine's user can read, as text; null at end of stream. */
  public String read() {
    ByteBuffer dst = ByteBuffer.allocate(1 << 20);
    int n = conn.receive(dst, now);
    if (n < 0) return null;
    dst.flip();
    return StandardCharsets.UTF_8.decode(dst).toString();
  }

  /** Returns and removes the engine's pending events. */
  public List<ConnectionEvent> drainEvents() {
    List<ConnectionEvent> events = new ArrayList<>();
    for (ConnectionEvent e; (e = conn.pollEvent()) != null; ) events.add(e);
    return events;
  }

  public void assertState(TcpState expected) {
    assertEquals(expected, conn.state(), () -> "state\n" + trace.dump());
  }

  /** Asserts the full sequence of states the engine entered, from the trace. */
  public void assertStates(TcpState... expected) {
    assertEquals(
        Arrays.stream(expected).map(Enum::name).toList(),
        trace.states("engine"),
        () -> "states\n" + trace.dump());
  }

  /** Asserts the last drop reason contains {@code fragment}. */
  public void assertDropped(String fragment) {
    List<String> reasons = trace.dropReasons("engine");
    if (reasons.isEmpty() || !reasons.getLast().contains(fragment)) {
      fail("expected a drop for \"" + fragment + "\", drops were " + reasons + "\n" + trace.dump());
    }
  }
}
