package dev.synack.demo;

import dev.synack.lesson.Sentence;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketFilter;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Runs one {@link Scenario} between a host named {@code client} (10.0.0.1) and a host named {@code
 * server} (10.0.0.2) on a {@link SimNetwork}, in virtual time, and returns every trace event. Each
 * scenario is a short script of user calls and, where the story needs it, one packet the network
 * drops or delays; everything else is the stack's own behaviour.
 */
public final class DemoRunner {
  static final InetAddress CLIENT_ADDRESS = address(10, 0, 0, 1);
  static final InetAddress SERVER_ADDRESS = address(10, 0, 0, 2);
  static final int SERVER_PORT = 80;

  /**
   * The client's port where a scenario needs a known 4-tuple (simultaneous open, old duplicate
   * SYN).
   */
  static final int CLIENT_PORT = 40000;

  private static final long SECOND = 1_000_000_000L;

  /**
   * Long enough for any scenario, TIME-WAIT and retransmissions included: virtual time costs
   * nothing.
   */
  private static final long HORIZON = 600 * SECOND;

  private final DemoOptions options;
  private final List<TraceEvent> events = new ArrayList<>();
  private final List<Sentence> results = new ArrayList<>();
  private final SimNetwork net;
  private final Host client;
  private final Host server;
  private final HostNode clientNode;
  private final HostNode serverNode;
  private boolean ok = true;

  private DemoRunner(Scenario scenario, DemoOptions options, TraceSink extra) {
    this.options = options;
    TraceSink collect = TraceSink.both(events::add, extra == null ? TraceSink.NONE : extra);
    TraceSink sink = extra != null && extra.wantsPackets() ? wantingPackets(collect) : collect;
    this.client = new Host("client", HostConfig.defaults(options.seed() * 2 + 1), sink);
    this.server = new Host("server", serverConfig(scenario, options.seed() * 2 + 2), sink);
    client.addAddress(CLIENT_ADDRESS);
    server.addAddress(SERVER_ADDRESS);
    this.net = new SimNetwork(options.seed());
    this.clientNode = new HostNode(client);
    this.serverNode = new HostNode(server);
    net.attach(clientNode, CLIENT_ADDRESS);
    net.attach(serverNode, SERVER_ADDRESS);
    LinkConfig link =
        LinkConfig.ideal()
            .withDelay(Duration.ofNanos((long) (options.delayMillis() * 1_000_000)))
            .withLoss(options.loss())
            .withDuplication(options.duplicate())
            .withReorder(
                options.reorder(),
                Duration.ofNanos((long) (options.delayMillis() * 1_000_000) + 1_000_000));
    net.setLink(clientNode, serverNode, link);
    net.setTrace(sink);
  }

  /**
   * Returns the server's settings: the defaults, or for the zero-window lesson a fixed 8 KiB
   * receive buffer.
   */
  private static HostConfig serverConfig(Scenario scenario, long seed) {
    HostConfig config = HostConfig.defaults(seed);
    if (scenario != Scenario.ZERO_WINDOW) return config;
    return config.withTcp(
        config
            .tcp()
            .withBuffers(8 * 1024, config.tcp().sendBuffer())
            .withReceiveBufferAutoTuning(false, 8 * 1024));
  }

  /**
   * Runs a scenario and returns what happened.
   *
   * @param extra a sink that also receives every event as it happens (JSON lines, pcap), or null
   */
  public static DemoRun run(Scenario scenario, DemoOptions options, TraceSink extra) {
    if (scenario == Scenario.WHY_THREE_WAY || scenario == Scenario.WHY_TIME_WAIT) {
      TraceSink more = extra == null ? TraceSink.NONE : extra;
      return WhyRuns.run(scenario, options, more, new ArrayList<>());
    }
    DemoRunner r = new DemoRunner(scenario, options, extra);
    switch (scenario) {
      case CONNECTION -> r.connection();
      case HANDSHAKE -> r.handshake();
      case TEARDOWN -> r.teardown();
      case HALF_CLOSE -> r.halfClose();
      case SIMULTANEOUS_OPEN -> r.simultaneousOpen();
      case SIMULTANEOUS_CLOSE -> r.simultaneousClose();
      case LOST_FINAL_ACK -> r.lostFinalAck();
      case OLD_DUPLICATE_SYN -> r.oldDuplicateSyn();
      case RESET -> r.reset();
      case REFUSED -> r.refused();
      case TRANSFER -> r.transfer();
      case FAST_RETRANSMIT -> r.fastRetransmit();
      case TIMEOUT -> r.timeout();
      case TAIL_LOSS -> r.tailLoss();
      case SPURIOUS_RETRANSMIT -> r.spuriousRetransmit();
      case ZERO_WINDOW -> r.zeroWindow();
      case KEEP_ALIVE -> r.keepAlive();
      case WHY_THREE_WAY, WHY_TIME_WAIT -> throw new IllegalStateException("run by WhyRuns");
    }
    return new DemoRun(scenario, r.events, r.client, r.server, r.results, r.ok);
  }

