package dev.synack.stack;

import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.nio.ByteBuffer;

/**
 * ICMPv4 and ICMPv6 input of a host: echo requests are answered (RFC 792, RFC 4443 §4.1), errors go
 * to the transport whose datagram they quote (RFC 1122 §4.2.3.9 for TCP, §4.1.3.3 for UDP).
 */
final class IcmpHandler implements TransportHandler {
  private final HostLog log;
  private final HostOutput output;
  private final IpInput input;
  private final HostAddresses addresses;

  /** Where echo requests to addresses not the host's own go, or null: the host answers them all. */
  EchoRelay echoRelay;

  IcmpHandler(HostLog log, HostOutput output, IpInput input, HostAddresses addresses) {
    this.log = log;
    this.output = output;
    this.input = input;
    this.addresses = addresses;
  }

  @Override
  public void handle(IpDatagram ip, ByteBuffer datagram, boolean checksumUnnecessary, long now) {
    Parsed<IcmpMessage> parsed = IcmpCodec.parse(ip, true);
    if (!(parsed instanceof Parsed.Ok<IcmpMessage>(IcmpMessage message))) {
      log.dropMalformed(parsed.reason(), now);
      return;
    }
    if (message
            instanceof IcmpMessage.EchoRequest(int identifier, int sequenceNumber, ByteBuffer data)
        && echoRelay != null
        && !addresses.list().contains(ip.destination())) {
      byte[] copy = new byte[data.remaining()];
      data.duplicate().get(copy);
      if (echoRelay.relay(ip.source(), ip.destination(), identifier, sequenceNumber, copy, now)) {
        log.counters.echoRelayed++;
        return;
      }
    }
    if (message instanceof IcmpMessage.EchoRequest) {
      byte[] reply = Packets.icmpEchoReply(ip);
      if (reply != null) {
        log.counters.echoReplies++;
        output.add(reply);
        return;
      }
    }
    if (message.isError()) {
      handleError(ip, message, now);
      return;
    }
    log.drop(HostDropReason.ICMP_NOT_HANDLED, "", now);
  }

  @Override
  public void handleIcmpError(IpDatagram ip, IcmpMessage message, IcmpQuote quote, long now) {
    // RFC 1122 §3.2.2: no ICMP error is sent about an ICMP error, and none is taken about ours.
    log.drop(HostDropReason.ICMP_QUOTE_UNKNOWN_PROTOCOL, "", now);
  }

  private void handleError(IpDatagram ip, IcmpMessage message, long now) {
    Parsed<IcmpQuote> parsedQuote = IcmpQuote.parse(IcmpErrors.original(message));
    if (!(parsedQuote instanceof Parsed.Ok<IcmpQuote>(IcmpQuote quote))) {
      log.drop(parsedQuote.reason(), "", now);
      return;
    }
    TransportHandler transport = input.handler(quote.protocol());
    if (transport == null || transport == this || quote.version() != ip.version()) {
      log.drop(HostDropReason.ICMP_QUOTE_UNKNOWN_PROTOCOL, "", now);
      return;
    }
    transport.handleIcmpError(ip, message, quote, now);
  }
}
