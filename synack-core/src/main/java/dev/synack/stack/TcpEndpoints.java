package dev.synack.stack;

import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.Disposition;
import dev.synack.tcp.FastOpenOutcome;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.IcmpError;
import dev.synack.tcp.IsnGenerator;
import dev.synack.tcp.SipHash;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Addresses;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The TCP endpoints of a host: the connection table by 4-tuple, listeners with their SYN and accept
 * queues, SYN cookies (RFC 4987), ISNs (RFC 6528), ephemeral ports (RFC 6056), RSTs for segments no
 * connection owns (RFC 9293 §3.10.7.1), the queue of connections that may send, and the queue of
 * their deadlines.
 */
final class TcpEndpoints implements TransportHandler {
  private final Host host;
  private final HostConfig config;
  private final HostLog log;
  private final HostAddresses addresses;
  private final HostOutput output;
  private final ArrayDeque<HostEvent> events;

  /**
   * What connections trace to: the host's sink, plus counting their drops in the host's counters.
   */
  private final TraceSink connectionTrace;

  private final IsnGenerator isn;
  private final EphemeralPorts ephemeralPorts;

  /** Which ephemeral ports this host may take: those whose flows its loop owns. */
  private PortFilter portFilter = PortFilter.ALL;

  private final SynCookies cookies;

  /** TCP Fast Open (RFC 7413): mode, server keys, client cookie cache. */
  private final TcpFastOpen fastOpen;

  /**
   * The latest time a packet, a timeout or a connect brought, for what is timed from an event (Fast
   * Open's SYN losses).
   */
  private long clock;

  /** Where rotated Fast Open keys come from. */
  private final SplittableRandom fastOpenKeys;

  /** The remote address of the connection accepted last (see {@link #sharedRemote}). */
  private InetAddress lastAcceptedRemote;

  /**
   * The connection the last TCP segment was for, or {@code null}: the next is likely for it too.
   */
  private Connection lastFound;

  /**
   * The segment a connection sends next, refilled for every segment and written at once into its
   * packet.
   */
  private final OutboundSegment outbound = new OutboundSegment();

  private final Map<FourTuple, Connection> connections = new HashMap<>();

  /**
   * The listeners by port, with SO_REUSEPORT groups; made in the constructor from the
   * port-selection key.
   */
  private final ListenerTable listeners;

  /**
   * Whether a closed SO_REUSEPORT member's children go to the rest of its group (Linux's
   * tcp_migrate_req).
   */
  private boolean reusePortMigration = true;

  /** Connections that may have segments to send. */
  private final ArrayDeque<Connection> outputQueue = new ArrayDeque<>();

  /** The connections with a deadline, earliest first. */
  private final DeadlineQueue deadlines = new DeadlineQueue();

  /** Decides about SYNs no listener takes; null answers them with a RST, as a closed port. */
  private SynPolicy synPolicy;

  /** SYNs the policy has not answered yet. */
  private final HeldSyns heldSyns;

  /**
   * The TCP settings last made by {@link #tcpConfigFor}, and the socket settings and address pair
   * they were made from.
   */
  private TcpConfig lastConfig;

  private TcpConfig lastConfigBase;
  private InetAddress lastConfigLocal;
  private InetAddress lastConfigRemote;
  private int lastConfigMtu;

  /**
   * The path MTUs ICMP reported, per destination (the host's, shared with UDP): new connections
   * start from them.
   */
  private final PathMtus pathMtus;