  // ---------------------------------------------------------------------------------------------
  // The scenarios.

  private void connection() {
    Pair p = establish();
    send(p.client, "GET / HTTP/1.0\r\n\r\n");
    runUntil(() -> p.server.status().receiveQueued() > 0);
    expectText(p.server, "GET / HTTP/1.0\r\n\r\n");
    send(p.server, "HTTP/1.0 200 OK\r\n\r\nhello\n");
    runUntil(() -> p.client.status().receiveQueued() > 0);
    expectText(p.client, "HTTP/1.0 200 OK\r\n\r\nhello\n");
    closeClientFirst(p);
  }

  private void handshake() {
    establish();
    net.runUntilIdle(net.now() + SECOND);
  }

  private void teardown() {
    closeClientFirst(establish());
  }

  private void halfClose() {
    Pair p = establish();
    p.client.close(net.now()); // shutdownOutput: FIN, but the client goes on reading
    runUntil(
        () -> p.server.state() == TcpState.CLOSE_WAIT && p.client.state() == TcpState.FIN_WAIT_2);
    for (int i = 1; i <= 3; i++) {
      send(p.server, "data " + i + " from the server after the client's FIN\n");
      net.runUntilIdle(net.now() + SECOND / 10);
    }
    expectText(
        p.client,
        "data 1 from the server after the client's FIN\n"
            + "data 2 from the server after the client's FIN\ndata 3 from the server after the client's FIN\n");
    p.server.close(net.now());
    runUntil(() -> p.server.state() == TcpState.CLOSED && p.client.state() == TcpState.CLOSED);
  }

  private void simultaneousOpen() {
    // Each side actively opens to the other's port at the same moment: the SYNs cross.
    long now = net.now();
    Connection a = client.connect(CLIENT_ADDRESS, CLIENT_PORT, SERVER_ADDRESS, SERVER_PORT, now);
    Connection b = server.connect(SERVER_ADDRESS, SERVER_PORT, CLIENT_ADDRESS, CLIENT_PORT, now);
    runUntil(() -> a.state() == TcpState.ESTABLISHED && b.state() == TcpState.ESTABLISHED);
    net.runUntilIdle(net.now() + SECOND);
  }

  private void simultaneousClose() {
    Pair p = establish();
    long now = net.now();
    p.client.closeFully(now);
    p.server.closeFully(now);
    runUntil(() -> p.client.state() == TcpState.CLOSED && p.server.state() == TcpState.CLOSED);
  }

  private void lostFinalAck() {
    Pair p = establish();
    // The network loses the client's first ACK of the server's FIN: the server resends its FIN,
    // and the client, in TIME-WAIT, ACKs it again and restarts its 2 MSL timer (RFC 9293
    // §3.10.7.4).
    boolean[] dropped = {false};
    net.setFilter(
        (from, to, packet, now) -> {
          if (!dropped[0]
              && from == clientNode
              && p.client.state() == TcpState.TIME_WAIT
              && isPureAck(packet)) {
            dropped[0] = true;
            return PacketFilter.DROP;
          }
          return PacketFilter.PASS;
        });
    closeClientFirst(p);
  }

