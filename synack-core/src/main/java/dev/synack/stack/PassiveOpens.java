package dev.synack.stack;

import dev.synack.tcp.ConnectionParams;
import dev.synack.tcp.ConnectionTracing;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.IsnGenerator;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Ecn;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The passive side of a host's TCP (RFC 9293 §3.10.7.2, a segment for a LISTEN): listeners by port
 * with their SYN and accept queues, SYN cookies (RFC 4987 §3.6) when a SYN queue is full, the SYNs
 * a {@link SynPolicy} holds, and the RSTs of closed ports (§3.10.7.1).
 */
final class PassiveOpens {
  private final Host host;
  private final HostConfig config;
  private final HostLog log;
  private final HostAddresses addresses;
  private final HostOutput output;
  private final ArrayDeque<HostEvent> events;
  private final TcpEndpoints endpoints;
  private final ConnectionTable table;
  private final IsnGenerator isn;
  private final SynCookies cookies;
  private final TcpFastOpen fastOpen;

  /** What connections trace to (see {@link TcpEndpoints}): the host's sink and name. */
  private final ConnectionTracing tracing;

  /** The tracing of the SYN-ACKs made for cookies: untraced (the host traces them itself). */
  private final ConnectionTracing untraced;

  /** The listeners by port, with SO_REUSEPORT groups; made from the port-selection key. */
  private final ListenerTable listeners;

  /**
   * Whether a closed SO_REUSEPORT member's children go to the rest of its group (Linux's
   * tcp_migrate_req).
   */
  private boolean reusePortMigration = true;

  /** Decides about SYNs no listener takes; null answers them with a RST, as a closed port. */
  private SynPolicy synPolicy;

  /** SYNs the policy has not answered yet. */
  private final HeldSyns heldSyns;

  /**
   * Where a segment goes that neither a connection nor a listener here takes, before it is answered
   * as one for a closed port or a listener ({@link StrayHandoff}); set by {@link
   * TcpEndpoints#setStrayHandoff}.
   */
  StrayHandoff strayHandoff = StrayHandoff.NONE;

  /** How many more SYNs may be answered with cookies ({@link #limitCookies}). */
  private int cookieBudget = Integer.MAX_VALUE;

  /** The remote address of the connection accepted last (see {@link #sharedRemote}). */
  private InetAddress lastAcceptedRemote;

  PassiveOpens(
      Host host,
      HostConfig config,
      HostLog log,
      HostAddresses addresses,
      HostOutput output,
      ArrayDeque<HostEvent> events,
      TcpEndpoints endpoints,
      ConnectionTable table,
      IsnGenerator isn,
      SynCookies cookies,
      TcpFastOpen fastOpen,
      ConnectionTracing tracing,
      ListenerTable listeners) {
    this.host = host;
    this.config = config;
    this.log = log;
    this.addresses = addresses;
    this.output = output;
    this.events = events;
    this.endpoints = endpoints;
    this.table = table;
    this.isn = isn;
    this.cookies = cookies;
    this.fastOpen = fastOpen;
    this.tracing = tracing;
    this.untraced = new ConnectionTracing(TraceSink.NONE, log.name);
    this.listeners = listeners;
    this.heldSyns = new HeldSyns(config.heldSynLimit());
  }

  /**
   * Sets the policy that decides about SYNs no listener takes, or null to answer them with a RST.
   */
  void setSynPolicy(SynPolicy policy) {
    this.synPolicy = policy;
  }

  /** Returns how many SYNs wait for the policy's answer. */
  int heldSynCount() {
    return heldSyns.size();
  }

  /** Returns the number of listeners open. */
  int listenerCount() {
    return listeners.count();
  }

  /**
   * Sets whether closing a member of a {@code SO_REUSEPORT} group hands its children (in the
   * handshake and waiting for accept) to the rest of the group, as Linux with {@code
   * net.ipv4.tcp_migrate_req = 1} (5.14 on, {@code inet_csk_listen_stop} and {@code
   * reuseport_migrate_sock}); off, they are reset as those of any closed listener, Linux's default
   * of 0. synack migrates by default: a server that restarts its workers one by one loses no
   * client.
   */
  void setReusePortMigration(boolean on) {
    reusePortMigration = on;
  }

