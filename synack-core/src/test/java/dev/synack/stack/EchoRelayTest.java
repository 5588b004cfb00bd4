package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.synack.trace.TraceSink;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Echo requests in any-destination mode: to an address not the host's own they go to the {@link
 * EchoRelay}, whose replies leave from that address; the host answers the rest itself.
 */
class EchoRelayTest {
  static final InetAddress CLIENT4 = ip("10.0.0.1");
  static final InetAddress OWN4 = ip("10.0.0.2");
  static final InetAddress REMOTE4 = ip("203.0.113.7");
  static final InetAddress CLIENT6 = ip("fd00::1");
  static final InetAddress REMOTE6 = ip("2001:db8::7");
  static final byte[] DATA = "abcdefgh-ping".getBytes(StandardCharsets.US_ASCII);

  record Relayed(
      InetAddress source,
      InetAddress destination,
      int identifier,
      int sequenceNumber,
      byte[] data) {}

  final Host host =
      new Host("forwarder", HostConfig.defaults(5).withAnyDestination(true), TraceSink.NONE);
  final List<Relayed> relayed = new ArrayList<>();

  EchoRelayTest() {
    host.addAddress(OWN4);
  }

  void relayTakesAll(boolean take) {
    host.setEchoRelay(
        (source, destination, identifier, sequenceNumber, data, now) -> {
          relayed.add(new Relayed(source, destination, identifier, sequenceNumber, data));
          return take;
        });
  }

  @Test
  void requestToAnyAddress_goesToTheRelay_notAnswered_thenTheRelaysReplyLeavesFromThatAddress() {
    relayTakesAll(true);
    host.handlePacket(
        Packets.icmp(
            CLIENT4, REMOTE4, 64, new IcmpMessage.EchoRequest(0x1234, 7, ByteBuffer.wrap(DATA))),
        1);

    assertNull(host.pollPacket(1), "the host does not answer a relayed request itself");
    assertEquals(1, relayed.size());
    Relayed r = relayed.getFirst();
    assertEquals(
        List.of(CLIENT4, REMOTE4, 0x1234, 7),
        List.of(r.source(), r.destination(), r.identifier(), r.sequenceNumber()));
    assertArrayEquals(DATA, r.data());
    assertEquals(1, host.counters().echoRelayed());

    host.sendEchoReply(REMOTE4, CLIENT4, 0x1234, 7, ByteBuffer.wrap(DATA), 2);
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(host.pollPacket(2))).value();
    assertEquals(REMOTE4, ip.source());
    assertEquals(CLIENT4, ip.destination());
    IcmpMessage.EchoReply reply = (IcmpMessage.EchoReply) IcmpCodec.parse(ip, true).value();
    assertEquals(0x1234, reply.identifier());
    assertEquals(7, reply.sequenceNumber());
    assertEquals(ByteBuffer.wrap(DATA), reply.data());
  }

  @Test
  void ipv6Request_goesToTheRelay_andItsReplyHasAValidChecksum() {
    relayTakesAll(true);
    host.handlePacket(
        Packets.icmp(
            CLIENT6, REMOTE6, 64, new IcmpMessage.EchoRequest(9, 1, ByteBuffer.wrap(DATA))),
        1);
    assertNull(host.pollPacket(1));
    assertEquals(REMOTE6, relayed.getFirst().destination());

    host.sendEchoReply(REMOTE6, CLIENT6, 9, 1, ByteBuffer.wrap(DATA), 2);
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(host.pollPacket(2))).value();
    assertEquals(9, ((IcmpMessage.EchoReply) IcmpCodec.parse(ip, true).value()).identifier());
  }

  @Test
  void relayDeclines_theHostAnswersItself() {
    relayTakesAll(false);
    host.handlePacket(
        Packets.icmp(
            CLIENT4, REMOTE4, 64, new IcmpMessage.EchoRequest(3, 4, ByteBuffer.wrap(DATA))),
        1);
    assertEquals(1, relayed.size());
    assertAnsweredFrom(REMOTE4, 3, 4);
    assertEquals(0, host.counters().echoRelayed());
  }

  @Test
  void requestToTheHostsOwnAddress_answeredByTheHost_notRelayed() {
    relayTakesAll(true);
    host.handlePacket(
        Packets.icmp(CLIENT4, OWN4, 64, new IcmpMessage.EchoRequest(3, 4, ByteBuffer.wrap(DATA))),
        1);
    assertEquals(0, relayed.size());
    assertAnsweredFrom(OWN4, 3, 4);
  }

  @Test
  void noRelay_theHostAnswersEveryAddress() {
    host.handlePacket(
        Packets.icmp(
            CLIENT4, REMOTE4, 64, new IcmpMessage.EchoRequest(3, 4, ByteBuffer.wrap(DATA))),
        1);
    assertAnsweredFrom(REMOTE4, 3, 4);
  }

  void assertAnsweredFrom(InetAddress source, int identifier, int sequenceNumber) {
    byte[] packet = host.pollPacket(1);
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(packet)).value();
    assertEquals(source, ip.source());
    IcmpMessage.EchoReply reply = (IcmpMessage.EchoReply) IcmpCodec.parse(ip, true).value();
    assertEquals(identifier, reply.identifier());
    assertEquals(sequenceNumber, reply.sequenceNumber());
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
