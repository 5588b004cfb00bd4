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
import dev.synack.tcp.Lesson;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The articles' two "why" questions answered by experiment ({@link Scenario#WHY_THREE_WAY}, {@link
 * Scenario#WHY_TIME_WAIT}): the same story run twice on the same simulated path, first with a
 * {@link Lesson} that breaks the rule, then with the real engine, one after the other in one trace.
 * A note from the server opens each run ({@link #LESSON_NOTE}, {@link #REAL_NOTE}).
 */
final class WhyRuns {
  /** The note that opens the run with the rule broken. */
  static final String LESSON_NOTE = "lesson run: ";

  /** The note that opens the run of the real engine. */
  static final String REAL_NOTE = "real run: ";

  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  /** Bounds every step: the two-message server gives up after 63 s, TIME-WAIT lasts 60 s. */
  private static final long HORIZON = 600 * SECOND;

  /** The old SYN's ISN: any number; the previous incarnation chose it. */
  private static final int OLD_ISN = 90_000;

  private final DemoOptions options;
  private final TraceSink sink;
  private final List<TraceEvent> events;
  private final List<Sentence> results = new ArrayList<>();
  private boolean ok = true;

  /** The hosts and network of the run going on. */
  private SimNetwork net;

  private Host client;
  private Host server;
  private HostNode clientNode;
  private HostNode serverNode;

  private WhyRuns(DemoOptions options, TraceSink sink, List<TraceEvent> events) {
    this.options = options;
    this.sink = sink;
    this.events = events;
  }

  /**
   * Runs {@code scenario}, one of the two "why" scenarios; {@code events} collects every event,
   * {@code sink} sees them too.
   */
  static DemoRun run(
      Scenario scenario, DemoOptions options, TraceSink sink, List<TraceEvent> events) {
    WhyRuns w = new WhyRuns(options, sink, events);
    try {
      switch (scenario) {
        case WHY_THREE_WAY -> w.threeWay();
        case WHY_TIME_WAIT -> w.timeWait();
        default -> throw new IllegalArgumentException("not a why scenario: " + scenario);
      }
    } catch (Stuck e) {
      w.ok = false; // the step that did not come is named in the results already
    }
    return new DemoRun(scenario, events, w.client, w.server, w.results, w.ok);
  }

  // ---------------------------------------------------------------------------------------------
  // Why three messages: RFC 9293 §3.5, "the principal reason for the three-way handshake is to
  // prevent old duplicate connection initiations from causing confusion".

  private void threeWay() {
    long start = 0;
    for (Lesson lesson : List.of(Lesson.TWO_MESSAGE_HANDSHAKE, Lesson.NONE)) {
      boolean broken = lesson != Lesson.NONE;
      start = open(lesson, false, start);
      note(broken ? LESSON_NOTE + "two-message handshake" : REAL_NOTE + "three-way handshake");
      Listener listener = server.listen(null, DemoRunner.SERVER_PORT, 16);
      // An old SYN of an earlier incarnation, delayed in the network, reaches the server; the
      // client has nothing open now and sent no SYN.
      net.inject(
          clientNode,
          Packets.tcp(
              DemoRunner.CLIENT_ADDRESS,
              DemoRunner.SERVER_ADDRESS,
              64,
              TcpSegment.of(
                  DemoRunner.CLIENT_PORT,
                  DemoRunner.SERVER_PORT,
                  OLD_ISN,
                  0,
                  TcpFlags.SYN,
                  65535)));
      Connection[] accepted = new Connection[1];
      net.runUntil(
          () -> {
            drainEvents();
            if (accepted[0] == null) accepted[0] = listener.accept();
            return accepted[0] != null && accepted[0].state() == TcpState.CLOSED;
          },
          net.now() + HORIZON);
      net.runUntilIdle(net.now() + HORIZON);
      drainEvents();
      Cost cost = cost(start);
      if (broken) {
        check(
            accepted[0] != null && cost.established >= 0,
            "the old SYN opened a connection on the two-message server",
            "失效的 SYN 在两次握手的服务端上建立了连接");
        results.add(
            Sentence.of(
                Sentence.Kind.WHY_TWO_MESSAGE_COST,
                "held",
                seconds(cost.held),
                "n",
                cost.segments,
                "bytes",
                cost.bytes));
      } else {
        check(
            accepted[0] == null && cost.established < 0,
            "the real server never reached ESTABLISHED for the old SYN",
            "真实的服务端没有因为失效的 SYN 进入 ESTABLISHED");
        results.add(
            Sentence.of(
                Sentence.Kind.WHY_THREE_WAY_COST,
                "held",
                seconds(cost.held),
                "n",
                cost.segments,
                "bytes",
                cost.bytes));
      }
      start = net.now();
    }
  }

  /**
   * What the old SYN cost the server in one run: when it reached ESTABLISHED (or -1), how long it
   * held state, what it sent.
   */
  private record Cost(long established, long held, int segments, long bytes) {}

  private Cost cost(long start) {
    long established = -1;
    long opened = -1;
    long closed = -1;
    int segments = 0;
    for (TraceEvent e : events) {
      if (e.timeNanos() < start || !e.host().equals("server")) continue;
      if (e instanceof TraceEvent.StateChange s) {
        if (s.from().equals("LISTEN") && opened < 0 && !s.conn().endsWith(":0"))
          opened = s.timeNanos();
        if (s.to().equals("ESTABLISHED") && established < 0) established = s.timeNanos();
        if (opened >= 0 && (s.to().equals("CLOSED") || s.to().equals("LISTEN")))
          closed = s.timeNanos();
      }
      if (e instanceof TraceEvent.Segment s
          && s.segment() != null
          && (s.action() == TraceEvent.SegmentAction.SEND
              || s.action() == TraceEvent.SegmentAction.RETRANSMIT)) {
        segments++;
      }
    }
    long bytes = net.stats(serverNode, clientNode).bytesSent();
    return new Cost(
        established, opened >= 0 && closed >= 0 ? closed - opened : -1, segments, bytes);
  }

  // ---------------------------------------------------------------------------------------------
  // Why TIME-WAIT: RFC 9293 §3.4.2 and §3.6, old segments of a connection must not be accepted
  // by a new incarnation of the same 4-tuple.

  private void timeWait() {
    long start = 0;
    long hold = -1;
    int index = -1;
    for (Lesson lesson : List.of(Lesson.NO_TIME_WAIT, Lesson.NONE)) {
      boolean broken = lesson != Lesson.NONE;
      start = open(lesson, true, start);
      note(broken ? LESSON_NOTE + "no TIME-WAIT" : REAL_NOTE + "TIME-WAIT of 2 MSL");
      Listener listener = server.listen(null, DemoRunner.SERVER_PORT, 16);
      // The network keeps a copy of each data segment of the first connection (a duplicate, as a
      // routing loop makes), and lets the original through; one copy is delivered much later.
      List<byte[]> copies = new ArrayList<>();
      List<Long> sentAt = new ArrayList<>();
      int[] newIss = {0};
      boolean[] second = {false};
      net.setFilter(
          (from, to, packet, now) -> {
            TcpSegment seg = segment(packet);
            if (from != clientNode || seg == null) return PacketFilter.PASS;
            if (seg.has(TcpFlags.SYN) && second[0]) newIss[0] = seg.sequenceNumber();
            if (!second[0] && seg.payloadLength() > 0) {
              copies.add(packet.clone());
              sentAt.add(now);
            }
            return PacketFilter.PASS;
          });
      SplittableRandom random = new SplittableRandom(options.seed());
      byte[] first = new byte[64 * 1024];
      byte[] next = new byte[8 * 1024];
      random.nextBytes(first);
      random.nextBytes(next);
      Connection c =
          client.connect(
              DemoRunner.CLIENT_ADDRESS,
              DemoRunner.CLIENT_PORT,
              DemoRunner.SERVER_ADDRESS,
              DemoRunner.SERVER_PORT,
              net.now());
      Connection s = acceptOn(listener);
      check(
          Arrays.equals(transfer(c, s, first), first),
          "the first connection's bytes arrived intact",
          "第一个连接的数据完整到达");
      c.closeFully(net.now());
      runUntil(() -> s.state() == TcpState.CLOSE_WAIT);
      s.closeFully(net.now());
      runUntil(
          () ->
              s.state() == TcpState.CLOSED
                  && (c.state() == TcpState.TIME_WAIT || c.state() == TcpState.CLOSED));
      second[0] = true;
      Connection c2;
      try {
        c2 =
            client.connect(
                DemoRunner.CLIENT_ADDRESS,
                DemoRunner.CLIENT_PORT,
                DemoRunner.SERVER_ADDRESS,
                DemoRunner.SERVER_PORT,
                net.now());
        results.add(
            Sentence.of(
                Sentence.Kind.WHY_REOPENED, "run", run(broken), "t", seconds(net.now() - start)));
      } catch (IllegalStateException e) {
        results.add(
            Sentence.of(
                Sentence.Kind.WHY_REFUSED_REOPEN,
                "t",
                seconds(net.now() - start),
                "why",
                e.getMessage()));
        if (hold >= 0) {
          // The old copy arrives while the client waits, as long after it was sent as in the lesson
          // run.
          net.runUntil(sentAt.get(index) + hold);
          deliverOld(copies.get(index));
        }
        runUntil(() -> c.state() == TcpState.CLOSED);
        c2 =
            client.connect(
                DemoRunner.CLIENT_ADDRESS,
                DemoRunner.CLIENT_PORT,
                DemoRunner.SERVER_ADDRESS,
                DemoRunner.SERVER_PORT,
                net.now());
      }
      Connection conn2 = c2;
      Connection s2 = acceptOn(listener);
      runUntil(() -> conn2.state() == TcpState.ESTABLISHED);
      if (hold < 0) {
        // The lesson run picks the old copy that the new connection's first byte falls in: its
        // sequence number lands in the new window (staged, as the articles' figure is).
        long want = Integer.toUnsignedLong(newIss[0] + 1);
        for (int i = 0; i < copies.size() && index < 0; i++) {
          TcpSegment old = segment(copies.get(i));
          long from = Integer.toUnsignedLong(old.sequenceNumber());
          if (SeqNum.le(old.sequenceNumber(), (int) want)
              && SeqNum.lt((int) want, SeqNum.add(old.sequenceNumber(), old.payloadLength()))) {
            index = i;
            results.add(
                Sentence.of(
                    Sentence.Kind.WHY_OLD_COPY,
                    "isn",
                    newIss[0] & 0xffff_ffffL,
                    "from",
                    from,
                    "to",
                    from + old.payloadLength()));
          }
        }
        check(index >= 0, "an old segment lands in the new connection's window", "有一个旧报文落在新连接的窗口内");
        if (index < 0) return;
        hold = net.now() - sentAt.get(index);
        deliverOld(copies.get(index));
      }
      // The old copy arrives before the client's first bytes of the new connection.
      net.runUntil(net.now() + 2 * (long) (options.delayMillis() * MS) + MS);
      byte[] got = transfer(conn2, s2, next);
      boolean intact = Arrays.equals(got, next);
      results.add(
          Sentence.of(
              Sentence.Kind.WHY_CHECKSUMS,
              "run",
              run(broken),
              "n",
              next.length,
              "sent",
              DemoRunner.sha256(next).substring(0, 16),
              "m",
              got.length,
              "got",
              DemoRunner.sha256(got).substring(0, 16),
              "verdict",
              intact ? Sentence.of(Sentence.Kind.READ_INTACT) : differing(next, got)));
      check(
          broken != intact,
          broken
              ? "the old segment corrupted the new connection"
              : "the new connection's bytes arrived intact",
          broken ? "旧报文破坏了新连接的数据" : "新连接的数据完整到达");
      conn2.closeFully(net.now());
      runUntil(() -> s2.state() == TcpState.CLOSE_WAIT);
      s2.closeFully(net.now());
      runUntil(() -> s2.state() == TcpState.CLOSED && conn2.state() == TcpState.CLOSED);
      net.setFilter(null);
      start = net.now();
    }
  }

  /** Returns which run a result is of: the lesson's, without TIME-WAIT, or the real engine's. */
  private static Sentence run(boolean broken) {
    return Sentence.of(broken ? Sentence.Kind.RUN_NO_TIME_WAIT : Sentence.Kind.RUN_TIME_WAIT);
  }

  /** Returns nanoseconds as seconds with three decimals, {@code 63.000}. */
  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
  }

  /**
   * Returns how the bytes read differ from those sent: the first differing byte and how many
   * differ.
   */
  private static Sentence differing(byte[] sent, byte[] got) {
    int first = -1;
    int count = 0;
    for (int i = 0; i < Math.max(sent.length, got.length); i++) {
      if (i >= sent.length || i >= got.length || sent[i] != got[i]) {
        if (first < 0) first = i;
        count++;
      }
    }
    return Sentence.of(Sentence.Kind.READ_CORRUPTED, "count", count, "first", first);
  }

  /** The network delivers the old copy from the client's side, as it was sent. */
  private void deliverOld(byte[] packet) {
    net.setFilter(null);
    net.inject(clientNode, packet);
  }

  /**
   * Sends {@code data} on {@code from} and reads at {@code to} until it all arrived (or nothing
   * more comes).
   */
  private byte[] transfer(Connection from, Connection to, byte[] data) {
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    runUntil(
        () -> {
          if (pending.hasRemaining()) from.send(pending, net.now());
          int n;
          while ((n = to.receive(buf.clear(), net.now())) > 0) got.write(buf.array(), 0, n);
          return got.size() >= data.length;
        });
    return got.toByteArray();
  }

  private Connection acceptOn(Listener listener) {
    Connection[] s = new Connection[1];
    runUntil(() -> (s[0] = s[0] != null ? s[0] : listener.accept()) != null);
    return s[0];
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Builds the hosts and network of one run, whose clock starts at the next whole second after
   * {@code after}; both hosts run {@code lesson}. Returns the run's start.
   */
  private long open(Lesson lesson, boolean noTimestamps, long after) {
    long start = after == 0 ? 0 : (after / SECOND + 2) * SECOND;
    TraceSink all = TraceSink.both(events::add, sink);
    client = new Host("client", config(lesson, noTimestamps, options.seed() * 2 + 1), all);
    server = new Host("server", config(lesson, noTimestamps, options.seed() * 2 + 2), all);
    client.addAddress(DemoRunner.CLIENT_ADDRESS);
    server.addAddress(DemoRunner.SERVER_ADDRESS);
    net = new SimNetwork(options.seed());
    clientNode = new HostNode(client);
    serverNode = new HostNode(server);
    net.attach(clientNode, DemoRunner.CLIENT_ADDRESS);
    net.attach(serverNode, DemoRunner.SERVER_ADDRESS);
    net.setLink(
        clientNode,
        serverNode,
        LinkConfig.ideal().withDelay(Duration.ofNanos((long) (options.delayMillis() * MS))));
    net.setTrace(all);
    net.runUntil(start);
    return start;
  }

  /**
   * Returns the hosts' settings: the defaults with {@code lesson}; without timestamps for the
   * TIME-WAIT lesson, since PAWS (RFC 7323 §5) would also stop an old segment, and the articles'
   * TCP has no options.
   */
  private static HostConfig config(Lesson lesson, boolean noTimestamps, long seed) {
    HostConfig config = HostConfig.defaults(seed);
    TcpConfig tcp = config.tcp().withLesson(lesson);
    if (noTimestamps) tcp = tcp.withTimestamps(false, 0);
    return config.withTcp(tcp);
  }

  private void note(String text) {
    TraceEvent n = new TraceEvent.Note(net.now(), "server", "", text);
    events.add(n);
    sink.accept(n);
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
    if (!reached) throw new Stuck();
  }

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

  /** A step that did not come within the horizon: the run stops there. */
  private static final class Stuck extends RuntimeException {
    Stuck() {
      super(null, null, false, false);
    }
  }

  private static TcpSegment segment(byte[] packet) {
    return Packets.parseTcp(ByteBuffer.wrap(packet), false)
            instanceof Parsed.Ok<Packets.TcpPacket>(var p)
        ? p.segment()
        : null;
  }
}