  /**
   * Listens on a port with TCP settings of its own, which the connections it accepts start with (a
   * listening socket's options, inherited by the sockets {@code accept} returns).
   *
   * <p>{@code bind} says how it shares the port ({@link ListenerTable} has Linux's rules).
   *
   * @throws IllegalStateException when the port is taken ("address already in use")
   */
  Listener listen(InetAddress address, int port, int backlog, TcpConfig tcp, BindOptions bind) {
    if (port < 1 || port > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + port);
    if (tcp == null) throw new IllegalArgumentException("tcp config is null");
    Listener l =
        new Listener(
            host, address, port, Math.max(1, Math.min(backlog, config.somaxconn())), tcp, bind);
    listeners.add(l, a -> table.holdsPort(a, port));
    return l;
  }

  /**
   * Sets how many SYNs may be answered with cookies from now on, until the next call ({@link
   * Integer#MAX_VALUE}: any number); the SYNs beyond are dropped as {@link
   * HostDropReason#SYN_FLOOD_SHED}. Only SYNs that would get a cookie count: a SYN the SYN queue
   * takes, and every segment of a connection, are never shed.
   */
  void limitCookies(int budget) {
    if (budget < 0) throw new IllegalArgumentException("cookie budget is negative: " + budget);
    cookieBudget = budget;
  }

  /** Returns the listener that takes a segment for {@code id}, or null. */
  Listener find(FourTuple id) {
    return listeners.find(id);
  }

  /** Returns whether a listener holds {@code port}. */
  boolean hasPort(int port) {
    return listeners.hasPort(port);
  }

