package dev.synack.stack;

import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.ConnectionParams;
import dev.synack.tcp.ConnectionTracing;
import dev.synack.tcp.Disposition;
import dev.synack.tcp.FastOpenOutcome;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.IcmpError;
import dev.synack.tcp.IsnGenerator;
import dev.synack.tcp.SipHash;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.tcp.TimeWaitTcb;
import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Addresses;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The TCP endpoints of a host: the connection table by 4-tuple ({@link ConnectionTable}), the
 * passive side ({@link PassiveOpens}: listeners, SYN and accept queues, SYN cookies, held SYNs),
 * ISNs (RFC 6528), ephemeral ports (RFC 6056), and what every connection's events go through.
 */
final class TcpEndpoints implements TransportHandler {
  private final Host host;
  private final HostConfig config;
  private final HostLog log;
  private final HostAddresses addresses;
  private final ArrayDeque<HostEvent> events;

  /**
   * What connections trace to: the host's sink, plus counting their drops in the host's counters.
   */
  private final TraceSink connectionTrace;

  /** The connections' tracing: {@link #connectionTrace} and the host's name. */
  private final ConnectionTracing tracing;

  private final IsnGenerator isn;
  private final EphemeralPorts ephemeralPorts;

  /** Which ephemeral ports this host may take: those whose flows its loop owns. */
  private PortFilter portFilter = PortFilter.ALL;

  /** TCP Fast Open (RFC 7413): mode, server keys, client cookie cache. */
  private final TcpFastOpen fastOpen;

  /**
   * The latest time a packet, a timeout or a connect brought, for what is timed from an event (Fast
   * Open's SYN losses).
   */
  private long clock;

  /** Where rotated Fast Open keys come from. */
  private final SplittableRandom fastOpenKeys;

  private final ConnectionTable table = new ConnectionTable(this::releaseIfDone);

  /**
   * Whether a connection in TIME-WAIT the user let go becomes a {@link TimeWaitTcb} record (off
   * only in tests that compare the two forms).
   */
  boolean compactTimeWait = true;

  /** Listeners, their queues, SYN cookies and held SYNs. */
  private final PassiveOpens passive;

  /** Ports that bound, not yet connected sockets hold (Linux's bind buckets). */
  private final BindReservations reserved = new BindReservations();

  /** The last Readable event delivered, or {@code null} (see {@link #deliver}). */
  private HostEvent.OfConnection lastReadable;

  /**
   * Where an ICMP error goes that quotes a flow no connection here holds ({@link
   * Host#setStrayHandoff}); the passive side has the same for segments.
   */
  private StrayHandoff strayHandoff = StrayHandoff.NONE;

  /** The listeners by port (the passive side's, read here for the bind check). */
  private final ListenerTable listeners;

  /**
   * The values last made by {@link #paramsFor}, and the address pair and path MTU they were made
   * from.
   */
  private ConnectionParams lastParams;