  private void oldDuplicateSyn() {
    // RFC 9293 §3.5, figure 8: an old SYN from an earlier incarnation, still in the network,
    // reaches
    // the server while the client opens anew from the same port. The client's SYN is held back so
    // the old one arrives first.
    Listener listener = server.listen(null, SERVER_PORT, 16);
    int oldIsn = 90_000;
    byte[] oldSyn =
        Packets.tcp(
            CLIENT_ADDRESS,
            SERVER_ADDRESS,
            64,
            TcpSegment.of(CLIENT_PORT, SERVER_PORT, oldIsn, 0, TcpFlags.SYN, 65535));
    net.inject(clientNode, oldSyn);
    boolean[] held = {false};
    net.setFilter(
        (from, to, packet, now) -> {
          if (!held[0] && from == clientNode && isSyn(packet)) {
            held[0] = true;
            return (long) (options.delayMillis() * 3_000_000) + 5_000_000;
          }
          return PacketFilter.PASS;
        });
    Connection c =
        client.connect(CLIENT_ADDRESS, CLIENT_PORT, SERVER_ADDRESS, SERVER_PORT, net.now());
    Connection[] accepted = new Connection[1];
    runUntil(
        () ->
            c.state() == TcpState.ESTABLISHED
                && (accepted[0] = accepted[0] != null ? accepted[0] : listener.accept()) != null
                && accepted[0].state() == TcpState.ESTABLISHED);
    net.setFilter(null);
    net.runUntilIdle(net.now() + SECOND);
    // The second danger: an old duplicate SYN reaching the now synchronized connection gets a
    // challenge ACK (RFC 5961 §4) and does not disturb it.
    net.inject(
        clientNode,
        Packets.tcp(
            CLIENT_ADDRESS,
            SERVER_ADDRESS,
            64,
            TcpSegment.of(CLIENT_PORT, SERVER_PORT, oldIsn, 0, TcpFlags.SYN, 65535)));
    net.runUntilIdle(net.now() + SECOND);
    check(
        c.state() == TcpState.ESTABLISHED && accepted[0].state() == TcpState.ESTABLISHED,
        "both ends still ESTABLISHED after the old duplicate SYNs",
        "收到失效的重复 SYN 之后，两端仍处于 ESTABLISHED");
  }

  private void reset() {
    Pair p = establish();
    p.client.abort(net.now());
    runUntil(() -> p.server.state() == TcpState.CLOSED);
    net.runUntilIdle(net.now() + SECOND);
  }

  private void refused() {
    Connection c = client.connect(SERVER_ADDRESS, SERVER_PORT, net.now());
    runUntil(() -> c.state() == TcpState.CLOSED);
    check(c.state() == TcpState.CLOSED, "client CLOSED: connection refused", "客户端 CLOSED：连接被拒绝");
  }

  private void transfer() {
    Pair p = establish();
    SplittableRandom random = new SplittableRandom(options.seed());
    byte[] up = new byte[(int) options.bytes()];
    byte[] down = new byte[(int) options.bytes()];
    random.nextBytes(up);
    random.nextBytes(down);
    Stream toServer = new Stream(p.client, p.server, up);
    Stream toClient = new Stream(p.server, p.client, down);
    runUntil(
        () -> {
          toServer.pump(net.now());
          toClient.pump(net.now());
          return toServer.done() && toClient.done();
        });
    closeClientFirst(p);
    results.add(
        Sentence.of(
            Sentence.Kind.SHA_CLIENT_SERVER,
            "sent",
            sha256(up),
            "got",
            sha256(toServer.received())));
    results.add(
        Sentence.of(
            Sentence.Kind.SHA_SERVER_CLIENT,
            "sent",
            sha256(down),
            "got",
            sha256(toClient.received())));
    check(
        sha256(up).equals(sha256(toServer.received()))
            && sha256(down).equals(sha256(toClient.received())),
        "every byte arrived once, in order, both ways",
        "两个方向上每个字节都按顺序到达，且只到达一次");
  }

  /**
   * Ten full segments from the client, the third lost once: the server's duplicate ACKs bring it
   * back.
   */
  private void fastRetransmit() {
    Pair p = establish();
    dropClientData(3, 1, 1);
    sendAndRead(p, 10 * SEGMENT);
    closeClientFirst(p);
  }

  /**
   * One short segment lost three times over: the probe, the timeout and its backed-off successor.
   */
  private void timeout() {
    Pair p = establish();
    // The tail-loss probe goes first (RFC 8985 §7.3), then three timeouts: four copies lost.
    dropClientData(1, 1, 4);
    sendAndRead(p, 100);
    closeClientFirst(p);
  }

  /** Five segments, the last two lost: no duplicate ACK can tell it, the tail-loss probe does. */
  private void tailLoss() {
    Pair p = establish();
    dropClientData(4, 2, 1);
    sendAndRead(p, 5 * SEGMENT);
    closeClientFirst(p);
  }

