package dev.synack.sim;

import dev.synack.stack.Connection;
import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The application on one side of a torture run, as a program on a socket would be: it writes its
 * data when the connection is up and again on each Writable, reads on each Readable until the end
 * of the stream, and closes when the run's {@link CloseOrder} says so. It acts on host events only,
 * so a missing event stalls the run and shows. What it reads is compared with what the peer sent,
 * byte by byte and by SHA-256.
 */
final class TortureEndpoint {
  private static final int READ_SIZE = 64 * 1024;

  final String name;

  /** What this side sends. */
  private final ByteBuffer pending;

  private final byte[] outgoing;

  /** What the peer sends, which this side must read exactly once, in order. */
  private final byte[] expected;

  private final MessageDigest receivedDigest = sha256();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_SIZE);

  /** The connection, once connected (client) or accepted (server). */
  Connection connection;

  /** Bytes read so far. */
  long received;

  /** Offset of the first byte read that differs from what the peer sent, -1 while none does. */
  long firstMismatch = -1;

  boolean endOfStream;

  /** Whether this side closed its sending half ({@code close} or {@code closeFully}). */
  boolean shutDown;

  /** Whether this side closed both halves ({@code closeFully}): it reads no more. */
  boolean closedFully;

  /** How many Closed events arrived: exactly one is right. */
  int closedEvents;

  TcpError closeError;

  /** The first thing the application saw go wrong (an event after Closed, a call that threw). */
  String violation;

  TortureEndpoint(String name, byte[] outgoing, byte[] expected) {
    this.name = name;
    this.outgoing = outgoing;
    this.pending = ByteBuffer.wrap(outgoing);
    this.expected = expected;
  }

  /**
   * Takes the connection this side talks on: the client's once connected, the server's once
   * accepted.
   */
  void attach(Connection c, long now) {
    if (connection != null && connection != c) {
      violate("a second connection " + c.id() + " besides " + connection.id());
      return;
    }
    connection = c;
    write(now);
    read(now);
  }

  /** Acts on one event of this side's connection. */
  void onEvent(ConnectionEvent event, long now) {
    if (closedEvents > 0) {
      violate("event " + event + " after Closed");
      return;
    }
    switch (event) {
      case ConnectionEvent.Connected _ -> write(now);
      case ConnectionEvent.Readable _ -> read(now);
      case ConnectionEvent.PeerFinReceived _ -> read(now);
      case ConnectionEvent.UrgentData _ ->
          read(now); // urgent data is read in line (RFC 9293 §3.8.5)
      case ConnectionEvent.Writable _ -> write(now);
      case ConnectionEvent.FinAcknowledged _ -> {} // the close goes on; CLOSED is what is awaited
      case ConnectionEvent.Closed(TcpError error) -> {
        closedEvents++;
        closeError = error;
      }
    }
  }

  /**
   * Notes an event this side did not expect: for another connection, or of a kind it never asked
   * for.
   */
  void onStray(Object event) {
    violate("unexpected event " + event);
  }

  /** Returns how many bytes this side sends. */
  int bytesSent() {
    return outgoing.length;
  }

  /** Returns whether all this side's data went into the send buffer. */
  boolean allQueued() {
    return connection != null && !pending.hasRemaining();
  }

  /** Returns whether everything the peer sends has been read. */
  boolean receivedAll() {
    return received == expected.length;
  }

  /** {@code shutdown(SHUT_WR)}: a FIN after the queued data; this side goes on reading. */
  void shutDownOutput(long now) {
    shutDown = true;
    try {
      connection.close(now);
    } catch (TcpException e) {
      violate("close threw " + e.getMessage());
    }
  }

  /** {@code close()}: a FIN after the queued data, and this side reads no more. */
  void closeFully(long now) {
    shutDown = true;
    closedFully = true;
    try {
      connection.closeFully(now);
    } catch (TcpException e) {
      violate("closeFully threw " + e.getMessage());
    }
  }

  /** Returns the SHA-256 of what this side sends, in hex. */
  String sentSha256() {
    return HexFormat.of().formatHex(sha256().digest(outgoing));
  }

  /** Returns the SHA-256 of what this side read, in hex (once; the digest resets). */
  String receivedSha256() {
    return HexFormat.of().formatHex(receivedDigest.digest());
  }

  private void write(long now) {
    if (connection == null || shutDown || closedEvents > 0 || !pending.hasRemaining()) return;
    try {
      connection.send(pending, now);
    } catch (TcpException e) {
      violate("send threw " + e.getMessage());
    }
  }

  private void read(long now) {
    if (connection == null || closedFully || endOfStream) return;
    try {
      int n;
      while ((n = connection.receive(readBuffer.clear(), now)) > 0) {
        check(readBuffer.array(), n);
      }
      if (n < 0) endOfStream = true;
    } catch (TcpException e) {
      violate("receive threw " + e.getMessage());
    }
  }

  private void check(byte[] data, int n) {
    receivedDigest.update(data, 0, n);
    if (firstMismatch < 0) {
      int comparable = (int) Math.min(n, expected.length - received);
      int at =
          Arrays.mismatch(
              data, 0, comparable, expected, (int) received, (int) received + comparable);
      if (at >= 0) {
        firstMismatch = received + at;
      } else if (comparable < n) {
        firstMismatch = expected.length; // more bytes than the peer sent
      }
    }
    received += n;
  }

  private void violate(String what) {
    if (violation == null) violation = name + ": " + what;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
