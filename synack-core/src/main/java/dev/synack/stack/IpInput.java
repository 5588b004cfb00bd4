package dev.synack.stack;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * IP input of a host (RFC 791 §3.2, RFC 8200 §4): parses a packet, checks it is for this host, puts
 * IPv4 and IPv6 fragments back together, and hands each whole datagram to the transport registered
 * for its protocol number.
 */
final class IpInput {
  private final HostLog log;
  private final HostAddresses addresses;
  private final Ipv4Reassembly reassembly;
  private final Ipv6Reassembly reassembly6;
  private final TransportHandler[] handlers = new TransportHandler[256];

  /** The steady TCP path, tried before the parse; {@code null} until {@link #steady} sets it. */
  private SteadyInput steady;

  /**
   * Where reassembled datagrams another loop owns go; {@link ReassembledHandoff#NONE} for a host
   * alone.
   */
  ReassembledHandoff reassembledHandoff = ReassembledHandoff.NONE;

  /**
   * Bounds the time exceeded errors reassembly timeouts send, per destination and overall, as
   * Linux's icmp_ratelimit.
   */
  private final IcmpRateLimit rateLimit = new IcmpRateLimit();

  IpInput(HostLog log, HostAddresses addresses, HostConfig config) {
    this.log = log;
    this.addresses = addresses;
    this.reassembly =
        new Ipv4Reassembly(config.fragmentTimeoutNanos(), config.fragmentMemoryLimit());
    this.reassembly6 =
        new Ipv6Reassembly(Ipv6Reassembly.TIMEOUT_NANOS, config.fragmentMemoryLimit());
  }

  /** Sets the steady TCP path that packets are offered to before they are parsed. */
  void steady(SteadyInput path) {
    this.steady = path;
  }

  /** Registers the transport for a protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  void register(int protocol, TransportHandler handler) {
    handlers[protocol] = handler;
  }

  /** Returns the transport registered for a protocol number, or null. */
  TransportHandler handler(int protocol) {
    return protocol < 0 || protocol > 255 ? null : handlers[protocol];
  }

  /**
   * Takes one IP packet from the link, from its position to its limit (read during the call only).
   */
  void handlePacket(ByteBuffer packet, boolean checksumUnnecessary, long now) {
    log.counters.packetsIn++;
    if (log.trace.wantsPackets()) {
      log.trace.accept(new TraceEvent.Packet(now, log.name, "", false, bytesOf(packet)));
    }
    if (steady != null && steady.take(packet, checksumUnnecessary, now)) return;
    handleDatagram(packet.slice(), checksumUnnecessary, now);
  }

  /** Returns when the oldest incomplete datagram expires, or {@code Long.MAX_VALUE}. */
  long nextExpiry() {
    return Math.min(reassembly.nextExpiry(), reassembly6.nextExpiry());
  }

  /**
   * Drops incomplete datagrams whose time is up, and counts them; for each whose first fragment
   * came, sends its source an ICMP time exceeded, "fragment reassembly time exceeded" (ICMPv4 type
   * 11 code 1, RFC 792; ICMPv6 type 3 code 1, RFC 8200 §4.5), quoting that fragment, as Linux's
   * {@code ip_expire} and {@code ip6_expire_frag_queue} do; rate-limited.
   */
  void expire(long now, HostOutput output) {
    java.util.function.Consumer<byte[]> timeExceeded =
        first -> {
          byte[] error = ReassemblyTimeExceeded.packet(first);
          if (error == null) return;
          InetAddress to = ReassemblyTimeExceeded.destination(error);
          if (!rateLimit.allow(to, now)) {
            log.counters.drop(HostDropReason.ICMP_RATE_LIMITED);
            return;
          }
          log.counters.timeExceededSent++;
          output.add(error);
        };
    int expired = reassembly.expire(now, timeExceeded);
    for (int i = 0; i < expired; i++) log.drop(HostDropReason.IPV4_REASSEMBLY_TIMEOUT, "", now);
    int expired6 = reassembly6.expire(now, timeExceeded);
    for (int i = 0; i < expired6; i++) log.drop(HostDropReason.IPV6_REASSEMBLY_TIMEOUT, "", now);
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
      log.dropMalformed(parsed.reason(), now);
      return;
    }
    if (!addresses.accepts(ip.destination())) {
      log.drop(HostDropReason.NOT_FOR_THIS_HOST, "", now);
      return;
    }
    if (ip.fragment()) {
      log.counters.fragmentsIn++;
      byte[] whole;
      HostDropReason reason;
      if (ip.version() == 6) {
        whole = reassembly6.add(bytesOf(packet), now);
        reason = reassembly6.lastDropReason();
      } else {
        whole = reassembly.add(ip, bytesOf(packet), now);
        reason = reassembly.lastDropReason();
      }
      if (whole != null) {
        log.counters.datagramsReassembled++;
        if (!reassembledHandoff.handOff(whole, now))
          handleDatagram(ByteBuffer.wrap(whole), false, now);
      } else if (reason != null) {
        log.drop(reason, "", now);
      }
      return;
    }
    TransportHandler handler = handlers[ip.protocol()];
    if (handler == null) {
      log.drop(HostDropReason.UNKNOWN_PROTOCOL, "", now);
      return;
    }
    handler.handle(ip, packet, checksumUnnecessary, now);
  }

  /** Returns a copy of the bytes of {@code buffer} from its position to its limit. */
  static byte[] bytesOf(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(buffer.position(), bytes);
    return bytes;
  }
}