  /**
   * Makes the endpoints; {@code keys} is the host's seeded key stream (ISN, ports, cookies, in that
   * order).
   */
  TcpEndpoints(
      Host host,
      HostConfig config,
      HostLog log,
      HostAddresses addresses,
      HostOutput output,
      ArrayDeque<HostEvent> events,
      SplittableRandom keys,
      PathMtus pathMtus) {
    this.host = host;
    this.pathMtus = pathMtus;
    this.config = config;
    this.log = log;
    this.addresses = addresses;
    this.output = output;
    this.events = events;
    this.heldSyns = new HeldSyns(config.heldSynLimit());
    this.connectionTrace =
        new TraceSink() {
          @Override
          public void accept(TraceEvent event) {
            log.trace.accept(event);
          }

          @Override
          public boolean wantsPackets() {
            return log.trace.wantsPackets();
          }

          @Override
          public boolean enabled() {
            return log.trace.enabled();
          }

          @Override
          public void countDrop(DropReason reason) {
            log.counters.drop(reason.code());
          }
        };
    byte[] isnKey = new byte[16];
    keys.nextBytes(isnKey);
    this.isn = new IsnGenerator(isnKey);
    long p0 = keys.nextLong(), p1 = keys.nextLong(), p2 = keys.nextLong(), p3 = keys.nextLong();
    this.listeners = new ListenerTable(p0, p1);
    this.ephemeralPorts =
        new EphemeralPorts(
            config.ephemeralPortLow(),
            config.ephemeralPortHigh(),
            data -> SipHash.hash(p0, p1, data),
            data -> SipHash.hash(p2, p3, data));
    this.cookies =
        new SynCookies(keys.nextLong(), keys.nextLong(), keys.nextLong(), keys.nextLong());
    this.fastOpenKeys = keys.split(); // after the others: their keys stay what they were
    this.fastOpen = new TcpFastOpen(log.counters, fastOpenKeys.nextLong(), fastOpenKeys.nextLong());
  }

  /** Returns the host's TCP Fast Open: its mode, keys and cookie cache. */
  TcpFastOpen fastOpen() {
    return fastOpen;
  }

  /**
   * Rotates the Fast Open key: a new primary from the host's seeded key stream, the old one kept as
   * the backup.
   */
  void rotateFastOpenKey() {
    fastOpen.cookies().rotate(fastOpenKeys.nextLong(), fastOpenKeys.nextLong());
  }

