package dev.synack.tcp;

/**
 * An ICMP error about one of a connection's segments, as the stack read it from an ICMPv4 or ICMPv6
 * message and the TCP header it quotes (RFC 1122 §4.2.3.9, RFC 5927). The stack maps the ICMP type
 * and code to one of these; {@link TcpConnection#handleIcmpError} decides what it means in the
 * connection's state.
 */
public sealed interface IcmpError {

  /** Returns SEG.SEQ of the quoted segment, which must lie in SND.UNA..SND.NXT (RFC 5927 §4.1). */
  int quotedSequence();

  /**
   * The peer cannot be reached (destination unreachable, time exceeded).
   *
   * @param error what the user learns: {@link TcpError#CONNECTION_REFUSED}, {@link
   *     TcpError#HOST_UNREACHABLE} or {@link TcpError#NETWORK_UNREACHABLE}
   * @param hard whether the error is hard, the condition unlikely to clear (RFC 1122 §4.2.3.9:
   *     protocol and port unreachable; RFC 1812 §5.2.7.1: administratively prohibited), which
   *     Linux's {@code icmp_err_convert} calls "fatal"
   */
  record Unreachable(TcpError error, boolean hard, int quotedSequence) implements IcmpError {
    public Unreachable {
      if (error == null) throw new IllegalArgumentException("error is null");
    }
  }

  /**
   * The path carries packets of at most {@code mtu} bytes: ICMPv4 fragmentation needed and DF set
   * (RFC 1191 §4) or ICMPv6 packet too big (RFC 8201 §4).
   */
  record PacketTooBig(int mtu, int quotedSequence) implements IcmpError {}

  /** What a connection did with an error, for the stack's counters and trace. */
  enum Outcome {
    /**
     * The handshake failed: the connection is CLOSED with the error (or a half-open passive one is
     * gone).
     */
    ABORTED,
    /**
     * A soft error in a synchronized state: kept, and reported instead of "timed out" if the
     * connection times out.
     */
    REMEMBERED,
    /** The path MTU fell: the MSS is lowered and the data in flight is resent at the new size. */
    MSS_LOWERED,
    /** The quoted sequence number is not in SND.UNA..SND.NXT: likely forged (RFC 5927 §4.1). */
    OUT_OF_WINDOW,
    /** Nothing to do in this state, or a packet-too-big that lowers nothing. */
    IGNORED
  }
}
