package dev.synack.tcp;

/**
 * What the handshake settled (RFC 9293 §3.7.1, RFC 7323, RFC 2018): the options both SYNs carried,
 * as TCP_INFO's {@code tcpi_options} and {@code tcpi_snd_wscale} report them.
 *
 * @param windowScale whether window scaling is in use
 * @param sendShift the shift applied to the windows the peer sends (its option)
 * @param receiveShift the shift applied to the windows we send (our option)
 * @param sack whether SACK is permitted both ways
 * @param timestamps whether every segment carries timestamps
 * @param peerMss the peer's MSS option, or the default when it sent none
 */
public record NegotiatedOptions(
    boolean windowScale,
    int sendShift,
    int receiveShift,
    boolean sack,
    boolean timestamps,
    int peerMss) {}