  /** Sets which ephemeral ports active opens may take (see {@link Host#setPortFilter}). */
  void setPortFilter(PortFilter filter) {
    this.portFilter = filter;
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

  /** Returns the number of connections held (in any state but released). */
  int connectionCount() {
    return connections.size();
  }

  /** Returns a snapshot of the connections held. */
  List<Connection> connections() {
    return List.copyOf(connections.values());
  }

  /** Returns the entries of the deadline queue: one per connection with a deadline. */
  int deadlineQueueSize() {
    return deadlines.size();
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
    listeners.add(l, a -> holdsPort(a, port));
    return l;
  }

  /**
   * Returns whether a connection holds {@code port} on an address overlapping {@code address}
   * (null: any).
   */
  private boolean holdsPort(InetAddress address, int port) {
    for (FourTuple id : connections.keySet()) {
      if (id.localPort() == port && ListenerTable.overlap(address, id.localAddress())) return true;
    }
    return false;
  }

  /**
   * Checks that a socket with options {@code bind} may take {@code port} on {@code address} (null:
   * every address) for an active open, as Linux's {@code inet_csk_bind_conflict} for {@code
   * bind()}: each listener and each connection holding the port on an overlapping address refuses
   * it unless both sockets set {@code SO_REUSEPORT}, or both set {@code SO_REUSEADDR} and the other
   * is not listening ({@link BindOptions#mayShareWith}). A connection opened through the plain API
   * shares nothing; an accepted one shares as its listener.
   *
   * @throws IllegalStateException "address already in use" when one refuses it
   */
  void checkBind(InetAddress address, int port, BindOptions bind) {
    if (port < 1 || port > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + port);
    listeners.forEachOn(
        port,
        l -> {
          if (ListenerTable.overlap(l.address(), address)
              && !bind.mayShareWith(l.bindOptions(), true))
            throw new IllegalStateException(
                "address already in use: port " + port + " (a listener has it)");
        });
    for (Connection c : connections.values()) {
      FourTuple id = c.id();
      if (id.localPort() == port
          && ListenerTable.overlap(address, id.localAddress())
          && !bind.mayShareWith(c.bind == null ? BindOptions.NONE : c.bind, false)) {
        throw new IllegalStateException(
            "address already in use: port " + port + " (a connection holds it)");
      }
    }
  }

  /**
   * Opens a connection to {@code remote}:{@code remotePort} (active OPEN, RFC 9293 §3.10.1) from
   * the host's first address of the same family and an ephemeral port.
   */
  public Connection connect(InetAddress remote, int remotePort, long now) {
    return connect(null, 0, remote, remotePort, now);
  }

  /**
   * Opens a connection from a given local address and port (0 for an ephemeral port, RFC 6056).
   *
   * @throws IllegalStateException when the 4-tuple is in use or no local port is free
   */
  public Connection connect(
      InetAddress local, int localPort, InetAddress remote, int remotePort, long now) {
    return connect(local, localPort, remote, remotePort, config.tcp(), now);
  }

  /**
   * Opens a connection with TCP settings of its own (a socket's options), from a given local
   * address and port (0 for an ephemeral port, RFC 6056).
   *
   * @throws IllegalStateException when the 4-tuple is in use or no local port is free
   */
  Connection connect(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcp,
      long now) {
    return connect(local, localPort, remote, remotePort, tcp, null, now);
  }

  /**
   * Opens a connection as {@link #connect(InetAddress, int, InetAddress, int, TcpConfig, long)},
   * and with {@code firstData} non-null, with TCP Fast Open when the host's mode allows it (Linux's
   * {@code sendto(MSG_FASTOPEN)}): what of {@code firstData} the send buffer takes is queued before
   * the SYN leaves, and rides on it when a cookie for the server is cached.
   */
  Connection connect(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcp,
      ByteBuffer firstData,
      long now) {
    return connect(local, localPort, remote, remotePort, tcp, firstData, null, now);
  }

  /**
   * Opens a connection as {@link #connect(InetAddress, int, InetAddress, int, TcpConfig,
   * ByteBuffer, long)} from a socket with options {@code bind} (null: the plain API's, which checks
   * nothing): a port it names is checked as Linux's {@code bind()} checks it ({@link #checkBind}).
   *
   * @throws IllegalStateException when the port is taken, the 4-tuple is in use or no local port is
   *     free
   */
  Connection connect(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcp,
      ByteBuffer firstData,
      BindOptions bind,
      long now) {
    clock = now;
    if (bind != null && localPort != 0) checkBind(local, localPort, bind);
    if (tcp == null) throw new IllegalArgumentException("tcp config is null");
    if (remotePort < 1 || remotePort > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    InetAddress from = local != null ? local : addresses.sourceFor(remote);
    int port = localPort;
    if (port == 0) {
      port =
          ephemeralPorts.choose(
              from,
              remote,
              remotePort,
              p ->
                  !connections.containsKey(new FourTuple(from, p, remote, remotePort))
                      && !listeners.hasPort(p)
                      && portFilter.accepts(6, from, p, remote, remotePort));
      if (port < 0)
        throw new IllegalStateException(
            "no ephemeral port free for " + remote.getHostAddress() + ":" + remotePort);
    }
    FourTuple id = new FourTuple(from, port, remote, remotePort);
    if (connections.containsKey(id))
      throw new IllegalStateException("connection already exists: " + id);
    TcpConnection engine =
        TcpConnection.connect(
            id,
            tcpConfigFor(tcp, from, remote, now),
            isn.isn(id, now),
            now,
            connectionTrace,
            log.name);
    Connection c = new Connection(host, engine, null);
    c.bind = bind;
    if (firstData != null) {
      c.fastOpen = fastOpen.onActiveOpen(engine, remote, now);
      engine.send(firstData, now); // before the SYN leaves: with a cookie, it rides on the SYN
    }
    connections.put(id, c);
    log.counters.activeOpens++;
    touch(c);
    return c;
  }

  /**
   * Takes a TCP segment: {@code datagram} holds the bytes {@code ip} was parsed from, at the same
   * indexes.
   */
  @Override
  public void handle(IpDatagram ip, ByteBuffer datagram, boolean checksumUnnecessary, long now) {
    clock = now;
    ByteBuffer tcp = ip.payload();
    Parsed<TcpSegment> parsed;
    if (checksumUnnecessary) {
      log.counters.checksumsTrusted++;
      parsed = TcpCodec.parse(tcp, ip.source(), ip.destination(), false);
    } else {
      // The segment runs to the end of the datagram (trimmed to its length): it starts this far in.
      int at = ip.packet().remaining() - tcp.remaining();
      parsed = TcpCodec.parse(tcp, datagram, at, ip.source(), ip.destination());
    }
    if (!(parsed instanceof Parsed.Ok<TcpSegment>(TcpSegment seg))) {
      log.dropMalformed(parsed.reason(), now);
      return;
    }
    // Segments come in runs for one connection: the last one found is tried before the table.
    Connection c = lastFound;
    if (c == null
        || c.released
        || !c.id()
            .matches(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort())) {
      c =
          connections.get(
              new FourTuple(
                  ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort()));
      lastFound = c;
    }
    Integer reopenIss = null;
    if (c != null) {
      if (completesHandshakeIntoFullAcceptQueue(c, seg)) {
        // Linux with tcp_abort_on_overflow = 0 (tcp_check_req): the final ACK is dropped and the
        // entry stays in SYN-RECEIVED; the client resends (its data, or the ACK when our SYN-ACK
        // is resent) and gets in once the application has accepted.
        log.counters.listenOverflows++;
        log.drop("listen-queue-full", c.id().toString(), seg, now);
        return;
      }
      if ((c.fastOpen & Connection.FAST_OPEN_USED) != 0 && seg.has(TcpFlags.RST))
        fastOpen.beforeReset(c.engine, seg.sequenceNumber(), now);
      Disposition d =
          c.engine.handleSegment(
              seg, ip.ecn(), now); // the ECN codepoint crosses to the connection (RFC 3168)
      touch(c);
      if (d != Disposition.REOPEN) {
        return;
      }
      // A SYN for a 4-tuple in TIME-WAIT that may start a new incarnation (RFC 9293 §3.10.7.4,
      // RFC 6191): the old TCB has closed itself; the SYN goes to the listener as a new one, whose
      // ISS must lie above everything the old incarnation sent (RFC 1122 §4.2.2.13).
      reopenIss = c.engine.nextIncarnationIss();
      release(c);
    }
    FourTuple id =
        new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort());
    HeldSyn held = heldSyns.get(id);
    if (held != null) {
      absorbWhileHeld(held, seg, now);
      return;
    }
    Listener listener = listeners.find(id);
    if (listener == null) {
      if (synPolicy != null
          && seg.has(TcpFlags.SYN)
          && !seg.has(TcpFlags.ACK | TcpFlags.RST | TcpFlags.FIN)) {
        hold(ip, seg, id, now);
        return;
      }
      TcpSegment answer = ClosedPortReply.forClosed(seg, config.tcp().lesson());
      reply(
          ip,
          seg,
          answer,
          answer == null && !seg.has(TcpFlags.RST) ? "unanswered (lesson)" : "closed-port",
          now);
      return;
    }
    if (!seg.has(TcpFlags.SYN) || seg.has(TcpFlags.RST) || seg.has(TcpFlags.ACK)) {
      if (takeCookieAck(ip, seg, id, listener, now)) return;
      reply(
          ip, seg, ClosedPortReply.forListen(seg, listener.tcp().choices()), "listen-not-syn", now);
      return;
    }
    if (listener.acceptQueueFull()) {
      // Linux drops the SYN when the accept queue is full and counts ListenOverflows, cookies or
      // not: a connection could not be queued anyway. The client retransmits its SYN and may get in
      // once the application accepts.
      log.counters.listenOverflows++;
      log.drop("listen-queue-full", id.toString(), seg, now);
      return;
    }
    if (listener.synQueueFull() || config.synCookies() == SynCookiePolicy.ALWAYS) {
      if (config.synCookies() == SynCookiePolicy.OFF) {
        log.counters.synQueueFullDrops++;
        log.drop("syn-queue-full", id.toString(), seg, now);
      } else {
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
    TcpConfig childConfig =
        tcpConfigFor(listener.tcp(), id.localAddress(), id.remoteAddress(), now);
    TcpFastOpen.ServerAnswer fo = fastOpen.onSyn(seg, id, listener);
    TcpConnection engine =
        fo == null
            ? TcpConnection.accept(
                id, childConfig, iss, seg, ip.ecn(), now, connectionTrace, log.name)
            : TcpConnection.acceptFastOpen(
                id,
                childConfig,
                iss,
                seg,
                fo.takeData(),
                fo.synAckCookie(),
                now,
                connectionTrace,
                log.name);
    Connection child = new Connection(host, engine, listener);
    connections.put(id, child);
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
    touch(child);
  }

  /**
   * Returns whether {@code seg} would move a SYN-queue child to ESTABLISHED while its listener's
   * accept queue is full.
   */
  private static boolean completesHandshakeIntoFullAcceptQueue(Connection c, TcpSegment seg) {
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
    TcpConfig tcp =
        SynCookies.synAckConfig(
            tcpConfigFor(listener.tcp(), ip.destination(), ip.source(), now), syn, now);
    int peerMss = syn.options().mss() < 0 ? (ipv6 ? 1220 : 536) : syn.options().mss();
    int cookie = cookies.cookie(id, syn.sequenceNumber(), SynCookies.mssIndex(peerMss, ipv6), now);
    // The engine makes the SYN-ACK exactly as for a queued connection; it is then forgotten.
    // The cookie keeps no ECN agreement (Linux hides one in the TSval bits): the SYN-ACK does not
    // offer it (RFC 3168 §6.1.1 allows either).
    TcpConnection once =
        TcpConnection.accept(
            id, tcp.withEcn(TcpConfig.ECN_OFF), cookie, syn, now, TraceSink.NONE, log.name);
    TcpSegment synAck = once.pollTransmit(now);
    if (synAck == null || !synAck.has(TcpFlags.SYN)) {
      log.drop("listen-bad-syn", id.toString(), syn, now);
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
    output.add(
        Packets.tcp(
            /* source= */ ip.destination(),
            /* destination= */ ip.source(),
            config.hopLimit(),
            synAck));
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
    TcpConfig tcp = tcpConfigFor(listener.tcp(), ip.destination(), ip.source(), now);
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
      log.drop("listen-queue-full", id.toString(), ack, now);
      return true;
    }
    if (tsOptions == null)
      tcp = tcp.withWindowScale(false, tcp.windowScaleShift()).withSackPermitted(false);
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
        TcpConnection.acceptCookie(
            id, tcp, cookie, restoredSyn, ack, now, connectionTrace, log.name);
    Connection child = new Connection(host, engine, listener);
    connections.put(id, child);
    // Through the SYN queue like any child, so that its Connected event moves it to the accept
    // queue.
    listener.synQueue.add(child);
    log.counters.passiveOpens++;
    touch(child);
    return true;
  }

  /**
   * Hands an ICMP error to the connection whose segment it quotes (RFC 1122 §4.2.3.9), found by the
   * quoted 4-tuple, which may be a SYN-queue entry; the connection checks the quoted sequence
   * number (RFC 5927 §4.1) and decides what the error means in its state.
   */
  @Override
  public void handleIcmpError(IpDatagram ip, IcmpMessage message, IcmpQuote quote, long now) {
    // The quoted segment is one we sent: its source is our end of the connection.
    FourTuple id =
        new FourTuple(
            quote.source(), quote.sourcePort(), quote.destination(), quote.destinationPort());
    Connection c = connections.get(id);
    if (c == null) {
      log.drop("icmp-no-connection", id.toString(), now);
      return;
    }
    String what =
        "icmp "
            + IcmpErrors.describe(message, ip.version())
            + " from "
            + Addresses.text(ip.source());
    IcmpError error = IcmpErrors.classify(message, ip.version(), quote.tcpSequenceNumber());
    if (error == null) {
      log.drop("icmp-ignored", id.toString(), now);
      return;
    }
    TcpState before = c.engine.state();
    IcmpError.Outcome outcome = c.engine.handleIcmpError(error, now);
    if (error instanceof IcmpError.PacketTooBig(int mtu, var seq)
        && outcome != IcmpError.Outcome.OUT_OF_WINDOW
        && before != TcpState.TIME_WAIT
        && before != TcpState.CLOSED) {
      // RFC 1191 §4, RFC 8201 §4: the path MTU is the destination's, for every later connection to
      // it and UDP too (Linux's tcp_v4_mtu_reduced updates the route's exception).
      pathMtus.learn(quote.destination(), mtu, config.mtu(), now);
    }
    String result = IcmpErrors.describe(error, outcome, c.engine.status().effectiveMss());
    if (result == null) {
      // Linux counts an error quoting a sequence number outside SND.UNA..SND.NXT as
      // OutOfWindowIcmps.
      log.drop(
          outcome == IcmpError.Outcome.OUT_OF_WINDOW
              ? "icmp-out-of-window"
              : "icmp-ignored-in-state",
          id.toString(),
          now);
      return;
    }
    log.counters.icmpErrorsDelivered++;
    if (log.enabled())
      log.trace.accept(new TraceEvent.Note(now, log.name, id.toString(), what + ": " + result));
    touch(c);
  }

  private void reply(IpDatagram ip, TcpSegment seg, TcpSegment answer, String reason, long now) {
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

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping.

  /**
   * Records that something happened to a connection: queues it for output, collects its events and
   * reschedules its deadline. Every path into an engine ends here.
   */
  void touch(Connection c) {
    if (c.released) return;
    if (!c.queuedForOutput) {
      c.queuedForOutput = true;
      outputQueue.add(c);
    }
    ConnectionEvent e;
    while ((e = c.engine.pollEvent()) != null) {
      deliver(c, e);
    }
    reschedule(c);
  }

  /** Moves the connection in the deadline queue if its next deadline changed. */
  private void reschedule(Connection c) {
    long next = c.engine.pollTimeout();
    if (next != c.scheduledDeadline) deadlines.schedule(c, next);
  }

  private void deliver(Connection c, ConnectionEvent e) {
    if (e instanceof ConnectionEvent.Closed(var error)) {
      c.closeError = error;
    }
    if (c.fastOpen != 0
        && (e instanceof ConnectionEvent.Connected || e instanceof ConnectionEvent.Closed))
      onFastOpenHandshakeEnd(c, e);
    Listener l = c.listener;
    if (l != null) {
      // A child of a listener belongs to the listener until accept(): its handshake completing
      // moves it to the accept queue; its death in the handshake removes it silently.
      if (e instanceof ConnectionEvent.Connected && l.synQueue.remove(c)) {
        l.acceptQueue.add(c);
        events.add(new HostEvent.Acceptable(l));
        return;
      }
      if (l.synQueue.contains(c)) {
        return;
      }
    }
    events.add(new HostEvent.OfConnection(c, e));
  }

  /**
   * Settles a Fast Open handshake: an active open's cookie and outcome go to the cache; a passive
   * child leaves its listener's Fast Open queue (Linux's {@code reqsk_fastopen_remove}).
   */
  private void onFastOpenHandshakeEnd(Connection c, ConnectionEvent e) {
    if ((c.fastOpen & Connection.FAST_OPEN_ACTIVE) != 0 && e instanceof ConnectionEvent.Connected) {
      fastOpen.onActiveConnected(c.engine, c.id().remoteAddress(), clock);
    }
    if ((c.fastOpen & Connection.FAST_OPEN_USED) != 0 && e instanceof ConnectionEvent.Closed) {
      fastOpen.onUsedClosed(
          c.engine, c.id().remoteAddress(), (c.fastOpen & Connection.FAST_OPEN_CHECK) != 0, clock);
    }
    if ((c.fastOpen & Connection.FAST_OPEN_PENDING) != 0) leaveFastOpenQueue(c);
    c.fastOpen =
        e instanceof ConnectionEvent.Closed
            ? 0
            : (byte) (c.fastOpen & (Connection.FAST_OPEN_USED | Connection.FAST_OPEN_CHECK));
  }

  private void leaveFastOpenQueue(Connection c) {
    if ((c.fastOpen & Connection.FAST_OPEN_PENDING) == 0) return;
    c.fastOpen = (byte) (c.fastOpen & ~Connection.FAST_OPEN_PENDING);
    // The listener that took the SYN: the 4-tuple's hash picks it again while its group is
    // unchanged.
    Listener l = listeners.find(c.id());
    if (l != null && l.fastOpenPending > 0) l.fastOpenPending--;
  }

  private void releaseIfDone(Connection c) {
    if (!c.released && !c.queuedForOutput && c.engine.state() == TcpState.CLOSED) {
      release(c);
    }
  }

  /** Forgets a connection: its TCB, queues and deadline go, so its memory can be reclaimed. */
  private void release(Connection c) {
    c.released = true;
    leaveFastOpenQueue(c);
    connections.remove(c.id(), c);
    deadlines.remove(c);
    if (c.listener != null) {
      c.listener.synQueue.remove(c);
      c.listener.acceptQueue.remove(c);
    }
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
   * Returns the TCP settings for a connection between two addresses: the MSS follows from the path
   * MTU, the link's or a lower one ICMP reported for the remote address and not yet expired (RFC
   * 9293 §3.7.1, RFC 1191 §3; as Linux's {@code tcp_connect_init} and {@code
   * tcp_create_openreq_child} take the route's MTU for the MSS announced and sent, {@code advmss}
   * and {@code tcp_sync_mss}), and timestamps start from a keyed per-address-pair offset (RFC 7323
   * §5.4, as Linux's secure_tcp_ts_off) so they reveal no uptime yet keep rising across
   * incarnations of a 4-tuple, which the TIME-WAIT reopen rule relies on (RFC 6191).
   */
  private TcpConfig tcpConfigFor(TcpConfig base, InetAddress local, InetAddress remote, long now) {
    int mtu = pathMtus.mtu(remote, config.mtu(), now);
    // The settings depend on the socket's settings, the address pair and the path MTU alone:
    // connections between the same two addresses (a client opening many, a proxy) share one
    // immutable copy instead of 100 bytes each.
    if (base == lastConfigBase
        && mtu == lastConfigMtu
        && local.equals(lastConfigLocal)
        && remote.equals(lastConfigRemote)) return lastConfig;
    int ipAndTcpHeaders = (local instanceof Inet4Address ? 20 : 40) + 20;
    TcpConfig tcp = base.withMss(mtu - ipAndTcpHeaders);
    lastConfig =
        tcp.timestamps() ? tcp.withTimestamps(true, isn.timestampOffset(local, remote)) : tcp;
    lastConfigBase = base;
    lastConfigLocal = local;
    lastConfigRemote = remote;
    lastConfigMtu = mtu;
    return lastConfig;
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
      log.drop("syn-held-limit", id.toString(), seg, now);
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
      log.drop("syn-held-reset", held.id().toString(), seg, now);
      return;
    }
    log.drop("syn-held", held.id().toString(), seg, now);
  }

  /**
   * Accepts a held SYN: a connection in SYN_RECEIVED, with no listener, whose events go to the user
   * at once.
   */
  Connection acceptHeld(HeldSyn held, long now) {
    heldSyns.remove(held);
    FourTuple id = held.id();
    if (connections.containsKey(id)) {
      log.drop("syn-held-tuple-in-use", id.toString(), held.syn, now);
      return null;
    }
    TcpConnection engine =
        TcpConnection.accept(
            id,
            tcpConfigFor(config.tcp(), id.localAddress(), id.remoteAddress(), now),
            isn.isn(id, now),
            held.syn,
            now,
            connectionTrace,
            log.name);
    Connection c = new Connection(host, engine, null);
    connections.put(id, c);
    log.counters.passiveOpens++;
    touch(c);
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
    log.drop("syn-policy-drop", held.id().toString(), held.syn, now);
  }

  /**
   * Answers a held SYN with an ICMP destination unreachable from the address the peer sent it to.
   */
  void unreachableHeld(HeldSyn held, int code, long now) {
    heldSyns.remove(held);
    byte[] error = Packets.icmpUnreachable(held.datagram, held.id().localAddress(), code);
    if (error == null) {
      log.drop("syn-policy-no-icmp", held.id().toString(), held.syn, now);
      return;
    }
    log.counters.unreachablesSent++;
    log.note(
        now, held.id().toString(), "SYN answered with ICMP destination unreachable, code " + code);
    output.add(error);
  }

  /**
   * Returns the next segment a connection sends, as a whole IP packet, or null when none has one.
   */
  byte[] pollTransmit(long now) {
    Connection c = nextSegment(now);
    if (c == null) return null;
    FourTuple id = c.id();
    return Packets.tcp(id.localAddress(), id.remoteAddress(), config.hopLimit(), outbound);
  }

  /**
   * Takes the next segment a connection sends into {@link #outbound()} and returns the connection,
   * or returns null when none has one. The segment counts as sent: the caller writes it at once.
   */
  Connection nextSegment(long now) {
    while (!outputQueue.isEmpty()) {
      Connection c = outputQueue.peek();
      boolean sent = !c.released && c.engine.pollTransmit(now, outbound);
      // Sending arms timers (the RTO starts when a segment leaves), and so may finding nothing to
      // send (the persist timer starts when data waits behind a zero window): the deadline moves.
      if (!c.released) reschedule(c);
      if (!sent) {
        outputQueue.poll();
        c.queuedForOutput = false;
        releaseIfDone(c);
        continue;
      }
      return c;
    }
    return null;
  }

  /**
   * Takes the next segment of {@code c} only, into {@link #outbound()}, and returns whether it had
   * one; a connection with nothing more leaves the output queue at the next {@link #nextSegment}.
   */
  boolean nextSegmentOf(Connection c, long now) {
    if (c.released || outputQueue.peek() != c) return false;
    boolean sent = c.engine.pollTransmit(now, outbound);
    reschedule(c);
    return sent;
  }

  /** Returns the segment {@link #nextSegment} took last; valid until the next call. */
  OutboundSegment outbound() {
    return outbound;
  }

  /** Returns the hop limit of the packets connections send. */
  int hopLimit() {
    return config.hopLimit();
  }

  /** Returns the earliest deadline of any connection, or {@code Long.MAX_VALUE}. */
  long nextDeadline() {
    return deadlines.nextTime();
  }

  /** Fires every connection deadline that is due at {@code now}. */
  void handleTimeout(long now) {
    clock = now;
    Connection c;
    while ((c = deadlines.first()) != null && c.scheduledDeadline <= now) {
      deadlines.remove(c);
      // Fast Open's blackhole detection watches the timeouts of connections whose SYN used it
      // (tcp_write_timeout).
      boolean watched = (c.fastOpen & Connection.FAST_OPEN_USED) != 0;
      int timeoutsBefore = watched ? FastOpenOutcome.consecutiveTimeouts(c.engine) : 0;
      c.engine.handleTimeout(now);
      touch(c);
      if (watched) fastOpen.afterTimeout(c, timeoutsBefore, now);
    }
  }
}
