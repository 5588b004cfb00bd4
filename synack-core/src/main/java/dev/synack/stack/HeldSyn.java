package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.TcpSegment;

/**
 * A SYN a {@link SynPolicy} is deciding about, held by the host until it is answered once: accept
 * (the handshake completes), refuse (RST), drop (silence), or an ICMP destination unreachable.
 * After the first answer, or once the peer gave up with a RST, further answers do nothing.
 */
public final class HeldSyn implements Attachable {
  private final PassiveOpens endpoints;
  private final FourTuple id;

  /** The SYN's datagram, a copy the host owns, to accept from or to quote in an ICMP error. */
  final IpDatagram datagram;

  final TcpSegment syn;
  private boolean answered;
  private Object attachment;

  HeldSyn(PassiveOpens endpoints, FourTuple id, IpDatagram datagram, TcpSegment syn) {
    this.endpoints = endpoints;
    this.id = id;
    this.datagram = datagram;
    this.syn = syn;
  }

  /**
   * Returns the connection's addresses and ports as seen from the host: local is where the peer
   * sent the SYN.
   */
  public FourTuple id() {
    return id;
  }

  /** Returns the MSS the peer announced, or -1 if none. */
  public int peerMss() {
    return syn.options().mss();
  }

  /** Returns whether the SYN still waits for an answer. */
  public boolean isPending() {
    return !answered;
  }

  /**
   * Completes the handshake: the host answers with a SYN-ACK from the address the peer used and
   * returns the connection, in SYN_RECEIVED; its {@code Connected} event comes through {@link
   * Host#pollEvent} when the peer's ACK arrives. Returns null if the SYN was answered already or
   * the peer reset it.
   */
  public Connection accept(long now) {
    if (!answer()) return null;
    return endpoints.acceptHeld(this, now);
  }

  /**
   * Refuses the connection with a RST (RFC 9293 §3.10.7.1, as a closed port): the peer sees
   * ECONNREFUSED.
   */
  public void refuse(long now) {
    if (answer()) endpoints.refuseHeld(this, now);
  }

  /** Forgets the SYN without a word: the peer retransmits until it times out. */
  public void drop(long now) {
    if (answer()) endpoints.dropHeld(this, now);
  }

  /**
   * Answers with an ICMP destination unreachable of {@code code}, quoting the SYN, as the router
   * that could not reach the destination would: for IPv4 (RFC 792) 0 net, 1 host, 3 port, 13
   * administratively prohibited; for IPv6 (RFC 4443 §3.1) 0 no route, 1 administratively
   * prohibited, 3 address unreachable, 4 port unreachable.
   */
  public void unreachable(int code, long now) {
    if ((code & ~0xff) != 0)
      throw new IllegalArgumentException("code out of range 0..255: " + code);
    if (answer()) endpoints.unreachableHeld(this, code, now);
  }

  /** Marks the SYN answered by the peer's own RST: later answers do nothing. */
  void cancel() {
    answered = true;
  }

  private boolean answer() {
    if (answered) return false;
    answered = true;
    return true;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attach(Object value) {
    this.attachment = value;
  }

  @Override
  public String toString() {
    return "HeldSyn[" + id + (answered ? ", answered" : "") + "]";
  }
}