  /**
   * Takes a segment no connection owns (RFC 9293 §3.10.7.1 and §3.10.7.2): for a held SYN, a
   * listener (a new child, a cookie, or a cookie's ACK), the SYN policy, or a closed port. {@code
   * reopenIss}, when not null, is the lowest ISS a new incarnation of a TIME-WAIT 4-tuple may take.
   */
  void take(IpDatagram ip, TcpSegment seg, Integer reopenIss, long now) {
    FourTuple id =
        new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort());
    HeldSyn held = heldSyns.get(id);
    if (held != null) {
      absorbWhileHeld(held, seg, now);
      return;
    }
    // A SYN whose connection another loop of the group holds goes to it, not into a second one.
    if (seg.has(TcpFlags.SYN)
        && !seg.has(TcpFlags.ACK | TcpFlags.RST)
        && strayHandoff.handOffSyn(id, ip.packet(), now)) return;
    Listener listener = listeners.find(id);
    if (listener == null) {
      if (synPolicy != null
          && seg.has(TcpFlags.SYN)
          && !seg.has(TcpFlags.ACK | TcpFlags.RST | TcpFlags.FIN)) {
        hold(ip, seg, id, now);
        return;
      }
      if (isStray(seg) && strayHandoff.handOff(ip.packet(), now)) return;
      TcpSegment answer = ClosedPortReply.forClosed(seg, config.tcp().lesson());
      reply(
          ip,
          seg,
          answer,
          answer == null && !seg.has(TcpFlags.RST)
              ? HostDropReason.UNANSWERED_LESSON
              : HostDropReason.CLOSED_PORT,
          now);
      return;
    }
    if (!seg.has(TcpFlags.SYN) || seg.has(TcpFlags.RST) || seg.has(TcpFlags.ACK)) {
      if (takeCookieAck(ip, seg, id, listener, now)) return;
      if (isStray(seg) && strayHandoff.handOff(ip.packet(), now)) return;
      reply(
          ip,
          seg,
          ClosedPortReply.forListen(seg, listener.tcp().choices()),
          HostDropReason.LISTEN_NOT_SYN,
          now);
      return;
    }
    if (listener.acceptQueueFull()) {
      // Linux drops the SYN when the accept queue is full and counts ListenOverflows, cookies or
      // not: a connection could not be queued anyway. The client retransmits its SYN and may get in
      // once the application accepts.
      log.counters.listenOverflows++;
      log.drop(HostDropReason.LISTEN_QUEUE_FULL, id.toString(), seg, now);
      return;
    }
    if (listener.synQueueFull() || config.synCookies() == SynCookiePolicy.ALWAYS) {
      if (config.synCookies() == SynCookiePolicy.OFF) {
        log.counters.synQueueFullDrops++;
        log.drop(HostDropReason.SYN_QUEUE_FULL, id.toString(), seg, now);
      } else if (cookieBudget <= 0) {
        // Over the budget of a backed-up turn: dropped before any work, so that the link's queue
        // drains and the connections' own segments behind the flood get through (#limitCookies).
        log.drop(HostDropReason.SYN_FLOOD_SHED, log.enabled() ? id.toString() : "", seg, now);
      } else {
        if (cookieBudget != Integer.MAX_VALUE) cookieBudget--;
        sendCookie(ip, seg, id, listener, now);
      }
      return;
    }
    // The connection keeps its 4-tuple for life: its local address is the host's own instance,
    // not the one parsed from this packet, so that idle connections share it (56 bytes each less).
    id =
        new FourTuple(
            addresses.own(ip.destination()),
            id.localPort(),
            sharedRemote(id.remoteAddress()),
            id.remotePort());
    int iss = isn.isn(id, now);
    if (reopenIss != null && SeqNum.lt(iss, reopenIss)) iss = reopenIss;
    ConnectionParams params = endpoints.paramsFor(id.localAddress(), id.remoteAddress(), now);
    TcpFastOpen.ServerAnswer fo = fastOpen.onSyn(seg, id, listener);
    TcpConnection engine =
        fo == null
            ? TcpConnection.accept(id, listener.tcp(), params, iss, seg, ip.ecn(), now, tracing)
            : TcpConnection.acceptFastOpen(
                id,
                listener.tcp(),
                params,
                iss,
                seg,
                fo.takeData(),
                fo.synAckCookie(),
                now,
                tracing);
    Connection child = new Connection(host, engine, listener);
    table.put(id, child);
    if (fo != null && fo.takeData() && engine.state() == TcpState.SYN_RECEIVED) {
      // RFC 7413 §4.2.2 and Linux's tcp_fastopen_create_child: the child goes to the accept queue
      // at
      // once, readable in SYN-RECEIVED; it counts against the Fast Open queue until the handshake
      // ends.
      child.fastOpen = Connection.FAST_OPEN_PENDING;
      listener.fastOpenPending++;
      listener.acceptQueue.add(child);
      events.add(new HostEvent.Acceptable(listener));
    } else {
      listener.synQueue.add(child);
    }
    log.counters.passiveOpens++;
    endpoints.touch(child);
  }

  /**
   * Returns whether {@code seg} would move a SYN-queue child to ESTABLISHED while its listener's
   * accept queue is full.
   */
  static boolean completesHandshakeIntoFullAcceptQueue(Connection c, InboundSegment seg) {
    Listener l = c.listener;
    if (l == null
        || !l.acceptQueueFull()
        || c.engine.state() != TcpState.SYN_RECEIVED
        || !l.synQueue.contains(c)) return false;
    if (!seg.has(TcpFlags.ACK) || seg.has(TcpFlags.SYN) || seg.has(TcpFlags.RST)) return false;
    Status s = c.engine.status();
    return SeqNum.lt(s.sndUna(), seg.acknowledgmentNumber())
        && SeqNum.le(seg.acknowledgmentNumber(), s.sndNxt());
  }

  /**
   * Answers a SYN with a SYN cookie (RFC 4987 §3.6) and keeps nothing: the SYN-ACK is the one a new
   * connection would send, with the cookie as its ISS and, with timestamps, the window scale and
   * SACK-permitted the peer offered in our TSval ({@link SynCookies}). Without timestamps the
   * SYN-ACK offers neither, as on Linux, since nothing would remember them.
   */
  private void sendCookie(
      IpDatagram ip, TcpSegment syn, FourTuple id, Listener listener, long now) {
    boolean ipv6 = ip.version() == 6;
    int peerMss = syn.options().mss() < 0 ? (ipv6 ? 1220 : 536) : syn.options().mss();
    int cookie = cookies.cookie(id, syn.sequenceNumber(), SynCookies.mssIndex(peerMss, ipv6), now);
    int shape = CookieSynAcks.shape(syn, listener.tcp(), ipv6);
    CookieSynAcks.Template template =
        shape == CookieSynAcks.NO_SHAPE ? null : listener.cookieSynAcks[shape];
    if (template != null && !log.enabled()) {
      // The fast path: the shape's template, written in place into the host's output.
      int tsVal = template.tsValAt() < 0 ? 0 : cookieTsVal(ip, syn, listener.tcp(), now);
      int at = output.reserveSlot();
      output.commitSlot(
          CookieSynAcks.write(template, output.ringBuffer(), at, ip, syn, cookie, tsVal));
      log.counters.syncookiesSent++;
      listener.cookieSentAt = now;
      return;
    }
    ConnectionParams params =
        SynCookies.synAckParams(
                listener.tcp(), endpoints.paramsFor(ip.destination(), ip.source(), now), syn, now)
            .withoutEcn();
    // The engine makes the SYN-ACK exactly as for a queued connection; it is then forgotten.
    // The cookie keeps no ECN agreement (Linux hides one in the TSval bits): the SYN-ACK does not
    // offer it (RFC 3168 §6.1.1 allows either).
    TcpConnection once =
        TcpConnection.accept(id, listener.tcp(), params, cookie, syn, Ecn.NOT_ECT, now, untraced);
    TcpSegment synAck = once.pollTransmit(now);
    if (synAck == null || !synAck.has(TcpFlags.SYN)) {
      log.drop(HostDropReason.LISTEN_BAD_SYN, id.toString(), syn, now);
      return;
    }
    log.counters.syncookiesSent++;
    listener.cookieSentAt = now;
    if (log.enabled()) {
      String conn = id.toString();
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              conn,
              TraceEvent.SegmentAction.RECV,
              TraceEvent.SegmentInfo.of(syn),
              null));
      log.trace.accept(
          new TraceEvent.Note(
              now,
              log.name,
              conn,
              "SYN queue full ("
                  + listener.pendingHandshakes()
                  + "): SYN cookie sent, no state kept"));
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              conn,
              TraceEvent.SegmentAction.SEND,
              TraceEvent.SegmentInfo.of(synAck),
              null));
    }
    byte[] packet =
        Packets.tcp(
            /* source= */ ip.destination(),
            /* destination= */ ip.source(),
            config.hopLimit(),
            synAck);
    if (shape != CookieSynAcks.NO_SHAPE && template == null && !log.enabled()) {
      listener.cookieSynAcks[shape] = CookieSynAcks.template(packet);
      log.counters.cookieSynAckTemplates++;
    }
    output.add(packet);
  }

  /**
   * Returns the TSval of a cookie's SYN-ACK to {@code syn}: the clock of the address pair (RFC 7323
   * §5.4, as {@link TcpEndpoints#paramsFor} offsets it) carrying the peer's options ({@link
   * SynCookies#timestamp}), what {@link SynCookies#synAckParams} makes the engine send.
   */
  private int cookieTsVal(IpDatagram ip, TcpSegment syn, TcpConfig tcp, long now) {
    int tsNow =
        (int) Math.floorDiv(now, 1_000_000L) + isn.timestampOffset(ip.destination(), ip.source());
    return SynCookies.timestamp(
        tsNow,
        tcp.windowScale() ? syn.options().windowScale() : -1,
        tcp.sackPermitted() && syn.options().sackPermitted());
  }

  /**
   * Returns whether {@code seg} may belong to a connection another loop of a group holds: anything
   * but a SYN alone, which opens a connection on the loop that reads it.
   */
  private static boolean isStray(TcpSegment seg) {
    return !seg.has(TcpFlags.SYN) || seg.has(TcpFlags.ACK);
  }

  /**
   * Takes an ACK that may return a SYN cookie: a segment with ACK and neither SYN nor RST, to a
   * listener that sent cookies in the last two periods (Linux's {@code tcp_v4_cookie_check}). A
   * valid cookie opens the connection straight into ESTABLISHED, if the accept queue has room; when
   * it has none the ACK is dropped and the peer will resend (Linux with tcp_abort_on_overflow = 0).
   * Returns false when the segment is not taken, which is also the case of an invalid cookie: it is
   * counted, and the caller answers it with a RST as Linux does.
   */
  private boolean takeCookieAck(
      IpDatagram ip, TcpSegment ack, FourTuple id, Listener listener, long now) {
    if (!ack.has(TcpFlags.ACK) || ack.has(TcpFlags.SYN) || ack.has(TcpFlags.RST)) return false;
    if (config.synCookies() == SynCookiePolicy.OFF || !listener.cookiesRecentlySent(now))
      return false;
    boolean ipv6 = ip.version() == 6;
    int peerIss = SeqNum.add(ack.sequenceNumber(), -1);
    int cookie = SeqNum.add(ack.acknowledgmentNumber(), -1);
    SynCookies.Decoded decoded = cookies.check(id, peerIss, cookie, now, ipv6);
    TcpConfig tcp = listener.tcp();
    ConnectionParams params = endpoints.paramsFor(ip.destination(), ip.source(), now);
    TcpOption.Timestamps ts = ack.options().timestamps();
    SynCookies.TimestampOptions tsOptions =
        ts != null && tcp.timestamps() && ts.tsEcr() != 0 ? SynCookies.options(ts.tsEcr()) : null;
    if (decoded == null) {
      log.counters.syncookiesFailed++;
      if (log.enabled())
        log.trace.accept(
            new TraceEvent.Note(
                now, log.name, id.toString(), "ACK to a listener: not a valid SYN cookie"));
      return false;
    }
    log.counters.syncookiesValidated++;
    if (listener.acceptQueueFull()) {
      log.counters.listenOverflows++;
      log.drop(HostDropReason.LISTEN_QUEUE_FULL, id.toString(), ack, now);
      return true;
    }
    if (tsOptions == null) params = params.withoutWindowScaleOrSack();
    TcpSegment restoredSyn = SynCookies.restoredSyn(ack, decoded.mss(), tsOptions);
    if (log.enabled()) {
      log.trace.accept(
          new TraceEvent.Note(
              now,
              log.name,
              id.toString(),
              "valid SYN cookie: mss "
                  + decoded.mss()
                  + (tsOptions == null
                      ? ", no timestamps"
                      : ", wscale "
                          + tsOptions.windowScale()
                          + (tsOptions.sackPermitted() ? ", sackOK" : ""))
                  + ": connection restored in SYN_RECEIVED"));
    }
    TcpConnection engine =
        TcpConnection.acceptCookie(id, tcp, params, cookie, restoredSyn, ack, now, tracing);
    Connection child = new Connection(host, engine, listener);
    table.put(id, child);
    // Through the SYN queue like any child, so that its Connected event moves it to the accept
    // queue.
    listener.synQueue.add(child);
    log.counters.passiveOpens++;
    endpoints.touch(child);
    return true;
  }

  private void reply(
      IpDatagram ip, TcpSegment seg, TcpSegment answer, HostDropReason reason, long now) {
    String conn =
        new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort())
            .toString();
    // Like the engine, a segment is traced once: as dropped, or as received and answered.
    if (answer == null) {
      log.drop(reason, conn, seg, now);
      return;
    }
    log.counters.resetsSent++;
    if (log.enabled()) {
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              conn,
              TraceEvent.SegmentAction.RECV,
              TraceEvent.SegmentInfo.of(seg),
              null));
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              conn,
              TraceEvent.SegmentAction.SEND,
              TraceEvent.SegmentInfo.of(answer),
              null));
    }
    output.add(
        Packets.tcp(
            /* source= */ ip.destination(),
            /* destination= */ ip.source(),
            config.hopLimit(),
            answer));
  }

  void removeListener(Listener l, long now) {
    List<Listener> group = reusePortMigration ? listeners.groupOf(l) : List.of();
    listeners.remove(l);
    if (!group.isEmpty()) {
      ReusePortMigration.migrate(l, group, listeners, events);
      return;
    }
    List<Connection> children = new ArrayList<>(l.synQueue);
    children.addAll(l.acceptQueue);
    for (Connection child : children) {
      child.abort(now);
    }
  }

  /**
   * Returns the instance of {@code address} the connection accepted last holds, when it came from
   * the same peer, else {@code address}: connections from one peer (a client opening many, a proxy)
   * then share one instance, 56 bytes each less, as they share the host's own address and one
   * TcpConfig.
   */
  private InetAddress sharedRemote(InetAddress address) {
    if (address.equals(lastAcceptedRemote)) return lastAcceptedRemote;
    lastAcceptedRemote = address;
    return address;
  }

  // ---------------------------------------------------------------------------------------------
  // SYNs held for the policy.

  /**
   * Holds a SYN no listener takes and asks the policy about it. The SYN and its datagram are
   * copied: the caller's buffer is the link's, reused for the next packet.
   */
  private void hold(IpDatagram ip, TcpSegment seg, FourTuple id, long now) {
    if (!heldSyns.hasRoom()) {
      log.drop(HostDropReason.SYN_HELD_LIMIT, id.toString(), seg, now);
      return;
    }
    IpDatagram copy =
        IpDatagram.parse(ByteBuffer.wrap(IpInput.bytesOf(ip.packet())).asReadOnlyBuffer()).value();
    TcpSegment syn =
        TcpCodec.parse(copy.payload(), copy.source(), copy.destination(), false).value();
    id =
        new FourTuple(
            addresses.own(id.localAddress()),
            id.localPort(),
            sharedRemote(id.remoteAddress()),
            id.remotePort());
    HeldSyn h = new HeldSyn(this, id, copy, syn);
    heldSyns.add(h);
    log.counters.synsHeld++;
    if (log.enabled()) {
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              id.toString(),
              TraceEvent.SegmentAction.RECV,
              TraceEvent.SegmentInfo.of(seg),
              null));
      log.note(now, id.toString(), "SYN held for the SYN policy");
    }
    synPolicy.decide(h, now);
  }

  /**
   * Takes a segment for a 4-tuple whose SYN is held: a retransmitted SYN is absorbed (the answer is
   * on its way), a RST ends the hold (the peer gave up), anything else is dropped, since no
   * connection exists yet to take it.
   */
  private void absorbWhileHeld(HeldSyn held, TcpSegment seg, long now) {
    if (seg.has(TcpFlags.RST) && seg.sequenceNumber() == SeqNum.add(held.syn.sequenceNumber(), 1)) {
      held.cancel();
      heldSyns.remove(held);
      log.drop(HostDropReason.SYN_HELD_RESET, held.id().toString(), seg, now);
      return;
    }
    log.drop(HostDropReason.SYN_HELD, held.id().toString(), seg, now);
  }

  /**
   * Accepts a held SYN: a connection in SYN_RECEIVED, with no listener, whose events go to the user
   * at once.
   */
  Connection acceptHeld(HeldSyn held, long now) {
    heldSyns.remove(held);
    FourTuple id = held.id();
    if (table.contains(id)) {
      log.drop(HostDropReason.SYN_HELD_TUPLE_IN_USE, id.toString(), held.syn, now);
      return null;
    }
    TcpConnection engine =
        TcpConnection.accept(
            id,
            config.tcp(),
            endpoints.paramsFor(id.localAddress(), id.remoteAddress(), now),
            isn.isn(id, now),
            held.syn,
            Ecn.NOT_ECT,
            now,
            tracing);
    Connection c = new Connection(host, engine, null);
    table.put(id, c);
    log.counters.passiveOpens++;
    endpoints.touch(c);
    return c;
  }

  /** Refuses a held SYN with the RST a closed port sends. */
  void refuseHeld(HeldSyn held, long now) {
    heldSyns.remove(held);
    TcpSegment rst = ClosedPortReply.forClosed(held.syn);
    log.counters.resetsSent++;
    if (log.enabled()) {
      log.trace.accept(
          new TraceEvent.Segment(
              now,
              log.name,
              held.id().toString(),
              TraceEvent.SegmentAction.SEND,
              TraceEvent.SegmentInfo.of(rst),
              null));
    }
    output.add(
        Packets.tcp(held.id().localAddress(), held.id().remoteAddress(), config.hopLimit(), rst));
  }

  /** Forgets a held SYN without answering it. */
  void dropHeld(HeldSyn held, long now) {
    heldSyns.remove(held);
    log.drop(HostDropReason.SYN_POLICY_DROP, held.id().toString(), held.syn, now);
  }

  /**
   * Answers a held SYN with an ICMP destination unreachable from the address the peer sent it to.
   */
  void unreachableHeld(HeldSyn held, int code, long now) {
    heldSyns.remove(held);
    byte[] error = Packets.icmpUnreachable(held.datagram, held.id().localAddress(), code);
    if (error == null) {
      log.drop(HostDropReason.SYN_POLICY_NO_ICMP, held.id().toString(), held.syn, now);
      return;
    }
    log.counters.unreachablesSent++;
    log.note(
        now, held.id().toString(), "SYN answered with ICMP destination unreachable, code " + code);
    output.add(error);
  }
}