  /**
   * Ten segments, the third held back three one-way delays: taken for lost, resent, then found only
   * late.
   */
  private void spuriousRetransmit() {
    Pair p = establish();
    int[] seen = {0};
    long hold = (long) (options.delayMillis() * 3_000_000) + 1_000_000;
    net.setFilter(
        (from, to, packet, now) ->
            from == clientNode && payload(packet) > 0 && ++seen[0] == 3 ? hold : PacketFilter.PASS);
    sendAndRead(p, 10 * SEGMENT);
    net.setFilter(null);
    closeClientFirst(p);
  }

  /**
   * The server's buffer holds 8 KiB and it reads nothing for 5 s: the client meets a zero window
   * and probes it.
   */
  private void zeroWindow() {
    Pair p = establish();
    byte[] data = new byte[32 * 1024];
    new SplittableRandom(options.seed()).nextBytes(data);
    ByteBuffer pending = ByteBuffer.wrap(data);
    long readFrom = net.now() + 5 * SECOND;
    runUntil(
        () -> {
          if (pending.hasRemaining()) p.client.send(pending, net.now());
          return net.now() >= readFrom;
        });
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    runUntil(
        () -> {
          if (pending.hasRemaining()) p.client.send(pending, net.now());
          got.writeBytes(drain(p.server));
          return got.size() == data.length;
        });
    check(
        Arrays.equals(got.toByteArray(), data),
        "every byte arrived once, in order, after the window opened",
        "窗口打开后，每个字节都按顺序到达，且只到达一次");
    closeClientFirst(p);
  }

  /**
   * An idle connection with keep-alive on: after the idle time the client probes and the server
   * answers.
   */
  private void keepAlive() {
    Pair p = establish();
    p.client.setKeepAlive(true, net.now());
    long idle = client.config().tcp().keepAliveIdle();
    net.runUntilIdle(net.now() + idle + SECOND);
    check(
        p.client.state() == TcpState.ESTABLISHED,
        "the connection outlived its idle time",
        "连接在空闲之后依然存在");
    closeClientFirst(p);
  }

  // ---------------------------------------------------------------------------------------------
  // Steps shared by the scenarios.

  /** A full segment's payload on the demo's path (MTU 1500, timestamps on). */
  private static final int SEGMENT = 1448;

  /**
   * Drops the client's data segments from the {@code nth} on, {@code count} of them, each the first
   * {@code times} times it is sent.
   */
  private void dropClientData(int nth, int count, int times) {
    int[] seen = {0};
    Map<Long, Integer> doomed = new HashMap<>();
    net.setFilter(
        (from, to, packet, now) -> {
          if (from != clientNode || payload(packet) == 0) return PacketFilter.PASS;
          long seq = sequence(packet);
          if (!doomed.containsKey(seq)) {
            seen[0]++;
            if (seen[0] >= nth && seen[0] < nth + count) doomed.put(seq, times);
            else return PacketFilter.PASS;
          }
          int left = doomed.get(seq);
          if (left == 0) return PacketFilter.PASS;
          doomed.put(seq, left - 1);
          return PacketFilter.DROP;
        });
  }

  /**
   * Sends {@code bytes} from the client and reads them at the server, until all arrived; the filter
   * is then removed.
   */
  private void sendAndRead(Pair p, int bytes) {
    byte[] data = new byte[bytes];
    new SplittableRandom(options.seed()).nextBytes(data);
    Stream up = new Stream(p.client, p.server, data);
    runUntil(
        () -> {
          up.pump(net.now());
          return up.done();
        });
    net.setFilter(null);
    check(
        Arrays.equals(up.received(), data),
        "every byte arrived once, in order",
        "每个字节都按顺序到达，且只到达一次");
  }

  private record Pair(Connection client, Connection server) {}

  /**
   * Server listens on port 80, client connects, until both are ESTABLISHED and the server accepted.
   */
  private Pair establish() {
    Listener listener = server.listen(null, SERVER_PORT, 16);
    Connection c = client.connect(SERVER_ADDRESS, SERVER_PORT, net.now());
    Connection[] s = new Connection[1];
    runUntil(
        () -> {
          if (s[0] == null) s[0] = listener.accept();
          return s[0] != null && c.state() == TcpState.ESTABLISHED;
        });
    return new Pair(c, s[0]);
  }

