package dev.synack.tcp;

/** What became of a segment given to {@link TcpConnection#handleSegment}. */
public enum Disposition {
  /** The connection processed (or dropped) the segment; nothing more for the caller to do. */
  CONSUMED,
  /**
   * A SYN arrived in TIME-WAIT that may open a new incarnation of the connection (RFC 9293
   * §3.10.7.4 note, RFC 1122 §4.2.2.13, RFC 6191): this TCB has closed itself, and the caller hands
   * the SYN to the listener, ideally with an ISS above {@link TcpConnection#nextIncarnationIss()}.
   */
  REOPEN
}
