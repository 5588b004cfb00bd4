package dev.synack.tcp;

/**
 * The answer to STATUS (RFC 9293 §3.10.6): the connection's state and its TCB variables. Sequence
 * numbers are unsigned 32-bit values in {@code int}s.
 *
 * @param id the local and foreign sockets
 * @param state the connection state
 * @param iss ISS, our initial send sequence number
 * @param sndUna SND.UNA, the oldest unacknowledged sequence number
 * @param sndNxt SND.NXT, the next sequence number to send
 * @param sndWnd SND.WND, the peer's window in bytes (scaled)
 * @param irs IRS, the peer's initial sequence number (0 before its SYN)
 * @param rcvNxt RCV.NXT, the next sequence number expected
 * @param rcvWnd RCV.WND, the window offered to the peer in bytes
 * @param sendQueued bytes queued to send or awaiting acknowledgment
 * @param receiveQueued bytes received and not yet read
 * @param effectiveMss the payload bytes per segment (Eff.snd.MSS, RFC 9293 §3.7.1, less the
 *     timestamps option)
 * @param rtoNanos the retransmission timeout (RFC 6298)
 * @param srttNanos the smoothed round-trip time, 0 before a sample
 */
public record Status(
    FourTuple id,
    TcpState state,
    int iss,
    int sndUna,
    int sndNxt,
    int sndWnd,
    int irs,
    int rcvNxt,
    int rcvWnd,
    int sendQueued,
    int receiveQueued,
    int effectiveMss,
    long rtoNanos,
    long srttNanos) {}