  /**
   * The articles' teardown: the client closes first, the server reads the end and closes, TIME-WAIT
   * runs out.
   */
  private void closeClientFirst(Pair p) {
    p.client.closeFully(net.now());
    runUntil(() -> p.server.state() == TcpState.CLOSE_WAIT || p.server.state() == TcpState.CLOSED);
    drain(p.server);
    p.server.closeFully(net.now());
    runUntil(() -> p.client.state() == TcpState.CLOSED && p.server.state() == TcpState.CLOSED);
  }

  private void send(Connection c, String text) {
    c.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), net.now());
  }

  private void expectText(Connection c, String expected) {
    String got = new String(drain(c), StandardCharsets.UTF_8);
    check(
        got.equals(expected),
        c.id() + " received " + expected.length() + " bytes as sent",
        c.id() + " 收到的 " + expected.length() + " 字节与发送的一致");
  }

  private byte[] drain(Connection c) {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n;
    while ((n = c.receive(buf.clear(), net.now())) > 0) {
      out.write(buf.array(), 0, n);
    }
    return out.toByteArray();
  }

  private void runUntil(BooleanSupplier condition) {
    boolean reached =
        net.runUntil(
            () -> {
              drainEvents();
              return condition.getAsBoolean();
            },
            net.now() + HORIZON);
    check(
        reached,
        "scenario step reached within " + HORIZON / SECOND + " s of virtual time",
        "场景的这一步在 " + HORIZON / SECOND + " 秒虚拟时间内完成");
  }

  /**
   * The demo polls connections directly, so host events are only drained to keep their queues
   * empty.
   */
  private void drainEvents() {
    while (client.pollEvent() != null) {
      /* drained */
    }
    while (server.pollEvent() != null) {
      /* drained */
    }
  }

  /** Notes a failed check of the run, said in English ({@code en}) and Chinese ({@code zh}). */
  private void check(boolean condition, String en, String zh) {
    if (!condition) {
      ok = false;
      results.add(
          Sentence.of(
              Sentence.Kind.FAILED, "what", Sentence.of(Sentence.Kind.CHECK, "en", en, "zh", zh)));
    }
  }

  private static boolean isPureAck(byte[] packet) {
    return Packets.parseTcp(ByteBuffer.wrap(packet), false)
            instanceof Parsed.Ok<Packets.TcpPacket>(var p)
        && p.segment().flags() == TcpFlags.ACK
        && p.segment().payloadLength() == 0;
  }

  private static int payload(byte[] packet) {
    return Packets.parseTcp(ByteBuffer.wrap(packet), false)
            instanceof Parsed.Ok<Packets.TcpPacket>(var p)
        ? p.segment().payloadLength()
        : 0;
  }

  private static long sequence(byte[] packet) {
    return Packets.parseTcp(ByteBuffer.wrap(packet), false)
            instanceof Parsed.Ok<Packets.TcpPacket>(var p)
        ? Integer.toUnsignedLong(p.segment().sequenceNumber())
        : -1;
  }

  private static boolean isSyn(byte[] packet) {
    return Packets.parseTcp(ByteBuffer.wrap(packet), false)
            instanceof Parsed.Ok<Packets.TcpPacket>(var p)
        && p.segment().flags() == TcpFlags.SYN;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static TraceSink wantingPackets(TraceSink sink) {
    return new TraceSink() {
      @Override
      public void accept(TraceEvent event) {
        sink.accept(event);
      }

      @Override
      public boolean wantsPackets() {
        return true;
      }
    };
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One direction of the transfer: what is left to send, and what has arrived. */
  private static final class Stream {
    private final Connection from;
    private final Connection to;
    private final ByteBuffer pending;
    private final byte[] received;
    private int receivedLength;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

    Stream(Connection from, Connection to, byte[] data) {
      this.from = from;
      this.to = to;
      this.pending = ByteBuffer.wrap(data);
      this.received = new byte[data.length];
    }

    void pump(long now) {
      if (pending.hasRemaining()) from.send(pending, now);
      int n;
      while ((n = to.receive(readBuffer.clear(), now)) > 0) {
        int take = Math.min(n, received.length - receivedLength);
        System.arraycopy(readBuffer.array(), 0, received, receivedLength, take);
        receivedLength += take;
      }
    }

    boolean done() {
      return receivedLength == received.length;
    }

    byte[] received() {
      return Arrays.copyOf(received, receivedLength);
    }
  }
}
