package dev.synack.stack;

import dev.synack.tcp.IcmpError;
import dev.synack.tcp.TcpError;
import dev.synack.wire.Addresses;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.IpFragments;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.UdpPacket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The UDP endpoints of a host (RFC 768, RFC 1122 §4.1): demultiplexing by local address and port,
 * checksums both ways, ICMP port unreachable for closed ports (RFC 1122 §4.1.3.1, rate-limited as
 * Linux does), fragmentation of datagrams larger than the MTU, and ICMP errors handed to the
 * endpoint whose datagram they quote (§4.1.3.3).
 */
final class UdpEndpoints implements TransportHandler {
  private final HostConfig config;
  private final HostLog log;
  private final HostAddresses addresses;
  private final HostOutput output;
  private final ArrayDeque<HostEvent> events;
  private final IcmpRateLimit rateLimit = new IcmpRateLimit();
  private final FragmentIds ids;

  /**
   * The path MTUs ICMP reported, per destination: what sends are fragmented to (or refused at); the
   * host's, shared with TCP.
   */
  private final PathMtus pathMtus;

  private final Map<Integer, List<UdpEndpoint>> byPort = new HashMap<>();

  /** The any-destination catch-all, or null. */
  private UdpEndpoint catchAll;

  /**
   * Where the search for a free ephemeral port starts next, keyed per host so that ports are not
   * guessable from zero.
   */
  private int nextEphemeral;

  /** Which ephemeral ports this host may take: those whose datagrams its loop owns. */
  private PortFilter portFilter = PortFilter.ALL;

  UdpEndpoints(
      HostConfig config,
      HostLog log,
      HostAddresses addresses,
      HostOutput output,
      ArrayDeque<HostEvent> events,
      long portKey,
      PathMtus pathMtus) {
    this.config = config;
    this.pathMtus = pathMtus;
    this.log = log;
    this.addresses = addresses;
    this.output = output;
    this.events = events;
    int range = config.ephemeralPortHigh() - config.ephemeralPortLow() + 1;
    this.nextEphemeral = (int) Math.floorMod(portKey, (long) range);
    this.ids = new FragmentIds(Long.rotateRight(portKey, 17) ^ 0x5deece66dL);
  }

  /**
   * Binds an endpoint to {@code address} (null for every address) and {@code port} (0 for an
   * ephemeral one).
   */
  UdpEndpoint bind(InetAddress address, int port) {
    if (port < 0 || port > 65535)
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    if (port == 0) port = freeEphemeral(address);
    List<UdpEndpoint> onPort = byPort.computeIfAbsent(port, p -> new ArrayList<>(1));
    for (UdpEndpoint e : onPort) {
      if (e.address() == null || address == null || e.address().equals(address)) {
        throw new IllegalStateException("address already in use: UDP port " + port);
      }
    }
    UdpEndpoint e = new UdpEndpoint(this, address, port, false);
    onPort.add(e);
    return e;
  }

  /** Makes the catch-all endpoint, which takes every datagram no bound endpoint takes. */
  UdpEndpoint bindAll() {
    if (catchAll != null)
      throw new IllegalStateException("a UDP catch-all endpoint is open already");
    catchAll = new UdpEndpoint(this, null, 0, true);
    return catchAll;
  }

  void unbind(UdpEndpoint e) {
    if (e == catchAll) {
      catchAll = null;
      return;
    }
    List<UdpEndpoint> onPort = byPort.get(e.port());
    if (onPort != null && onPort.remove(e) && onPort.isEmpty()) byPort.remove(e.port());
  }

  /**
   * Sets which ephemeral ports endpoints bound to port 0 may take (see {@link Host#setPortFilter}).
   */
  void setPortFilter(PortFilter filter) {
    this.portFilter = filter;
  }

  private int freeEphemeral(InetAddress address) {
    int low = config.ephemeralPortLow();
    int range = config.ephemeralPortHigh() - low + 1;
    for (int i = 0; i < range; i++) {
      int port = low + (nextEphemeral + i) % range;
      if (!byPort.containsKey(port) && portFilter.accepts(17, address, port, null, 0)) {
        nextEphemeral = (nextEphemeral + i + 1) % range;
        return port;
      }
    }
    throw new IllegalStateException("no ephemeral UDP port free");
  }

  void send(
      UdpEndpoint from,
      ByteBuffer payload,
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      long now) {
    InetAddress source = local != null ? local : addresses.sourceFor(remote);
    if ((source instanceof Inet4Address) != (remote instanceof Inet4Address)) {
      throw new IllegalArgumentException(
          "addresses of different families: " + source + " and " + remote);
    }
    byte[] packet =
        UdpPacket.packet(source, localPort, remote, remotePort, config.hopLimit(), payload);
    int mtu = pathMtus.mtu(remote, config.mtu(), now);
    if (packet.length <= mtu) {
      log.counters.udpDatagramsOut++;
      output.add(packet);
      return;
    }
    if (from.dontFragment()) {
      log.counters.fragmentationRefused++;
      throw new MessageTooLongException(packet.length, mtu);
    }
    // RFC 791 §3.2 and RFC 8200 §4.5: the source fragments a datagram larger than the path MTU.
    // Linux's
    // UDP does the same by default (IP_PMTUDISC_WANT); its fragments leave with DF clear.
    List<byte[]> fragments =
        source instanceof Inet4Address
            ? IpFragments.ipv4(packet, mtu, ids.next(source, remote) & 0xffff)
            : IpFragments.ipv6(packet, mtu, ids.next(source, remote));
    log.counters.udpDatagramsOut++;
    log.counters.datagramsFragmented++;
    log.counters.fragmentsOut += fragments.size();
    for (byte[] f : fragments) output.add(f);
  }

