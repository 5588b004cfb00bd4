package dev.synack.bench;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.trace.TraceSink;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Two protocol engines after a real handshake and one real data exchange, with what the benchmarks
 * need to forge the segments of the other side: the options (timestamps) and windows the engines
 * really send. Segments move by hand, as in the tests' EnginePair, with no wire encoding.
 */
final class EnginePairState {
  static final int CLIENT_PORT = 40000;
  static final int SERVER_PORT = 80;
  static final int MSS = 1448;

  final TcpConnection client;
  final TcpConnection server;

  /** A data segment the client really sent: its options and window are reused in forged ones. */
  final TcpSegment clientData;

  /** The ACK the server really sent for it. */
  final TcpSegment serverAck;

  /** Payload of one full segment, read through duplicates. */
  final ByteBuffer payload = ByteBuffer.allocate(MSS);

  long now = 1_000_000_000L;

  EnginePairState() {
    InetAddress a = address(10, 0, 0, 1);
    InetAddress b = address(10, 0, 0, 2);
    TcpConfig cfg = TcpConfig.defaults();
    client =
        TcpConnection.connect(
            new FourTuple(a, CLIENT_PORT, b, SERVER_PORT),
            cfg,
            1000,
            now,
            TraceSink.NONE,
            "client");
    TcpSegment syn = client.pollTransmit(now);
    server =
        TcpConnection.accept(
            new FourTuple(b, SERVER_PORT, a, CLIENT_PORT),
            cfg,
            5000,
            syn,
            now,
            TraceSink.NONE,
            "server");
    client.handleSegment(server.pollTransmit(now), now);
    server.handleSegment(client.pollTransmit(now), now);
    client.send(payload.duplicate(), now);
    clientData = client.pollTransmit(now);
    server.handleSegment(clientData, now);
    server.receive(ByteBuffer.allocate(MSS), now);
    TcpSegment ack = server.pollTransmit(now);
    while (ack != null && (ack.flags() & TcpFlags.ACK) == 0) ack = server.pollTransmit(now);
    if (ack == null)
      throw new IllegalStateException("the server did not acknowledge the first segment");
    serverAck = ack;
    client.handleSegment(serverAck, now);
    drain();
  }

  /** Returns a data segment from the client at {@code seq}, as the client would send it. */
  TcpSegment dataAt(int seq) {
    return new TcpSegment(
        CLIENT_PORT,
        SERVER_PORT,
        seq,
        clientData.acknowledgmentNumber(),
        TcpFlags.ACK | TcpFlags.PSH,
        clientData.window(),
        0,
        0,
        clientData.options(),
        payload.duplicate());
  }

  /** Returns an ACK from the server acknowledging everything up to {@code ack}. */
  TcpSegment ackOf(int ack) {
    return new TcpSegment(
        SERVER_PORT,
        CLIENT_PORT,
        serverAck.sequenceNumber(),
        ack,
        TcpFlags.ACK,
        serverAck.window(),
        0,
        0,
        serverAck.options(),
        null);
  }

  /** Drops whatever both engines want to send and tell. */
  void drain() {
    while (client.pollTransmit(now) != null) {}
    while (server.pollTransmit(now) != null) {}
    while (client.pollEvent() != null) {}
    while (server.pollEvent() != null) {}
  }

  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
