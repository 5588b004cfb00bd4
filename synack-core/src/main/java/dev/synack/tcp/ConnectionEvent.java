package dev.synack.tcp;

/** Something the user of a connection learns from {@link TcpConnection#pollEvent()}. */
public sealed interface ConnectionEvent {
  /** The connection reached ESTABLISHED (the OPEN call's success, RFC 9293 §3.10.1). */
  record Connected() implements ConnectionEvent {}

  /** Data arrived in order and can be read with {@link TcpConnection#receive}. */
  record Readable() implements ConnectionEvent {}

  /**
   * The {@link Readable} event the engine emits: it carries nothing, so every arrival of data emits
   * this one instance rather than a new one.
   */
  Readable READABLE = new Readable();

  /**
   * The peer marked urgent data up to a new point of the stream (RFC 9293 §3.8.5, MUST-32); it is
   * read in line with the rest, and {@link TcpConnection#urgentRemaining()} says how much is left.
   */
  record UrgentData() implements ConnectionEvent {}

  /** Send-buffer space freed after a {@link TcpConnection#send} took less than it was given. */
  record Writable() implements ConnectionEvent {}

  /**
   * The peer's FIN arrived: after the data already readable, the stream ends (RFC 9293 §3.10.7.4
   * eighth step).
   */
  record PeerFinReceived() implements ConnectionEvent {}

  /**
   * The peer acknowledged our FIN (FIN-WAIT-1 or CLOSING left for FIN-WAIT-2 or TIME-WAIT): all we
   * sent has arrived. A lingering close waits for this.
   */
  record FinAcknowledged() implements ConnectionEvent {}

  /**
   * The connection reached CLOSED and its TCB is gone.
   *
   * @param error why, or {@code null} for an orderly close
   */
  record Closed(TcpError error) implements ConnectionEvent {}
}
