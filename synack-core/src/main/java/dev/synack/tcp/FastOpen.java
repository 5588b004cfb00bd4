package dev.synack.tcp;

import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection's TCP Fast Open (RFC 7413): what its SYN or SYN-ACK carries in the Fast Open option,
 * and what became of data sent or received on a SYN. Made only for a connection that uses Fast
 * Open: most connections hold none.
 *
 * <p>A client ({@link #client}) sends a cookie request (an option without a cookie, RFC 7413
 * §4.1.2) or the cookie the stack cached for the server; with a cookie its SYN carries the data
 * written before it left (§4.2.1). A server ({@link #server}) has been told by the stack, which
 * holds the key, whether the SYN's cookie is valid (then the SYN's data is taken at once, §4.2.2)
 * and which cookie its SYN-ACK offers.
 */
final class FastOpen {
  /**
   * RFC 7413 §4.1.1: a cookie is 4 to 16 bytes; Linux also wants an even length ({@code
   * tcp_parse_fastopen_option}).
   */
  static final int MIN_COOKIE = 4;

  static final int MAX_COOKIE = 16;

  /**
   * Linux's {@code MAX_TCP_OPTION_SPACE}: data on a SYN leaves room for every option a SYN may
   * carry, so that the segment stays within the MSS whatever the options ({@code
   * tcp_send_syn_data}).
   */
  static final int SYN_OPTION_ROOM = 40;

  /**
   * The cookie our SYN sends (empty: a cookie request), or the one our SYN-ACK offers; null for
   * none.
   */
  private final byte[] cookie;

  /** Whether our option takes the experimental form (kind 254, ExID 0xF989). */
  private final boolean experimental;

  /** Server: whether the peer's SYN had a valid cookie, so that its data is taken. */
  private final boolean takeSynData;

  /** Client: whether data may ride on our SYN (a cookie, or the server takes data without one). */
  private final boolean sendSynData;

  /** Client: whether the server's SYN-ACK acknowledged the SYN's data. */
  boolean synDataAcked;

  /** Client: the cookie the server's SYN-ACK offered, null if none. */
  byte[] cookieReceived;

  /** Server: data bytes the peer's SYN carried that were taken. */
  int synDataTaken;

  private FastOpen(byte[] cookie, boolean experimental, boolean takeSynData, boolean sendSynData) {
    this.cookie = cookie;
    this.experimental = experimental;
    this.takeSynData = takeSynData;
    this.sendSynData = sendSynData;
  }

  /**
   * Returns a client's Fast Open: {@code cookie} empty asks for a cookie; otherwise it is sent, and
   * data rides on the SYN. {@code dataWithoutCookie} sends the data with a request or no option at
   * all (Linux's {@code TFO_CLIENT_NO_COOKIE}, 0x4), {@code cookie} then being null.
   */
  static FastOpen client(byte[] cookie, boolean experimental, boolean dataWithoutCookie) {
    boolean data = dataWithoutCookie || (cookie != null && cookie.length > 0);
    return new FastOpen(cookie == null ? null : cookie.clone(), experimental, false, data);
  }

  /**
   * Returns a server's Fast Open: {@code takeSynData} when the SYN's cookie was valid; {@code
   * cookie} (null for none) goes in the SYN-ACK.
   */
  static FastOpen server(boolean takeSynData, byte[] cookie, boolean experimental) {
    return new FastOpen(cookie == null ? null : cookie.clone(), experimental, takeSynData, false);
  }

  /**
   * Returns whether a cookie of this length is one a client keeps and a server checks (RFC 7413
   * §4.1.1, Linux).
   */
  static boolean validLength(int length) {
    return length >= MIN_COOKIE && length <= MAX_COOKIE && (length & 1) == 0;
  }

  /** Returns how many bytes may ride on a SYN to a peer whose MSS is taken to be {@code mss}. */
  int synDataRoom(int mss) {
    return sendSynData ? Math.max(0, mss - SYN_OPTION_ROOM) : 0;
  }

  boolean takesSynData() {
    return takeSynData;
  }

  /**
   * Returns whether a server in SYN-RECEIVED may send data: only when it took the SYN's data (RFC
   * 7413 §4.2.2: "the server MAY send data ... before the handshake completes", bounded by the
   * initial window; Linux's {@code tcp_sendmsg} lets a passive Fast Open socket write at once). A
   * plain SYN-RECEIVED sends no data before the peer's ACK (RFC 9293 §3.10.2 queues it).
   */
  static boolean serverMaySend(TcpConnection c) {
    return c.fastOpen != null && c.fastOpen.takeSynData && c.origin == TcpConnection.Origin.ACCEPT;
  }

  /**
   * Returns a SYN's (or SYN-ACK's) options with our Fast Open option added at the end, two NOPs
   * after it when its length is 2 mod 4, as Linux's {@code tcp_options_write}; unchanged when we
   * send none, or when it would not fit in the 40 bytes. A retransmitted SYN keeps the option (and
   * loses the data), as Linux's regular SYN that stays queued behind the SYN-data ({@code
   * tcp_send_syn_data}).
   */
  TcpOptions addTo(TcpOptions options) {
    if (cookie == null) return options;
    TcpOption.FastOpen option = new TcpOption.FastOpen(cookie, experimental);
    List<TcpOption> list = new ArrayList<>(options.list());
    list.add(option);
    if ((option.encodedLength() & 3) == 2) {
      list.add(TcpOption.NOP);
      list.add(TcpOption.NOP);
    }
    TcpOptions with = new TcpOptions(list);
    return (with.encodedLength() + 3) / 4 * 4 <= SYN_OPTION_ROOM ? with : options;
  }

  /**
   * Takes the server's SYN-ACK (client, RFC 7413 §4.2.1): keeps a cookie it offers, and notes
   * whether it acknowledged our SYN's data. Returns whether data sent on the SYN is still
   * unacknowledged, which the sender must then retransmit at once ({@code
   * tcp_rcv_fastopen_synack}).
   */
  boolean onSynAck(TcpSegment synAck, int iss, int synDataSent) {
    TcpOption.FastOpen option = synAck.options().fastOpen();
    if (option != null && validLength(option.cookie().length)) cookieReceived = option.cookie();
    if (synDataSent == 0) return false;
    synDataAcked = SeqNum.ge(synAck.acknowledgmentNumber(), SeqNum.add(iss, 1 + synDataSent));
    return !synDataAcked;
  }

  /** Returns a copy of the cookie the server offered, or null. */
  byte[] cookieReceived() {
    return cookieReceived == null ? null : cookieReceived.clone();
  }
}
