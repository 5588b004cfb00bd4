package dev.synack.stack;

import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.Disposition;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.IcmpError;
import dev.synack.tcp.IsnGenerator;
import dev.synack.tcp.SeqNum;
import dev.synack.tcp.SipHash;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Addresses;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
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
 * A host: IP addresses, TCP connections and listeners, driven sans-IO.
 *
 * <p>Calling order, as for a connection: hand in what happened ({@link #handlePacket},
 * {@link #handleTimeout}, or a call on a {@link Connection} or {@link Listener}); then take
 * {@link #pollTransmit} until it returns null and send each packet; take {@link #pollEvent} until
 * null; then wait until {@link #pollTimeout} or the next packet, whichever comes first. Nothing
 * here reads a clock or blocks: {@code now} is always passed in, in nanoseconds.
 *
 * <p>One thread at a time: a host is owned by one event loop (the runtime) or one simulation.
 */
public final class Host {
  private static final int PROTO_ICMP = 1;
  private static final int PROTO_TCP = 6;
  private static final int PROTO_ICMPV6 = 58;

  private final String name;
  private final HostConfig config;
  private final TraceSink trace;
  /** What connections trace to: the host's sink, plus counting their drops in {@link #counters}. */
  private final TraceSink connectionTrace;
  private final List<InetAddress> addresses = new ArrayList<>(2);
  private final IsnGenerator isn;
  private final EphemeralPorts ephemeralPorts;
  private final Ipv4Reassembly reassembly;
  private final SynCookies cookies;
  private final HostCounters counters = new HostCounters();
  /** The remote address of the connection accepted last (see {@link #sharedRemote}). */
  private InetAddress lastAcceptedRemote;
  /** The connection the last TCP segment was for, or {@code null}: the next is likely for it too. */
  private Connection lastFound;
  /** The segment a connection sends next, refilled for every segment and written at once into its packet. */
  private final OutboundSegment outbound = new OutboundSegment();

  private final Map<FourTuple, Connection> connections = new HashMap<>();
  private final Map<Integer, List<Listener>> listeners = new HashMap<>();
  /** Packets the host itself made (RSTs for closed ports, ICMP replies), sent before connections' segments. */
  private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
  /** Connections that may have segments to send. */
  private final ArrayDeque<Connection> outputQueue = new ArrayDeque<>();
  private final ArrayDeque<HostEvent> events = new ArrayDeque<>();
  /** The connections with a deadline, earliest first. */
  private final DeadlineQueue deadlines = new DeadlineQueue();
  private long lastNow;
  /** The TCP settings last made by {@link #tcpConfigFor}, and the socket settings and address pair they were made from. */
  private TcpConfig lastConfig;
  private TcpConfig lastConfigBase;
  private InetAddress lastConfigLocal;
  private InetAddress lastConfigRemote;

  /**
   * Creates a host.
   *
   * @param name   the host's name in traces ("client", "server")
   * @param config its settings; {@link HostConfig#secretSeed()} keys ISNs and port selection
   * @param trace  where its trace events go
   */
  public Host(String name, HostConfig config, TraceSink trace) {
    this.name = name;
    this.config = config;
    this.trace = trace == null ? TraceSink.NONE : trace;
    this.connectionTrace = new TraceSink() {
      @Override public void accept(TraceEvent event) {
        Host.this.trace.accept(event);
      }
      @Override public boolean wantsPackets() {
        return Host.this.trace.wantsPackets();
      }
      @Override public boolean enabled() {
        return Host.this.trace.enabled();
      }
      @Override public void countDrop(String reason) {
        counters.drop(reason);
      }
    };
    SplittableRandom keys = new SplittableRandom(config.secretSeed());
    byte[] isnKey = new byte[16];
    keys.nextBytes(isnKey);
    this.isn = new IsnGenerator(isnKey);
    long p0 = keys.nextLong(), p1 = keys.nextLong(), p2 = keys.nextLong(), p3 = keys.nextLong();
    this.ephemeralPorts = new EphemeralPorts(config.ephemeralPortLow(), config.ephemeralPortHigh(),
        data -> SipHash.hash(p0, p1, data), data -> SipHash.hash(p2, p3, data));
    this.reassembly = new Ipv4Reassembly(config.fragmentTimeoutNanos(), config.fragmentMemoryLimit());
    this.cookies = new SynCookies(keys.nextLong(), keys.nextLong(), keys.nextLong(), keys.nextLong());
  }

  /** Returns the host's name in traces. */
  public String name() {
    return name;
  }

  /** Returns the host's settings. */
  public HostConfig config() {
    return config;
  }

  /** Returns what the host counted. */
  public HostCounters counters() {
    return counters;
  }

  /** Adds an address the host answers to. */
  public void addAddress(InetAddress address) {
    if (!addresses.contains(address)) addresses.add(address);
  }

  /** Returns the host's addresses. */
  public List<InetAddress> addresses() {
    return List.copyOf(addresses);
  }

  /** Returns the number of connections the host holds (in any state but released). */
  public int connectionCount() {
    return connections.size();
  }

  /**
   * Returns the connections the host holds (in any state but released), accepted or not, as
   * {@code netstat} or {@code sockstat} list them. A snapshot: later changes do not show in it.
   */
  public List<Connection> connections() {
    return List.copyOf(connections.values());
  }

  /** Returns the entries of the deadline queue: one per connection with a deadline. */
  int deadlineQueueSize() {
    return deadlines.size();
  }

  /** Returns the number of listeners open on the host. */
  public int listenerCount() {
    int n = 0;
    for (List<Listener> onPort : listeners.values()) n += onPort.size();
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // User calls: open, listen.

  /**
   * Listens on a port (passive OPEN, RFC 9293 §3.10.1).
   *
   * @param address the local address, or null for every address of the host
   * @param backlog the largest number of connections queued in each of the SYN and accept
   *                queues, capped by somaxconn
   * @throws IllegalStateException when another listener has the port ("address already in use")
   */
  public Listener listen(InetAddress address, int port, int backlog) {
    return listen(address, port, backlog, config.tcp());
  }

  /**
   * Listens on a port with TCP settings of its own, which the connections it accepts start with
   * (a listening socket's options, inherited by the sockets {@code accept} returns).
   *
   * @throws IllegalStateException when another listener has the port ("address already in use")
   */
  public Listener listen(InetAddress address, int port, int backlog, TcpConfig tcp) {
    if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range 1..65535: " + port);
    if (tcp == null) throw new IllegalArgumentException("tcp config is null");
    List<Listener> onPort = listeners.computeIfAbsent(port, p -> new ArrayList<>(1));
    for (Listener l : onPort) {
      if (l.address() == null || address == null || l.address().equals(address)) {
        throw new IllegalStateException("address already in use: port " + port);
      }
    }
    Listener l = new Listener(this, address, port, Math.max(1, Math.min(backlog, config.somaxconn())), tcp);
    onPort.add(l);
    return l;
  }

  /**
   * Opens a connection to {@code remote}:{@code remotePort} (active OPEN, RFC 9293 §3.10.1) from the
   * host's first address of the same family and an ephemeral port.
   */
  public Connection connect(InetAddress remote, int remotePort, long now) {
    return connect(null, 0, remote, remotePort, now);
  }

  /**
   * Opens a connection from a given local address and port (0 for an ephemeral port, RFC 6056).
   *
   * @throws IllegalStateException when the 4-tuple is in use or no local port is free
   */
  public Connection connect(InetAddress local, int localPort, InetAddress remote, int remotePort, long now) {
    return connect(local, localPort, remote, remotePort, config.tcp(), now);
  }

  /**
   * Opens a connection with TCP settings of its own (a socket's options), from a given local
   * address and port (0 for an ephemeral port, RFC 6056).
   *
   * @throws IllegalStateException when the 4-tuple is in use or no local port is free
   */
  public Connection connect(InetAddress local, int localPort, InetAddress remote, int remotePort, TcpConfig tcp, long now) {
    if (tcp == null) throw new IllegalArgumentException("tcp config is null");
    if (remotePort < 1 || remotePort > 65535) throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    InetAddress from = local != null ? local : sourceAddressFor(remote);
    int port = localPort;
    if (port == 0) {
      port = ephemeralPorts.choose(from, remote, remotePort,
          p -> !connections.containsKey(new FourTuple(from, p, remote, remotePort)) && !listeners.containsKey(p));
      if (port < 0) throw new IllegalStateException("no ephemeral port free for " + remote.getHostAddress() + ":" + remotePort);
    }
    FourTuple id = new FourTuple(from, port, remote, remotePort);
    if (connections.containsKey(id)) throw new IllegalStateException("connection already exists: " + id);
    advance(now);
    TcpConnection engine = TcpConnection.connect(id, tcpConfigFor(tcp, from, remote), isn.isn(id, now), now, connectionTrace, name);
    Connection c = new Connection(this, engine, null);
    connections.put(id, c);
    counters.activeOpens++;
    touch(c);
    return c;
  }

  // ---------------------------------------------------------------------------------------------
  // Packets in.

  /**
   * Takes one IP packet that arrived on the link. Malformed or unwanted packets are dropped,
   * counted and traced with their reason; nothing here throws for any input.
   *
   * @param packet the packet; the host keeps no reference to it after the call
   */
  public void handlePacket(byte[] packet, long now) {
    handlePacket(ByteBuffer.wrap(packet), now);
  }

  /**
   * Takes one IP packet, the bytes of {@code packet} from its position to its limit, as
   * {@link #handlePacket(byte[], long)}. The host reads them during the call only (what it keeps,
   * received data and fragments, it copies) and leaves the position and limit as they were, so a
   * driver may read the next packet into the same buffer: one buffer, no array per packet.
   */
  public void handlePacket(ByteBuffer packet, long now) {
    handlePacket(packet, false, now);
  }

  /**
   * Takes one IP packet, as {@link #handlePacket(ByteBuffer, long)}, with what the link vouches
   * for. {@code checksumUnnecessary} is Linux's {@code CHECKSUM_UNNECESSARY}: the link knows the
   * TCP checksum is right, because the sender's stack computed it and the link cannot corrupt a
   * packet (loopback and veth set it, so that the kernel does not sum bytes twice in one machine).
   * The host then skips verifying the TCP checksum. Only a link that can tell may pass true; the
   * IP header checksum and ICMP checksums are still verified.
   */
  public void handlePacket(ByteBuffer packet, boolean checksumUnnecessary, long now) {
    advance(now);
    counters.packetsIn++;
    ByteBuffer datagram = packet.slice();
    if (trace.wantsPackets()) {
      trace.accept(new TraceEvent.Packet(now, name, "", false, bytesOf(datagram)));
    }
    handleDatagram(datagram, checksumUnnecessary, now);
  }

  /**
   * Takes one whole IP datagram (position 0): from the link, or put back together from fragments.
   * It is parsed through a read-only view, so that the views parsed from it (IP payload, TCP
   * payload) need no copy of their own, and checksummed where it lies ({@code packet}, which the
   * sum reads faster when it is a writable array).
   */
  private void handleDatagram(ByteBuffer packet, boolean checksumUnnecessary, long now) {
    Parsed<IpDatagram> parsed = IpDatagram.parse(packet.asReadOnlyBuffer());
    if (!(parsed instanceof Parsed.Ok<IpDatagram>(IpDatagram ip))) {
      dropMalformed(parsed.reason(), now);
      return;
    }
    if (!addresses.contains(ip.destination())) {
      drop("not-for-this-host", "", now);
      return;
    }
    if (ip.fragment() && ip.version() == 6) {
      // RFC 8200 §4.5 reassembly is not implemented: our peers' TCP does not fragment (its MSS and
      // path MTU discovery keep segments whole), so a fragment here is rare, and is dropped.
      drop("ipv6-fragment-not-reassembled", "", now);
      return;
    }
    if (ip.fragment()) {
      byte[] whole = reassembly.add(ip, bytesOf(packet), now);
      if (whole != null) {
        handleDatagram(ByteBuffer.wrap(whole), false, now);
      } else if (reassembly.lastDropReason() != null) {
        drop(reassembly.lastDropReason(), "", now);
      }
      return;
    }
    switch (ip.protocol()) {
      case PROTO_TCP -> handleTcp(ip, packet, checksumUnnecessary, now);
      case PROTO_ICMP, PROTO_ICMPV6 -> handleIcmp(ip, now);
      default -> drop("unknown-protocol", "", now);
    }
  }

  /** Returns a copy of the bytes of {@code buffer} from its position to its limit. */
  private static byte[] bytesOf(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(buffer.position(), bytes);
    return bytes;
  }

  /** Takes a TCP segment: {@code datagram} holds the bytes {@code ip} was parsed from, at the same indexes. */
  private void handleTcp(IpDatagram ip, ByteBuffer datagram, boolean checksumUnnecessary, long now) {
    ByteBuffer tcp = ip.payload();
    Parsed<TcpSegment> parsed;
    if (checksumUnnecessary) {
      counters.checksumsTrusted++;
      parsed = TcpCodec.parse(tcp, ip.source(), ip.destination(), false);
    } else {
      // The segment runs to the end of the datagram (trimmed to its length): it starts this far in.
      int at = ip.packet().remaining() - tcp.remaining();
      parsed = TcpCodec.parse(tcp, datagram, at, ip.source(), ip.destination());
    }
    if (!(parsed instanceof Parsed.Ok<TcpSegment>(TcpSegment seg))) {
      dropMalformed(parsed.reason(), now);
      return;
    }
    // Segments come in runs for one connection: the last one found is tried before the table.
    Connection c = lastFound;
    if (c == null || c.released || !c.id().matches(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort())) {
      c = connections.get(new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort()));
      lastFound = c;
    }
    Integer reopenIss = null;
    if (c != null) {
      if (completesHandshakeIntoFullAcceptQueue(c, seg)) {
        // Linux with tcp_abort_on_overflow = 0 (tcp_check_req): the final ACK is dropped and the
        // entry stays in SYN-RECEIVED; the client resends (its data, or the ACK when our SYN-ACK
        // is resent) and gets in once the application has accepted.
        counters.listenOverflows++;
        drop("listen-queue-full", c.id().toString(), seg, now);
        return;
      }
      Disposition d = c.engine.handleSegment(seg, now);
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
    FourTuple id = new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort());
    Listener listener = findListener(ip.destination(), seg.destinationPort());
    if (listener == null) {
      reply(ip, seg, ClosedPortReply.forClosed(seg), "closed-port", now);
      return;
    }
    if (!seg.has(TcpFlags.SYN) || seg.has(TcpFlags.RST) || seg.has(TcpFlags.ACK)) {
      if (takeCookieAck(ip, seg, id, listener, now)) return;
      reply(ip, seg, ClosedPortReply.forListen(seg, listener.tcp().choices()), "listen-not-syn", now);
      return;
    }
    if (listener.acceptQueueFull()) {
      // Linux drops the SYN when the accept queue is full and counts ListenOverflows, cookies or
      // not: a connection could not be queued anyway. The client retransmits its SYN and may get in
      // once the application accepts.
      counters.listenOverflows++;
      drop("listen-queue-full", id.toString(), seg, now);
      return;
    }
    if (listener.synQueueFull() || config.synCookies() == SynCookiePolicy.ALWAYS) {
      if (config.synCookies() == SynCookiePolicy.OFF) {
        counters.synQueueFullDrops++;
        drop("syn-queue-full", id.toString(), seg, now);
      } else {
        sendCookie(ip, seg, id, listener, now);
      }
      return;
    }
    // The connection keeps its 4-tuple for life: its local address is the host's own instance,
    // not the one parsed from this packet, so that idle connections share it (56 bytes each less).
    id = new FourTuple(ownAddress(ip.destination()), id.localPort(), sharedRemote(id.remoteAddress()), id.remotePort());
    int iss = isn.isn(id, now);
    if (reopenIss != null && SeqNum.lt(iss, reopenIss)) iss = reopenIss;
    TcpConnection engine = TcpConnection.accept(id, tcpConfigFor(listener.tcp(), id.localAddress(), id.remoteAddress()), iss, seg, now, connectionTrace, name);
    Connection child = new Connection(this, engine, listener);
    connections.put(id, child);
    listener.synQueue.add(child);
    counters.passiveOpens++;
    touch(child);
  }

  /** Returns whether {@code seg} would move a SYN-queue child to ESTABLISHED while its listener's accept queue is full. */
  private static boolean completesHandshakeIntoFullAcceptQueue(Connection c, TcpSegment seg) {
    Listener l = c.listener;
    if (l == null || !l.acceptQueueFull() || c.engine.state() != TcpState.SYN_RECEIVED || !l.synQueue.contains(c)) return false;
    if (!seg.has(TcpFlags.ACK) || seg.has(TcpFlags.SYN) || seg.has(TcpFlags.RST)) return false;
    Status s = c.engine.status();
    return SeqNum.lt(s.sndUna(), seg.acknowledgmentNumber()) && SeqNum.le(seg.acknowledgmentNumber(), s.sndNxt());
  }

  /**
   * Answers a SYN with a SYN cookie (RFC 4987 §3.6) and keeps nothing: the SYN-ACK is the one a
   * new connection would send, with the cookie as its ISS and, with timestamps, the window scale
   * and SACK-permitted the peer offered in our TSval ({@link SynCookies}). Without timestamps the
   * SYN-ACK offers neither, as on Linux, since nothing would remember them.
   */
  private void sendCookie(IpDatagram ip, TcpSegment syn, FourTuple id, Listener listener, long now) {
    boolean ipv6 = ip.version() == 6;
    TcpConfig tcp = SynCookies.synAckConfig(tcpConfigFor(listener.tcp(), ip.destination(), ip.source()), syn, now);
    int peerMss = syn.options().mss() < 0 ? (ipv6 ? 1220 : 536) : syn.options().mss();
    int cookie = cookies.cookie(id, syn.sequenceNumber(), SynCookies.mssIndex(peerMss, ipv6), now);
    // The engine makes the SYN-ACK exactly as for a queued connection; it is then forgotten.
    TcpConnection once = TcpConnection.accept(id, tcp, cookie, syn, now, TraceSink.NONE, name);
    TcpSegment synAck = once.pollTransmit(now);
    if (synAck == null || !synAck.has(TcpFlags.SYN)) {
      drop("listen-bad-syn", id.toString(), syn, now);
      return;
    }
    counters.syncookiesSent++;
    listener.cookieSentAt = now;
    if (trace.enabled()) {
      String conn = id.toString();
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.RECV, TraceEvent.SegmentInfo.of(syn), null));
      trace.accept(new TraceEvent.Note(now, name, conn, "SYN queue full (" + listener.pendingHandshakes()
          + "): SYN cookie sent, no state kept"));
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.SEND, TraceEvent.SegmentInfo.of(synAck), null));
    }
    outbox.add(Packets.tcp(ip.destination(), ip.source(), config.hopLimit(), synAck));
  }

  /**
   * Takes an ACK that may return a SYN cookie: a segment with ACK and neither SYN nor RST, to a
   * listener that sent cookies in the last two periods (Linux's {@code tcp_v4_cookie_check}).
   * A valid cookie opens the connection straight into ESTABLISHED, if the accept queue has room;
   * when it has none the ACK is dropped and the peer will resend (Linux with
   * tcp_abort_on_overflow = 0). Returns false when the segment is not taken, which is also the
   * case of an invalid cookie: it is counted, and the caller answers it with a RST as Linux does.
   */
  private boolean takeCookieAck(IpDatagram ip, TcpSegment ack, FourTuple id, Listener listener, long now) {
    if (!ack.has(TcpFlags.ACK) || ack.has(TcpFlags.SYN) || ack.has(TcpFlags.RST)) return false;
    if (config.synCookies() == SynCookiePolicy.OFF || !listener.cookiesRecentlySent(now)) return false;
    boolean ipv6 = ip.version() == 6;
    int peerIss = SeqNum.add(ack.sequenceNumber(), -1);
    int cookie = SeqNum.add(ack.acknowledgmentNumber(), -1);
    SynCookies.Decoded decoded = cookies.check(id, peerIss, cookie, now, ipv6);
    TcpConfig tcp = tcpConfigFor(listener.tcp(), ip.destination(), ip.source());
    TcpOption.Timestamps ts = ack.options().timestamps();
    SynCookies.TimestampOptions tsOptions = ts != null && tcp.timestamps() && ts.tsEcr() != 0 ? SynCookies.options(ts.tsEcr()) : null;
    if (decoded == null) {
      counters.syncookiesFailed++;
      if (trace.enabled()) trace.accept(new TraceEvent.Note(now, name, id.toString(), "ACK to a listener: not a valid SYN cookie"));
      return false;
    }
    counters.syncookiesValidated++;
    if (listener.acceptQueueFull()) {
      counters.listenOverflows++;
      drop("listen-queue-full", id.toString(), ack, now);
      return true;
    }
    if (tsOptions == null) tcp = tcp.withWindowScale(false, tcp.windowScaleShift()).withSackPermitted(false);
    TcpSegment restoredSyn = SynCookies.restoredSyn(ack, decoded.mss(), tsOptions);
    if (trace.enabled()) {
      trace.accept(new TraceEvent.Note(now, name, id.toString(), "valid SYN cookie: mss " + decoded.mss()
          + (tsOptions == null ? ", no timestamps" : ", wscale " + tsOptions.windowScale() + (tsOptions.sackPermitted() ? ", sackOK" : ""))
          + ": connection restored in SYN_RECEIVED"));
    }
    TcpConnection engine = TcpConnection.acceptCookie(id, tcp, cookie, restoredSyn, ack, now, connectionTrace, name);
    Connection child = new Connection(this, engine, listener);
    connections.put(id, child);
    // Through the SYN queue like any child, so that its Connected event moves it to the accept queue.
    listener.synQueue.add(child);
    counters.passiveOpens++;
    touch(child);
    return true;
  }

  private void handleIcmp(IpDatagram ip, long now) {
    Parsed<IcmpMessage> parsed = IcmpCodec.parse(ip, true);
    if (!(parsed instanceof Parsed.Ok<IcmpMessage>(IcmpMessage message))) {
      dropMalformed(parsed.reason(), now);
      return;
    }
    if (message instanceof IcmpMessage.EchoRequest) {
      byte[] reply = Packets.icmpEchoReply(ip);
      if (reply != null) {
        counters.echoReplies++;
        outbox.add(reply);
        return;
      }
    }
    if (message.isError()) {
      handleIcmpError(ip, message, now);
      return;
    }
    drop("icmp-not-handled", "", now);
  }

  /**
   * Hands an ICMP error to the connection whose segment it quotes (RFC 1122 §4.2.3.9), found by
   * the quoted 4-tuple, which may be a SYN-queue entry; the connection checks the quoted
   * sequence number (RFC 5927 §4.1) and decides what the error means in its state.
   */
  private void handleIcmpError(IpDatagram ip, IcmpMessage message, long now) {
    Parsed<IcmpQuote> parsedQuote = IcmpQuote.parse(IcmpErrors.original(message));
    if (!(parsedQuote instanceof Parsed.Ok<IcmpQuote>(IcmpQuote quote))) {
      drop(parsedQuote.reason(), "", now);
      return;
    }
    if (quote.protocol() != PROTO_TCP || quote.version() != ip.version()) {
      drop("icmp-quote-not-tcp", "", now);
      return;
    }
    // The quoted segment is one we sent: its source is our end of the connection.
    FourTuple id = new FourTuple(quote.source(), quote.sourcePort(), quote.destination(), quote.destinationPort());
    Connection c = connections.get(id);
    if (c == null) {
      drop("icmp-no-connection", id.toString(), now);
      return;
    }
    String what = "icmp " + IcmpErrors.describe(message, ip.version()) + " from " + Addresses.text(ip.source());
    IcmpError error = IcmpErrors.classify(message, ip.version(), quote.tcpSequenceNumber());
    if (error == null) {
      drop("icmp-ignored", id.toString(), now);
      return;
    }
    IcmpError.Outcome outcome = c.engine.handleIcmpError(error, now);
    String result = IcmpErrors.describe(error, outcome, c.engine.status().effectiveMss());
    if (result == null) {
      // Linux counts an error quoting a sequence number outside SND.UNA..SND.NXT as OutOfWindowIcmps.
      drop(outcome == IcmpError.Outcome.OUT_OF_WINDOW ? "icmp-out-of-window" : "icmp-ignored-in-state", id.toString(), now);
      return;
    }
    counters.icmpErrorsDelivered++;
    if (trace.enabled()) trace.accept(new TraceEvent.Note(now, name, id.toString(), what + ": " + result));
    touch(c);
  }

  private void reply(IpDatagram ip, TcpSegment seg, TcpSegment answer, String reason, long now) {
    String conn = new FourTuple(ip.destination(), seg.destinationPort(), ip.source(), seg.sourcePort()).toString();
    // Like the engine, a segment is traced once: as dropped, or as received and answered.
    if (answer == null) {
      drop(reason, conn, seg, now);
      return;
    }
    counters.resetsSent++;
    if (trace.enabled()) {
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.RECV, TraceEvent.SegmentInfo.of(seg), null));
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.SEND, TraceEvent.SegmentInfo.of(answer), null));
    }
    outbox.add(Packets.tcp(ip.destination(), ip.source(), config.hopLimit(), answer));
  }

  // ---------------------------------------------------------------------------------------------
  // Output, events, time.

  /** Returns the next IP packet to send, or null when there is none. The caller owns the array. */
  public byte[] pollTransmit(long now) {
    advance(now);
    byte[] packet = outbox.poll();
    while (packet == null && !outputQueue.isEmpty()) {
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
      FourTuple id = c.id();
      packet = Packets.tcp(id.localAddress(), id.remoteAddress(), config.hopLimit(), outbound);
    }
    if (packet != null) {
      counters.packetsOut++;
      if (trace.wantsPackets()) {
        trace.accept(new TraceEvent.Packet(now, name, "", true, packet.clone()));
      }
    }
    return packet;
  }

  /** Returns the next event for the user, or null. */
  public HostEvent pollEvent() {
    return events.poll();
  }

  /** Returns the next time {@link #handleTimeout} is due, or {@code Long.MAX_VALUE}. */
  public long pollTimeout() {
    return Math.min(deadlines.nextTime(), reassembly.nextExpiry());
  }

  /** Fires every deadline that is due at {@code now}. */
  public void handleTimeout(long now) {
    advance(now);
    reassembly.expire(now);
    Connection c;
    while ((c = deadlines.first()) != null && c.scheduledDeadline <= now) {
      deadlines.remove(c);
      c.engine.handleTimeout(now);
      touch(c);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping.

  /**
   * Records that something happened to a connection: queues it for output, collects its events
   * and reschedules its deadline. Every path into an engine ends here.
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

  private void releaseIfDone(Connection c) {
    if (!c.released && !c.queuedForOutput && c.engine.state() == TcpState.CLOSED) {
      release(c);
    }
  }

  /** Forgets a connection: its TCB, queues and deadline go, so its memory can be reclaimed. */
  private void release(Connection c) {
    c.released = true;
    connections.remove(c.id(), c);
    deadlines.remove(c);
    if (c.listener != null) {
      c.listener.synQueue.remove(c);
      c.listener.acceptQueue.remove(c);
    }
  }

  void removeListener(Listener l, long now) {
    List<Listener> onPort = listeners.get(l.port());
    if (onPort != null) {
      onPort.remove(l);
      if (onPort.isEmpty()) listeners.remove(l.port());
    }
    List<Connection> children = new ArrayList<>(l.synQueue);
    children.addAll(l.acceptQueue);
    for (Connection child : children) {
      child.abort(now);
    }
  }

  private Listener findListener(InetAddress local, int port) {
    List<Listener> onPort = listeners.get(port);
    if (onPort == null) return null;
    Listener wildcard = null;
    for (Listener l : onPort) {
      if (l.address() != null && l.address().equals(local)) return l;
      if (l.address() == null) wildcard = l;
    }
    return wildcard;
  }

  private InetAddress sourceAddressFor(InetAddress remote) {
    boolean v4 = remote instanceof Inet4Address;
    for (InetAddress a : addresses) {
      if ((a instanceof Inet4Address) == v4) return a;
    }
    throw new IllegalStateException("host " + name + " has no " + (v4 ? "IPv4" : "IPv6") + " address to reach " + remote.getHostAddress());
  }

  /**
   * Returns the TCP settings for a connection between two addresses: the MSS follows from the MTU
   * (RFC 9293 §3.7.1), and timestamps start from a keyed per-address-pair offset (RFC 7323 §5.4,
   * as Linux's secure_tcp_ts_off) so they reveal no uptime yet keep rising across incarnations of
   * a 4-tuple, which the TIME-WAIT reopen rule relies on (RFC 6191).
   */
  private TcpConfig tcpConfigFor(TcpConfig base, InetAddress local, InetAddress remote) {
    // The settings depend on the socket's settings and the address pair alone: connections between the same two addresses
    // (a client opening many, a proxy) share one immutable copy instead of 100 bytes each.
    if (base == lastConfigBase && local.equals(lastConfigLocal) && remote.equals(lastConfigRemote)) return lastConfig;
    int ipAndTcpHeaders = (local instanceof Inet4Address ? 20 : 40) + 20;
    TcpConfig tcp = base.withMss(config.mtu() - ipAndTcpHeaders);
    lastConfig = tcp.timestamps() ? tcp.withTimestamps(true, isn.timestampOffset(local, remote)) : tcp;
    lastConfigBase = base;
    lastConfigLocal = local;
    lastConfigRemote = remote;
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

  /** Returns the host's own instance of {@code address}, one of {@link #addresses}, or {@code address} if it is none. */
  private InetAddress ownAddress(InetAddress address) {
    for (InetAddress a : addresses) {
      if (a.equals(address)) return a;
    }
    return address;
  }

  /** Drops a packet that does not parse (bad checksum, lengths, header fields): counted as malformed too (Linux's InErrors, InCsumErrors). */
  private void dropMalformed(String reason, long now) {
    counters.malformed++;
    drop(reason, "", now);
  }

  private void drop(String reason, String conn, long now) {
    counters.drop(reason);
    if (trace.enabled()) {
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.DROP, null, reason));
    }
  }

  private void drop(String reason, String conn, TcpSegment seg, long now) {
    counters.drop(reason);
    if (trace.enabled()) {
      trace.accept(new TraceEvent.Segment(now, name, conn, TraceEvent.SegmentAction.DROP, TraceEvent.SegmentInfo.of(seg), reason));
    }
  }

  private void advance(long now) {
    if (now < lastNow) throw new IllegalArgumentException("time went backwards: " + now + " < " + lastNow);
    lastNow = now;
  }
}