  private InetAddress lastParamsLocal;
  private InetAddress lastParamsRemote;
  private int lastParamsMtu;

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
    this.events = events;
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
            log.counters.drop(reason);
          }
        };
    this.tracing = new ConnectionTracing(connectionTrace, log.name);
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
    SynCookies cookies =
        new SynCookies(keys.nextLong(), keys.nextLong(), keys.nextLong(), keys.nextLong());
    this.fastOpenKeys = keys.split(); // after the others: their keys stay what they were
    this.fastOpen = new TcpFastOpen(log.counters, fastOpenKeys.nextLong(), fastOpenKeys.nextLong());
    this.passive =
        new PassiveOpens(
            host, config, log, addresses, output, events, this, table, isn, cookies, fastOpen,
            tracing, listeners);
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
   * Sets where segments and ICMP errors go that no connection here holds ({@link StrayHandoff}).
   */
  void setStrayHandoff(StrayHandoff handoff) {
    strayHandoff = handoff;
    passive.strayHandoff = handoff;
    table.setGroup(handoff);
  }

  /** Returns the passive side: listeners, SYN cookies, held SYNs. */
  PassiveOpens passive() {
    return passive;
  }

  /** Returns the number of connections held (in any state but released). */
  int connectionCount() {
    return table.size();
  }

  /**
   * Returns a snapshot of the connections held; those in TIME-WAIT held as records are made
   * connections again for it (they go back to records once they have nothing to send).
   */
  List<Connection> connections() {
    List<FourTuple> waiting = new java.util.ArrayList<>();
    for (TimeWaitEnds.End e : table.timeWaits.values()) waiting.add(e.tcb.id());
    for (FourTuple id : waiting) revive(table.timeWaits.take(id), clock);
    return table.snapshot();
  }

  /** Returns the entries of the deadline queue: one per connection with a deadline. */
  int deadlineQueueSize() {
    return table.deadlineQueueSize();
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
    checkReservations(address, port, bind, false);
    listeners.forEachOn(
        port,
        l -> {
          if (ListenerTable.overlap(l.address(), address)
              && !bind.mayShareWith(l.bindOptions(), true))
            throw new IllegalStateException(
                "address already in use: port " + port + " (a listener has it)");
        });
    for (Connection c : table.values()) {
      FourTuple id = c.id();
      if (id.localPort() == port
          && ListenerTable.overlap(address, id.localAddress())
          && !bind.mayShareWith(c.bind == null ? BindOptions.NONE : c.bind, false)) {
        throw new IllegalStateException(
            "address already in use: port " + port + " (a connection holds it)");
      }
    }
    for (TimeWaitEnds.End e : table.timeWaits.values()) {
      FourTuple id = e.tcb.id();
      if (id.localPort() == port
          && ListenerTable.overlap(address, id.localAddress())
          && !bind.mayShareWith(e.bind == null ? BindOptions.NONE : e.bind, false)) {
        throw new IllegalStateException(
            "address already in use: port " + port + " (a connection holds it)");
      }
    }
  }

  /**
   * Checks {@code port} on {@code address} against the sockets bound to it and not yet connected
   * ({@link BindReservations}): each refuses it unless both set {@code SO_REUSEPORT}, or both set
   * {@code SO_REUSEADDR} and the new one will not listen ({@code listening}), as Linux's {@code
   * inet_csk_bind_conflict}.
   *
   * @throws IllegalStateException "address already in use" when one refuses it
   */
  void checkReservations(InetAddress address, int port, BindOptions bind, boolean listening) {
    for (BindReservations.Reservation r : reserved.on(port)) {
      if (ListenerTable.overlap(r.address(), address) && !bind.mayShareWith(r.bind(), listening))
        throw new IllegalStateException(
            "address already in use: port " + port + " (a bound socket holds it)");
    }
  }

  /**
   * Checks and holds {@code port} on {@code address} for a socket bound with {@code bind}, as
   * Linux's {@code bind()}; returns the hold's id for {@link #releaseBind}.
   *
   * @throws IllegalStateException "address already in use" when the port is taken
   */
  long reserveBind(InetAddress address, int port, BindOptions bind) {
    checkBind(address, port, bind);
    return reserved.add(address, port, bind);
  }

  /** Lets go of a hold {@link #reserveBind} made: the socket connected or closed. */
  void releaseBind(long id) {
    reserved.remove(id);
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
                  !table.contains(new FourTuple(from, p, remote, remotePort))
                      && !passive.hasPort(p)
                      && !reserved.hasPort(p)
                      && portFilter.accepts(6, from, p, remote, remotePort));
      if (port < 0)
        throw new IllegalStateException(
            "no ephemeral port free for " + remote.getHostAddress() + ":" + remotePort);
    }
    FourTuple id = new FourTuple(from, port, remote, remotePort);
    if (table.contains(id)) throw new IllegalStateException("connection already exists: " + id);
    TcpConnection engine =
        TcpConnection.connect(
            id, tcp, paramsFor(from, remote, now), isn.isn(id, now), now, tracing);
    Connection c = new Connection(host, engine, null);
    c.bind = bind;
    if (firstData != null) {
      c.fastOpen = fastOpen.onActiveOpen(engine, remote, now);
      engine.send(firstData, now); // before the SYN leaves: with a cookie, it rides on the SYN
    }
    table.put(id, c);
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
    Connection c =
        table.find(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort());
    if (c == null && table.timeWaits.size() != 0) c = reviveFor(ip, seg, now);
    Integer reopenIss = null;
    if (c != null) {
      if (PassiveOpens.completesHandshakeIntoFullAcceptQueue(c, seg)) {
        // Linux with tcp_abort_on_overflow = 0 (tcp_check_req): the final ACK is dropped and the
        // entry stays in SYN-RECEIVED; the client resends (its data, or the ACK when our SYN-ACK
        // is resent) and gets in once the application has accepted.
        log.counters.listenOverflows++;
        log.drop(HostDropReason.LISTEN_QUEUE_FULL, c.id().toString(), seg, now);
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
    passive.take(ip, seg, reopenIss, now);
  }

  /** Returns the connection the last segment was for, or {@code null} ({@link SteadyInput}). */
  Connection lastFound() {
    return table.lastFound();
  }

  /**
   * Takes a segment for {@code c} that {@link SteadyInput} read through a reused view, as {@link
   * #handle} takes one whose 4-tuple is {@code c}'s: without a SYN, it cannot open a new
   * incarnation.
   */
  void handleSteady(
      Connection c, InboundSegment seg, int ecn, boolean checksumUnnecessary, long now) {
    clock = now;
    if (checksumUnnecessary) log.counters.checksumsTrusted++;
    if (PassiveOpens.completesHandshakeIntoFullAcceptQueue(c, seg)) {
      log.counters.listenOverflows++;
      log.drop(HostDropReason.LISTEN_QUEUE_FULL, c.id().toString(), seg.toSegment(), now);
      return;
    }
    if ((c.fastOpen & Connection.FAST_OPEN_USED) != 0 && seg.has(TcpFlags.RST))
      fastOpen.beforeReset(c.engine, seg.sequenceNumber(), now);
    c.engine.handleSegment(seg, ecn, now);
    touch(c);
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
    Connection c = table.get(id);
    if (c == null) c = revive(table.timeWaits.take(id), now);
    if (c == null) {
      if (strayHandoff.handOff(ip.packet(), now)) return;
      log.drop(HostDropReason.ICMP_NO_CONNECTION, id.toString(), now);
      return;
    }
    String what =
        "icmp "
            + IcmpErrors.describe(message, ip.version())
            + " from "
            + Addresses.text(ip.source());
    IcmpError error = IcmpErrors.classify(message, ip.version(), quote.tcpSequenceNumber());
    if (error == null) {
      log.drop(HostDropReason.ICMP_IGNORED, id.toString(), now);
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
              ? HostDropReason.ICMP_OUT_OF_WINDOW
              : HostDropReason.ICMP_IGNORED_IN_STATE,
          id.toString(),
          now);
      return;
    }
    log.counters.icmpErrorsDelivered++;
    if (log.enabled())
      log.trace.accept(new TraceEvent.Note(now, log.name, id.toString(), what + ": " + result));
    touch(c);
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping.

  /**
   * Records that something happened to a connection: queues it for output, collects its events and
   * reschedules its deadline. Every path into an engine ends here.
   */
  void touch(Connection c) {
    if (c.released) return;
    table.queueForOutput(c);
    ConnectionEvent e;
    while ((e = c.engine.pollEvent()) != null) {
      deliver(c, e);
    }
    table.reschedule(c);
  }

  private void deliver(Connection c, ConnectionEvent e) {
    if (c.revived) return; // made from a TIME-WAIT record: no user holds it
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
    if (e instanceof ConnectionEvent.Readable) {
      // A bulk receiver has one of these per segment: the last one is given again, not remade.
      HostEvent.OfConnection r = lastReadable;
      if (r == null || r.connection() != c) lastReadable = r = new HostEvent.OfConnection(c, e);
      events.add(r);
      return;
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
    Listener l = passive.find(c.id());
    if (l != null && l.fastOpenPending > 0) l.fastOpenPending--;
  }

  private void releaseIfDone(Connection c) {
    if (c.released || c.queuedForOutput) return;
    TcpState state = c.engine.state();
    if (state == TcpState.CLOSED) {
      release(c);
    } else if (state == TcpState.TIME_WAIT && compactTimeWait) {
      TimeWaitTcb tcb = TimeWaitTcb.takeFrom(c.engine, clock);
      if (tcb != null) toTimeWait(c, tcb);
    }
  }

  /**
   * Replaces a connection in TIME-WAIT by its record: the user's handle gets its Closed event and
   * is released; the 4-tuple stays held, by the record, until 2 MSL end ({@link TimeWaitTcb}).
   */
  private void toTimeWait(Connection c, TimeWaitTcb tcb) {
    ConnectionEvent e;
    while ((e = c.engine.pollEvent()) != null) deliver(c, e);
    c.released = true;
    if (lastReadable != null && lastReadable.connection() == c) lastReadable = null;
    leaveFastOpenQueue(c);
    table.toTimeWait(c, tcb);
    if (c.listener != null) {
      c.listener.synQueue.remove(c);
      c.listener.acceptQueue.remove(c);
    }
  }

  /**
   * Revives the TIME-WAIT record of a segment's 4-tuple, if one holds it (out of {@link #handle}'s
   * line: most segments find their connection or none).
   */
  private Connection reviveFor(IpDatagram ip, TcpSegment seg, long now) {
    return revive(
        table.timeWaits.take(
            ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort()),
        now);
  }

  /**
   * Makes a connection in TIME-WAIT from the record {@code end} took out of the table (null: none),
   * to take a segment, an ICMP error or a look; returns it, or null.
   */
  private Connection revive(TimeWaitEnds.End end, long now) {
    if (end == null) return null;
    Connection c = new Connection(host, end.tcb.revive(tracing, now), null);
    c.bind = end.bind;
    c.revived = true;
    table.putRevived(c);
    touch(c);
    return c;
  }

  /** Forgets a connection: its TCB, queues and deadline go, so its memory can be reclaimed. */
  private void release(Connection c) {
    c.released = true;
    if (lastReadable != null && lastReadable.connection() == c) lastReadable = null;
    leaveFastOpenQueue(c);
    table.remove(c);
    if (c.listener != null) {
      c.listener.synQueue.remove(c);
      c.listener.acceptQueue.remove(c);
    }
  }

  /**
   * Returns what a connection between two addresses derives from its path and pair, beside the
   * user's unchanged settings: the MSS follows from the path MTU, the link's or a lower one ICMP
   * reported for the remote address and not yet expired (RFC 9293 §3.7.1, RFC 1191 §3; as Linux's
   * {@code tcp_connect_init} and {@code tcp_create_openreq_child} take the route's MTU for the MSS
   * announced and sent, {@code advmss} and {@code tcp_sync_mss}), and timestamps start from a keyed
   * per-address-pair offset (RFC 7323 §5.4, as Linux's secure_tcp_ts_off) so they reveal no uptime
   * yet keep rising across incarnations of a 4-tuple, which the TIME-WAIT reopen rule relies on
   * (RFC 6191).
   */
  ConnectionParams paramsFor(InetAddress local, InetAddress remote, long now) {
    int mtu = pathMtus.mtu(remote, config.mtu(), now);
    // They depend on the address pair and the path MTU alone: connections between the same two
    // addresses (a client opening many, a proxy) share one record.
    if (mtu == lastParamsMtu && local.equals(lastParamsLocal) && remote.equals(lastParamsRemote))
      return lastParams;
    int ipAndTcpHeaders = (local instanceof Inet4Address ? 20 : 40) + 20;
    lastParams =
        new ConnectionParams(
            mtu - ipAndTcpHeaders, isn.timestampOffset(local, remote), true, true, true);
    lastParamsLocal = local;
    lastParamsRemote = remote;
    lastParamsMtu = mtu;
    return lastParams;
  }

  /**
   * Returns the next segment a connection sends, as a whole IP packet, or null when none has one.
   */
  byte[] pollTransmit(long now) {
    Connection c = table.nextSegment(now);
    if (c == null) return null;
    FourTuple id = c.id();
    return Packets.tcp(id.localAddress(), id.remoteAddress(), config.hopLimit(), table.outbound());
  }

  /**
   * Takes the next segment a connection sends into {@link #outbound()} and returns the connection,
   * or returns null when none has one (see {@link ConnectionTable#nextSegment}); up to {@code
   * frameSegments} of its segments would go in one write starting with this one.
   */
  Connection nextSegment(long now, int frameSegments) {
    return table.nextSegment(now, frameSegments);
  }

  /** Takes the next segment of {@code c} only (see {@link ConnectionTable#nextSegmentOf}). */
  boolean nextSegmentOf(Connection c, long now) {
    return table.nextSegmentOf(c, now);
  }

  /** Returns the segment {@link #nextSegment} took last; valid until the next call. */
  OutboundSegment outbound() {
    return table.outbound();
  }

  /** Returns the hop limit of the packets connections send. */
  int hopLimit() {
    return config.hopLimit();
  }

  /** Returns the earliest deadline of any connection, or {@code Long.MAX_VALUE}. */
  long nextDeadline() {
    return table.nextDeadline();
  }

  /** Fires every connection deadline that is due at {@code now}. */
  void handleTimeout(long now) {
    clock = now;
    Connection c;
    while ((c = table.takeDue(now)) != null) {
      // Fast Open's blackhole detection watches the timeouts of connections whose SYN used it
      // (tcp_write_timeout).
      boolean watched = (c.fastOpen & Connection.FAST_OPEN_USED) != 0;
      int timeoutsBefore = watched ? FastOpenOutcome.consecutiveTimeouts(c.engine) : 0;
      c.engine.handleTimeout(now);
      touch(c);
      if (watched) fastOpen.afterTimeout(c, timeoutsBefore, now);
    }
    table.expireTimeWaits(now);
  }
}