  @Override
  public void handle(IpDatagram ip, ByteBuffer datagram, boolean checksumUnnecessary, long now) {
    Parsed<UdpPacket> parsed = UdpPacket.parse(ip, !checksumUnnecessary);
    if (!(parsed instanceof Parsed.Ok<UdpPacket>(UdpPacket udp))) {
      log.dropMalformed(parsed.reason(), now);
      return;
    }
    UdpEndpoint e = find(ip.destination(), udp.destinationPort());
    if (e != null && !e.accepts(ip.source(), udp.sourcePort()))
      e = null; // connected to another peer: not its datagram
    String conn =
        log.enabled()
            ? Addresses.endpoint(ip.destination(), udp.destinationPort())
                + "-"
                + Addresses.endpoint(ip.source(), udp.sourcePort())
            : "";
    if (e == null) {
      // RFC 1122 §4.1.3.1: a datagram to a port with no endpoint SHOULD draw a port unreachable.
      log.drop(HostDropReason.UDP_CLOSED_PORT, conn, now);
      if (rateLimit.allow(ip.source(), now)) {
        byte[] error = Packets.icmpPortUnreachable(ip);
        if (error != null) {
          log.counters.unreachablesSent++;
          output.add(error);
        }
      } else {
        log.counters.drop(HostDropReason.ICMP_RATE_LIMITED);
      }
      return;
    }
    byte[] data = new byte[udp.payload().remaining()];
    udp.payload().get(0, data);
    boolean wasEmpty = e.pending() == 0;
    if (!e.offer(
        new UdpMessage(
            ip.source(), udp.sourcePort(), ip.destination(), udp.destinationPort(), data))) {
      log.drop(HostDropReason.UDP_RECEIVE_BUFFER_FULL, conn, now);
      return;
    }
    log.counters.udpDatagramsIn++;
    if (wasEmpty) events.add(new HostEvent.UdpReadable(e));
  }

  /**
   * Returns the endpoint bound to the address and port, else to the port on every address, else the
   * catch-all.
   */
  private UdpEndpoint find(InetAddress local, int port) {
    List<UdpEndpoint> onPort = byPort.get(port);
    if (onPort != null) {
      UdpEndpoint wildcard = null;
      for (UdpEndpoint e : onPort) {
        if (e.address() != null && e.address().equals(local)) return e;
        if (e.address() == null) wildcard = e;
      }
      if (wildcard != null) return wildcard;
    }
    return catchAll;
  }

  /**
   * Hands an ICMP error to the endpoint that sent the datagram it quotes (RFC 1122 §4.1.3.3: UDP
   * MUST pass ICMP errors to the application), as an event with the error the socket API would
   * report: port unreachable is ECONNREFUSED, the others host or network unreachable.
   */
  @Override
  public void handleIcmpError(IpDatagram ip, IcmpMessage message, IcmpQuote quote, long now) {
    UdpEndpoint e = find(quote.source(), quote.sourcePort());
    String conn =
        Addresses.endpoint(quote.source(), quote.sourcePort())
            + "-"
            + Addresses.endpoint(quote.destination(), quote.destinationPort());
    if (e == null) {
      log.drop(HostDropReason.ICMP_NO_UDP_ENDPOINT, conn, now);
      return;
    }
    IcmpError error = IcmpErrors.classify(message, ip.version(), 0);
    if (error instanceof IcmpError.PacketTooBig(int reported, var seq)) {
      // RFC 1191 §4, RFC 8201 §4: the host learns the path MTU to the quoted destination, for every
      // later send to it (Linux's ipv4_sk_update_pmtu / ip6_sk_update_pmtu from __udp4_lib_err).
      boolean lowered = pathMtus.learn(quote.destination(), reported, config.mtu(), now);
      log.counters.icmpErrorsDelivered++;
      log.note(
          now,
          conn,
          "icmp "
              + IcmpErrors.describe(message, ip.version())
              + " from "
              + Addresses.text(ip.source())
              + (lowered
                  ? ": path MTU to "
                      + Addresses.text(quote.destination())
                      + " now "
                      + pathMtus.mtu(quote.destination(), config.mtu(), now)
                  : ": path MTU unchanged"));
      return;
    }
    if (!(error instanceof IcmpError.Unreachable(TcpError kind, var hard, var seq))) {
      log.drop(HostDropReason.ICMP_IGNORED, conn, now);
      return;
    }
    log.counters.icmpErrorsDelivered++;
    log.note(
        now,
        conn,
        "icmp "
            + IcmpErrors.describe(message, ip.version())
            + " from "
            + Addresses.text(ip.source())
            + ": "
            + kind.rfcText());
    e.noteError(quote.destination(), quote.destinationPort(), kind);
    events.add(
        new HostEvent.UdpError(
            e,
            quote.source(),
            quote.sourcePort(),
            quote.destination(),
            quote.destinationPort(),
            kind));
  }
}
