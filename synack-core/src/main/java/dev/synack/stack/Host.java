package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConfig;
import dev.synack.trace.TraceSink;
import dev.synack.wire.GsoPacket;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Ipv4Packet;
import dev.synack.wire.Ipv6Packet;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.Packets;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A host: IP addresses, TCP connections and listeners, driven sans-IO.
 *
 * <p>Calling order, as for a connection: hand in what happened ({@link #handlePacket}, {@link
 * #handleTimeout}, or a call on a {@link Connection} or {@link Listener}); then take {@link
 * #pollTransmit(long, ByteBuffer, int, Transmit)} until it returns false and send each packet (or
 * {@link #pollPacket} until null); take {@link #pollEvent} until null; then wait until {@link
 * #pollTimeout} or the next packet, whichever comes first. Nothing here reads a clock or blocks:
 * {@code now} is always passed in, in nanoseconds.
 *
 * <p>The host is a facade over parts with one job each: {@link IpInput} (checks, address filter,
 * reassembly, dispatch by protocol number), {@link TcpEndpoints} (connections, listeners, SYN
 * queue, cookies), {@link IcmpHandler} (echo, errors received), and {@link HostOutput}.
 *
 * <p>One thread at a time: a host is owned by one event loop (the runtime) or one simulation.
 */
public final class Host {
  private static final int PROTO_ICMP = 1;
  private static final int PROTO_TCP = 6;
  private static final int PROTO_UDP = 17;
  private static final int PROTO_ICMPV6 = 58;

  private final HostConfig config;
  private final HostLog log;
  private final HostAddresses addresses;
  private final HostOutput output;
  private final IpInput input;
  private final TcpEndpoints tcp;
  private final UdpEndpoints udp;
  private final IcmpHandler icmp;
  private final SteadyInput steady;
  private final ArrayDeque<HostEvent> events = new ArrayDeque<>();

  /** Writes connections' segments into lent buffers, runs of them as super-packets. */
  private final GsoPacket gso = new GsoPacket();

  private long lastNow;

  /**
   * Creates a host.
   *
   * @param name the host's name in traces ("client", "server")
   * @param config its settings; {@link HostConfig#secretSeed()} keys ISNs and port selection
   * @param trace where its trace events go
   */
  public Host(String name, HostConfig config, TraceSink trace) {
    this.config = config;
    this.log = new HostLog(name, trace);
    this.addresses = new HostAddresses(name, config.anyDestination());
    this.output = new HostOutput(log);
    this.input = new IpInput(log, addresses, config);
    SplittableRandom keys = new SplittableRandom(config.secretSeed());
    // One path MTU cache for TCP and UDP, as Linux's route exceptions serve every socket.
    PathMtus pathMtus = new PathMtus();
    this.tcp = new TcpEndpoints(this, config, log, addresses, output, events, keys, pathMtus);
    this.udp = new UdpEndpoints(config, log, addresses, output, events, keys.nextLong(), pathMtus);
    this.icmp = new IcmpHandler(log, output, input, addresses);
    input.register(PROTO_TCP, tcp);
    input.register(PROTO_UDP, udp);
    input.register(PROTO_ICMP, icmp);
    input.register(PROTO_ICMPV6, icmp);
    this.steady = new SteadyInput(tcp);
    input.steady(steady);
  }

  /** Returns the host's name in traces. */
  public String name() {
    return log.name;
  }

  /** Returns the host's settings. */
  public HostConfig config() {
    return config;
  }

  /** Returns what the host counted. */
  public HostCounters counters() {
    return log.counters;
  }

  /** Adds an address the host answers to. */
  public void addAddress(InetAddress address) {
    addresses.add(address);
  }

  /** Returns the host's addresses. */
  public List<InetAddress> addresses() {
    return addresses.list();
  }

  /** Returns the number of connections the host holds (in any state but released). */
  public int connectionCount() {
    return tcp.connectionCount();
  }

  /** Returns the TCP endpoints (for tests of this package). */
  TcpEndpoints tcpEndpoints() {
    return tcp;
  }

  /**
   * Returns the connections the host holds (in any state but released), accepted or not, as {@code
   * netstat} or {@code sockstat} list them. A snapshot: later changes do not show in it.
   */
  public List<Connection> connections() {
    return tcp.connections();
  }

  /**
   * Turns the steady receive path ({@link SteadyInput}) on (the default) or off, so that tests can
   * compare it with the general path.
   */
  void setSteadyInput(boolean on) {
    steady.enabled = on;
  }

  /** Returns how many segments the steady receive path took. */
  long steadyTaken() {
    return steady.taken;
  }

  /** Returns the entries of the deadline queue: one per connection with a deadline. */
  int deadlineQueueSize() {
    return tcp.deadlineQueueSize();
  }

  /** Returns the number of listeners open on the host. */
  public int listenerCount() {
    return tcp.passive().listenerCount();
  }

  // ---------------------------------------------------------------------------------------------
  // User calls: open, listen.

  /**
   * Listens on a port (passive OPEN, RFC 9293 §3.10.1).
   *
   * @param address the local address, or null for every address of the host
   * @param backlog the largest number of connections queued in each of the SYN and accept queues,
   *     capped by somaxconn
   * @throws IllegalStateException when another listener has the port ("address already in use")
   */
  public Listener listen(InetAddress address, int port, int backlog) {
    return listen(address, port, backlog, config.tcp());
  }

  /**
   * Listens on a port with TCP settings of its own, which the connections it accepts start with (a
   * listening socket's options, inherited by the sockets {@code accept} returns).
   *
   * @throws IllegalStateException when another listener has the port ("address already in use")
   */
  public Listener listen(InetAddress address, int port, int backlog, TcpConfig tcpConfig) {
    return listen(address, port, backlog, tcpConfig, BindOptions.DEFAULT);
  }

  /**
   * Listens as {@link #listen(InetAddress, int, int, TcpConfig)}, sharing the port as {@code bind}
   * says: {@code SO_REUSEADDR}, and {@code SO_REUSEPORT} groups over which new connections are
   * spread by a keyed hash of their 4-tuple, as Linux's ({@link ListenerTable}).
   *
   * @throws IllegalStateException when the port is taken ("address already in use")
   */
  public Listener listen(
      InetAddress address, int port, int backlog, TcpConfig tcpConfig, BindOptions bind) {
    if (bind != null && port >= 1 && port <= 65535)
      tcp.checkReservations(address, port, bind, true); // a socket bound to it and not connected
    return tcp.passive().listen(address, port, backlog, tcpConfig, bind);
  }

  /**
   * Sets whether the children of a closed {@code SO_REUSEPORT} member go to the rest of its group
   * (on by default: Linux's {@code net.ipv4.tcp_migrate_req = 1}) or are reset (Linux's default,
   * 0).
   */
  public void setReusePortMigration(boolean on) {
    tcp.passive().setReusePortMigration(on);
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
  public Connection connect(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcpConfig,
      long now) {
    if (tcpConfig == null) throw new IllegalArgumentException("tcp config is null");
    if (remotePort < 1 || remotePort > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    advance(now);
    return tcp.connect(local, localPort, remote, remotePort, tcpConfig, now);
  }

  /**
   * Opens a connection as {@link #connect(InetAddress, int, InetAddress, int, TcpConfig, long)}
   * from a socket that set {@code SO_REUSEADDR}/{@code SO_REUSEPORT} as {@code bind} says: a {@code
   * localPort} other than 0 is checked as Linux's {@code bind()} checks it ({@link #checkBind}),
   * and the connection shares its port so with later binds.
   *
   * @throws IllegalStateException when the port is taken ("address already in use"), the 4-tuple is
   *     in use or no local port is free
   */
  public Connection connect(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcpConfig,
      BindOptions bind,
      long now) {
    if (tcpConfig == null) throw new IllegalArgumentException("tcp config is null");
    if (bind == null) throw new IllegalArgumentException("bind options are null");
    if (remotePort < 1 || remotePort > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    advance(now);
    return tcp.connect(local, localPort, remote, remotePort, tcpConfig, null, bind, now);
  }

  /**
   * Checks that a socket with options {@code bind} may bind TCP {@code port} on {@code address}
   * (null: every address) before an active open, as Linux's {@code bind()}: a listener or a
   * connection holding the port refuses it unless both set {@code SO_REUSEPORT}, or both set {@code
   * SO_REUSEADDR} and the other is not listening.
   *
   * @throws IllegalStateException "address already in use" when the port is taken
   */
  public void checkBind(InetAddress address, int port, BindOptions bind) {
    if (bind == null) throw new IllegalArgumentException("bind options are null");
    tcp.checkBind(address, port, bind);
  }

  /**
   * Binds TCP {@code port} on {@code address} (null: every address) for a socket with options
   * {@code bind} that has not connected yet, as Linux's {@code bind()} does: checked as {@link
   * #checkBind} and, unlike it, held from now on, so that a second bind or a listen on the port is
   * refused at once ("address already in use") and no ephemeral port choice takes it. Returns the
   * hold's id; {@link #releaseBind} lets go of it when the socket connects (its connection then
   * holds the port) or closes.
   *
   * @throws IllegalStateException "address already in use" when the port is taken
   */
  public long reserveBind(InetAddress address, int port, BindOptions bind) {
    if (bind == null) throw new IllegalArgumentException("bind options are null");
    return tcp.reserveBind(address, port, bind);
  }

  /** Lets go of a port {@link #reserveBind} held; an unknown id does nothing. */
  public void releaseBind(long id) {
    tcp.releaseBind(id);
  }

  /**
   * Opens a connection with TCP Fast Open (RFC 7413), as Linux's {@code sendto(MSG_FASTOPEN)}: what
   * of {@code firstData} the send buffer takes is queued before the SYN leaves (the buffer's
   * position advances), and rides on the SYN when the host holds a cookie for {@code remote};
   * without one the SYN asks for a cookie and the data follows the handshake. With client Fast Open
   * off ({@link #setFastOpen}) this is a plain connect followed by a send.
   *
   * @throws IllegalStateException when the 4-tuple is in use or no local port is free
   */
  public Connection connectFastOpen(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      TcpConfig tcpConfig,
      ByteBuffer firstData,
      long now) {
    if (tcpConfig == null) throw new IllegalArgumentException("tcp config is null");
    if (firstData == null) throw new IllegalArgumentException("first data is null");
    if (remotePort < 1 || remotePort > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    advance(now);
    return tcp.connect(local, localPort, remote, remotePort, tcpConfig, firstData, now);
  }

  /**
   * Sets TCP Fast Open's mode, the bits of Linux's {@code net.ipv4.tcp_fastopen} (see {@link
   * TcpFastOpen}'s constants): 1 client, 2 server, 4 client data without a cookie, 0x200 server
   * data without a cookie, 0x400 every listener. The default is 1, as Linux's.
   */
  public void setFastOpen(int bits) {
    tcp.fastOpen().setMode(bits);
  }

  /**
   * Sets {@code net.ipv4.tcp_fastopen_blackhole_timeout_sec}: after a connection whose SYN used
   * Fast Open sees three retransmission timeouts in a row (or gives up), client Fast Open pauses
   * for this long, doubled per pause in a row (at most 64 times), as Linux's blackhole detection.
   * Zero, Linux's default since 5.14 and synack's, turns it off.
   */
  public void setFastOpenBlackholeTimeout(java.time.Duration timeout) {
    tcp.fastOpen().setBlackholeTimeout(timeout);
  }

  /**
   * Returns the pauses in a row client Fast Open's blackhole detection has made (0: not paused, or
   * the last one ended well).
   */
  public int fastOpenBlackholePauses() {
    return tcp.fastOpen().blackholePauses();
  }

  /** Returns TCP Fast Open's mode bits. */
  public int fastOpen() {
    return tcp.fastOpen().mode();
  }

  /**
   * Sets the key server Fast Open cookies are made with, and a backup key under which cookies are
   * still accepted (null for none), 16 bytes each, as Linux's {@code net.ipv4.tcp_fastopen_key}. By
   * default the key comes from {@link HostConfig#secretSeed()}.
   */
  public void setFastOpenKey(byte[] primary, byte[] backup) {
    tcp.fastOpen().cookies().setKeys(primary, backup);
  }

  /**
   * Rotates the Fast Open key: a new one from the host's secret, the old one kept as the backup
   * (RFC 7413 §4.1.2).
   */
  public void rotateFastOpenKey() {
    tcp.rotateFastOpenKey();
  }

  /** Returns a copy of the Fast Open cookie this host holds for {@code server}, or null. */
  public byte[] fastOpenCookie(InetAddress server) {
    FastOpenCache.Entry e = tcp.fastOpen().cache().get(server);
    return e == null || e.cookie() == null ? null : e.cookie().clone();
  }

  /**
   * Sets the policy that decides about SYNs no connection or listener takes (see {@link
   * SynPolicy}); with none (the default) such a SYN draws a RST, as a closed port.
   */
  public void setSynPolicy(SynPolicy policy) {
    tcp.passive().setSynPolicy(policy);
  }

  /**
   * Sets which ephemeral ports the host may pick for active opens and UDP endpoints bound to port 0
   * ({@link PortFilter#ALL}, the default, for any): a host of a loop group takes only ports whose
   * flows its own loop owns. Ports the caller names are never filtered.
   */
  public void setPortFilter(PortFilter filter) {
    if (filter == null) throw new IllegalArgumentException("port filter is null");
    tcp.setPortFilter(filter);
    udp.setPortFilter(filter);
  }

  /**
   * Sets where datagrams put back together from fragments go when another host of a loop group owns
   * their flow ({@link ReassembledHandoff}); {@link ReassembledHandoff#NONE}, the default, keeps
   * them.
   */
  public void setReassembledHandoff(ReassembledHandoff handoff) {
    if (handoff == null) throw new IllegalArgumentException("reassembled handoff is null");
    input.reassembledHandoff = handoff;
  }

  /**
   * Sets where TCP segments go that this host holds no connection for and that open none, when
   * another host of a loop group may hold their connection ({@link StrayHandoff}); {@link
   * StrayHandoff#NONE}, the default, answers them here.
   */
  public void setStrayHandoff(StrayHandoff handoff) {
    if (handoff == null) throw new IllegalArgumentException("stray handoff is null");
    tcp.setStrayHandoff(handoff);
  }

  /**
   * Sets where echo requests to addresses not the host's own go (see {@link EchoRelay}); with none
   * (the default) the host answers every echo request it takes in itself.
   */
  public void setEchoRelay(EchoRelay relay) {
    icmp.echoRelay = relay;
  }

  /**
   * Sends an echo reply from {@code source} (the relayed request's destination) to {@code
   * destination}, with the request's identifier and sequence number and {@code data} (read from its
   * position to its limit during the call).
   */
  public void sendEchoReply(
      InetAddress source,
      InetAddress destination,
      int identifier,
      int sequenceNumber,
      ByteBuffer data,
      long now) {
    advance(now);
    output.add(
        Packets.icmp(
            source,
            destination,
            Packets.ICMP_HOP_LIMIT,
            new IcmpMessage.EchoReply(identifier, sequenceNumber, data.slice())));
  }

  /**
   * Sends an ICMP destination unreachable of {@code code} from {@code source} about {@code
   * offending} (a whole IP packet as it reached the host, or rebuilt as it was) back to its source,
   * quoting as much of it as fits: what a forwarder does when a host socket learns that a relayed
   * datagram's destination is unreachable, as the router on the way would have told the sender (RFC
   * 792, RFC 4443 §3.1; codes as {@link HeldSyn#unreachable}). Returns false, sending nothing, when
   * {@code offending} does not parse or no error may be sent about it (RFC 1122 §3.2.2: an ICMP
   * error, a later fragment, a multicast or broadcast address).
   */
  public boolean sendUnreachable(byte[] offending, InetAddress source, int code, long now) {
    advance(now);
    if ((code & ~0xff) != 0)
      throw new IllegalArgumentException("code out of range 0..255: " + code);
    dev.synack.wire.Parsed<dev.synack.wire.IpDatagram> ip =
        dev.synack.wire.IpDatagram.parse(ByteBuffer.wrap(offending));
    if (ip.reason() != null) return false;
    byte[] error = Packets.icmpUnreachable(ip.value(), source, code);
    if (error == null) return false;
    output.add(error);
    return true;
  }

  /**
   * Sets how many SYNs the host answers with SYN cookies from now until the next call ({@link
   * Integer#MAX_VALUE}, the default, for no limit); the SYNs beyond, that would have drawn a
   * cookie, are dropped and counted as {@code syn-flood-shed}. A driver whose link read comes back
   * full (its queue is backed up, as under a SYN flood) gives a small budget for that batch, so
   * that the work and the writes of cookies do not keep the queue full and the connections' own
   * segments, queued behind the flood, are not dropped by the device. SYNs the SYN queue takes, and
   * every segment of a connection, are never shed: only those a listener would answer statelessly.
   */
  public void limitSynCookies(int budget) {
    tcp.passive().limitCookies(budget);
  }

  /** Returns how many SYNs wait for the {@link SynPolicy}'s answer. */
  public int heldSynCount() {
    return tcp.passive().heldSynCount();
  }

  /**
   * Opens a UDP endpoint on {@code address} (null for every address of the host) and {@code port}
   * (0 for a free ephemeral one).
   *
   * @throws IllegalStateException when another endpoint has the port ("address already in use")
   */
  public UdpEndpoint bindUdp(InetAddress address, int port) {
    return udp.bind(address, port);
  }

  /**
   * Opens the UDP catch-all of a forwarder: it receives every datagram the host takes in that no
   * bound endpoint takes, whatever its destination address and port (in any-destination mode, all
   * of them), and replies name their source ({@link UdpEndpoint#send(ByteBuffer, InetAddress, int,
   * InetAddress, int, long)}). Closed ports then draw no ICMP error: the catch-all takes them.
   *
   * @throws IllegalStateException when one is open already
   */
  public UdpEndpoint bindUdpAll() {
    return udp.bindAll();
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
   * Takes one IP packet, the bytes of {@code packet} from its position to its limit, as {@link
   * #handlePacket(byte[], long)}. The host reads them during the call only (what it keeps, received
   * data and fragments, it copies) and leaves the position and limit as they were, so a driver may
   * read the next packet into the same buffer: one buffer, no array per packet.
   */
  public void handlePacket(ByteBuffer packet, long now) {
    handlePacket(packet, false, now);
  }

  /**
   * Takes one IP packet, as {@link #handlePacket(ByteBuffer, long)}, with what the link vouches
   * for. {@code checksumUnnecessary} is Linux's {@code CHECKSUM_UNNECESSARY}: the link knows the
   * TCP checksum is right, because the sender's stack computed it and the link cannot corrupt a
   * packet (loopback and veth set it, so that the kernel does not sum bytes twice in one machine).
   * The host then skips verifying the TCP checksum. Only a link that can tell may pass true; the IP
   * header checksum and ICMP checksums are still verified.
   */
  public void handlePacket(ByteBuffer packet, boolean checksumUnnecessary, long now) {
    advance(now);
    input.handlePacket(packet, checksumUnnecessary, now);
  }

  // ---------------------------------------------------------------------------------------------
  // Output, events, time.

  /**
   * Writes the next IP packet to send into {@code buffer}, from its position on, moves the position
   * past it, says in {@code transmit} what it wrote, and returns true; returns false, writing
   * nothing, when there is none. With {@code maxSegments} above 1 a run of equal segments of one
   * connection may leave as one GSO super-packet of up to that many segments and 64 KiB, for a link
   * with segmentation offload to cut ({@link Transmit#segmentSize()}, {@link GsoPacket}), and a
   * packet of one data segment leaves with its checksum partial too, for that link to complete (its
   * segment size then its payload length); with 1, every packet is whole, its checksums complete. A
   * host that traces packets sends only whole ones.
   *
   * <p>Buffer ownership: lent for the call only; each payload byte is copied once, from the
   * connection's send buffer into it, and nothing is allocated per packet on the steady path. The
   * driver lends one buffer after another (or the same one once it has sent what it holds).
   *
   * @throws IllegalArgumentException when the next packet does not fit in {@code buffer}'s
   *     remaining bytes (it stays first in line): lend 65,535 bytes, which every packet fits in
   */
  public boolean pollTransmit(long now, ByteBuffer buffer, int maxSegments, Transmit transmit) {
    return pollTransmit(now, buffer, maxSegments, maxSegments > 1, transmit);
  }

  /**
   * As {@link #pollTransmit(long, ByteBuffer, int, Transmit)}, saying apart from {@code
   * maxSegments} whether a packet of one data segment may leave with its TCP checksum partial
   * ({@code partialChecksum}), for a link that completes it or whose receiver needs none: Linux's
   * loopback and veth devices ({@code NETIF_F_HW_CSUM}) pass such packets, checksum never computed,
   * to a receiver that takes them as verified. {@link Transmit#segmentSize()} above 0 says it was
   * left partial; {@link dev.synack.wire.GsoPacket#completeChecksum} completes it. A host that
   * traces packets sends only whole ones.
   */
  public boolean pollTransmit(
      long now, ByteBuffer buffer, int maxSegments, boolean partialChecksum, Transmit transmit) {
    if (maxSegments < 1)
      throw new IllegalArgumentException("maxSegments must be at least 1: " + maxSegments);
    advance(now);
    int at = buffer.position();
    int queued = output.pollInto(buffer);
    if (queued > 0) {
      transmit.set(queued, HostOutput.ecnOf(buffer, at), 0, 1);
      output.sent(buffer, at, queued, 1, now);
      return true;
    }
    int most = output.tracesPackets() ? 1 : maxSegments;
    // A connection hands over a run as one chunk (and holds a partial one back) only into a buffer
    // that any run fits in; into a smaller one, segments join the packet one by one while they fit.
    Connection c = tcp.nextSegment(now, buffer.remaining() >= GsoPacket.MAX_PACKET ? most : 1);
    if (c == null) return false;
    FourTuple id = c.id();
    OutboundSegment segment = tcp.outbound();
    int ipHeader =
        id.localAddress() instanceof Inet4Address
            ? Ipv4Packet.MIN_HEADER_LENGTH
            : Ipv6Packet.HEADER_LENGTH;
    if (ipHeader + segment.encodedLength() > buffer.remaining()) {
      byte[] packet = Packets.tcp(id.localAddress(), id.remoteAddress(), tcp.hopLimit(), segment);
      output.addFirst(packet);
      throw new IllegalArgumentException(
          "packet of " + packet.length + " bytes, buffer has " + buffer.remaining());
    }
    gso.begin(buffer, id.localAddress(), id.remoteAddress(), tcp.hopLimit(), segment);
    while (gso.canExtend(most) && tcp.nextSegmentOf(c, now)) {
      if (!gso.extend(segment)) {
        // Taken from the connection, so sent next, whole: a retransmission, a FIN, other options.
        output.addFirst(
            Packets.tcp(id.localAddress(), id.remoteAddress(), tcp.hopLimit(), segment));
        break;
      }
    }
    // A link that cuts super-packets completes checksums too: one segment leaves partial as well.
    int length = gso.finish(partialChecksum && !output.tracesPackets());
    transmit.set(length, gso.ecn(), gso.segmentSize(), gso.segments());
    output.sent(buffer, at, length, gso.segments(), now);
    return true;
  }

  /**
   * Returns the next IP packet to send as an array of its own, or null when there is none: the
   * convenience of tests and the simulator, whose packets outlive the call. Always a whole packet
   * (never a super-packet); the caller owns the array.
   */
  public byte[] pollPacket(long now) {
    advance(now);
    byte[] packet = output.poll();
    if (packet == null) packet = tcp.pollTransmit(now);
    if (packet != null) output.sent(packet, now);
    return packet;
  }

  /**
   * Returns whether the host traces the bytes of the packets it sends and receives ({@link
   * dev.synack.trace.TraceSink#wantsPackets()}): such a host must see only whole checksums.
   */
  public boolean tracesPackets() {
    return output.tracesPackets();
  }

  /** Returns the next event for the user, or null. */
  public HostEvent pollEvent() {
    return events.poll();
  }

  /** Returns the next time {@link #handleTimeout} is due, or {@code Long.MAX_VALUE}. */
  public long pollTimeout() {
    return Math.min(tcp.nextDeadline(), input.nextExpiry());
  }

  /** Fires every deadline that is due at {@code now}. */
  public void handleTimeout(long now) {
    advance(now);
    input.expire(now, output);
    tcp.handleTimeout(now);
  }

  // ---------------------------------------------------------------------------------------------
  // For connections and listeners.

  /** Records that something happened to a connection (see {@link TcpEndpoints#touch}). */
  void touch(Connection c) {
    tcp.touch(c);
  }

  void removeListener(Listener l, long now) {
    tcp.passive().removeListener(l, now);
  }

  private void advance(long now) {
    if (now < lastNow)
      throw new IllegalArgumentException("time went backwards: " + now + " < " + lastNow);
    lastNow = now;
  }
}
