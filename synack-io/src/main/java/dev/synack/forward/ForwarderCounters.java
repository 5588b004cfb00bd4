package dev.synack.forward;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What a {@link Forwarder} counted; safe to read from any thread. */
public final class ForwarderCounters {
  final AtomicLong tcpOpened = new AtomicLong();
  final AtomicLong tcpRefused = new AtomicLong();
  final AtomicLong tcpUnreachable = new AtomicLong();
  final AtomicLong tcpTimedOut = new AtomicLong();
  final AtomicLong tcpOverLimit = new AtomicLong();
  final AtomicLong tcpReset = new AtomicLong();
  final AtomicLong tcpClosed = new AtomicLong();
  final AtomicLong tcpActive = new AtomicLong();
  final AtomicLong bytesToHost = new AtomicLong();
  final AtomicLong bytesFromHost = new AtomicLong();
  final AtomicLong udpFlows = new AtomicLong();
  final AtomicLong udpActive = new AtomicLong();
  final AtomicLong udpOverLimit = new AtomicLong();
  final AtomicLong udpDatagramsOut = new AtomicLong();
  final AtomicLong udpDatagramsIn = new AtomicLong();
  final AtomicLong udpDropped = new AtomicLong();
  final AtomicLong udpSocksFragments = new AtomicLong();
  final AtomicLong udpUnreachables = new AtomicLong();
  final AtomicLong icmpRequests = new AtomicLong();
  final AtomicLong icmpReplies = new AtomicLong();
  final AtomicLong icmpDropped = new AtomicLong();
  final AtomicLong icmpAnsweredLocally = new AtomicLong();
  final AtomicLong relayBytes = new AtomicLong();
  final AtomicLong relayBytesPeak = new AtomicLong();
  final AtomicLong relayOverBudget = new AtomicLong();
  final AtomicLong relayBuffers = new AtomicLong();

  /** Host connections made and UDP mappings opened, per loop of the forwarder. */
  final AtomicLongArray tcpOpenedByLoop;

  final AtomicLongArray udpFlowsByLoop;

  ForwarderCounters(int loops) {
    this.tcpOpenedByLoop = new AtomicLongArray(loops);
    this.udpFlowsByLoop = new AtomicLongArray(loops);
  }

  /** Returns the number of loops the forwarder runs, each counted on its own below. */
  public int loops() {
    return tcpOpenedByLoop.length();
  }

  /** Returns host connections made by loop {@code loop} (the loop that owns their 4-tuple). */
  public long tcpOpened(int loop) {
    return tcpOpenedByLoop.get(loop);
  }

  /** Returns UDP mappings opened by loop {@code loop}. */
  public long udpFlows(int loop) {
    return udpFlowsByLoop.get(loop);
  }

  /** Returns host connections made (the client's handshake then completed). */
  public long tcpOpened() {
    return tcpOpened.get();
  }

  /** Returns SYNs answered with a RST because the host connection was refused. */
  public long tcpRefused() {
    return tcpRefused.get();
  }

  /** Returns SYNs whose destination was unreachable (answered by ICMP, or silence by option). */
  public long tcpUnreachable() {
    return tcpUnreachable.get();
  }

  /** Returns SYNs whose host connection timed out. */
  public long tcpTimedOut() {
    return tcpTimedOut.get();
  }

  /** Returns SYNs dropped because the connection limit was reached. */
  public long tcpOverLimit() {
    return tcpOverLimit.get();
  }

  /** Returns relayed connections ended by a reset (either side) or an idle timeout. */
  public long tcpReset() {
    return tcpReset.get();
  }

  /** Returns relayed connections ended in order (FIN both ways). */
  public long tcpClosed() {
    return tcpClosed.get();
  }

  /** Returns host connections open now (connecting or relaying). */
  public long tcpActive() {
    return tcpActive.get();
  }

  /** Returns bytes relayed from synack's clients to host sockets. */
  public long bytesToHost() {
    return bytesToHost.get();
  }

  /** Returns bytes relayed from host sockets to synack's clients. */
  public long bytesFromHost() {
    return bytesFromHost.get();
  }

  /** Returns UDP mappings made. */
  public long udpFlows() {
    return udpFlows.get();
  }

  /** Returns UDP mappings open now. */
  public long udpActive() {
    return udpActive.get();
  }

  /** Returns datagrams of new flows dropped because the UDP flow limit was reached. */
  public long udpOverLimit() {
    return udpOverLimit.get();
  }

  /** Returns datagrams relayed to host sockets. */
  public long udpDatagramsOut() {
    return udpDatagramsOut.get();
  }

  /** Returns datagrams relayed back from host sockets. */
  public long udpDatagramsIn() {
    return udpDatagramsIn.get();
  }

  /** Returns datagrams dropped (a host socket's buffer full, a send error). */
  public long udpDropped() {
    return udpDropped.get();
  }

  /**
   * Returns datagrams from a SOCKS5 relay dropped for their FRAG field, not 0 (RFC 1928 §7: no
   * reassembly here).
   */
  public long udpSocksFragments() {
    return udpSocksFragments.get();
  }

  /**
   * Returns ICMP errors (port, host, network unreachable) that destinations drew and that were
   * relayed back to clients.
   */
  public long udpUnreachables() {
    return udpUnreachables.get();
  }

  /** Returns echo requests sent on through ICMP sockets. */
  public long icmpRequests() {
    return icmpRequests.get();
  }

  /** Returns echo replies relayed back to clients. */
  public long icmpReplies() {
    return icmpReplies.get();
  }

  /**
   * Returns echo requests dropped (the flow limit, a full socket send buffer, a send error such as
   * no route).
   */
  public long icmpDropped() {
    return icmpDropped.get();
  }

  /** Returns echo requests synack answered itself because the host allows no ICMP sockets. */
  public long icmpAnsweredLocally() {
    return icmpAnsweredLocally.get();
  }

  /** Returns the relay buffer bytes held now over all flows. */
  public long relayBytes() {
    return relayBytes.get();
  }

  /** Returns the most relay buffer bytes held at once. */
  public long relayBytesPeak() {
    return relayBytesPeak.get();
  }

  /**
   * Returns the relay buffers TCP flows hold now: bytes one side did not take yet, kept until it
   * does (an idle or flowing connection holds none; a backlogged one one per direction at most).
   */
  public long relayBuffers() {
    return relayBuffers.get();
  }

  /**
   * Returns times the bound on relay buffer bytes refused bytes (a TCP flow then waits, a datagram
   * is dropped).
   */
  public long relayOverBudget() {
    return relayOverBudget.get();
  }

  @Override
  public String toString() {
    return "tcp: opened "
        + tcpOpened()
        + ", refused "
        + tcpRefused()
        + ", unreachable "
        + tcpUnreachable()
        + ", timed out "
        + tcpTimedOut()
        + ", over limit "
        + tcpOverLimit()
        + ", closed "
        + tcpClosed()
        + ", reset "
        + tcpReset()
        + ", active "
        + tcpActive()
        + ", bytes to host "
        + bytesToHost()
        + ", from host "
        + bytesFromHost()
        + "; udp: flows "
        + udpFlows()
        + ", active "
        + udpActive()
        + ", over limit "
        + udpOverLimit()
        + ", datagrams out "
        + udpDatagramsOut()
        + ", in "
        + udpDatagramsIn()
        + ", dropped "
        + udpDropped()
        + ", SOCKS5 fragments "
        + udpSocksFragments()
        + ", unreachables relayed "
        + udpUnreachables()
        + "; icmp: requests "
        + icmpRequests()
        + ", replies "
        + icmpReplies()
        + ", dropped "
        + icmpDropped()
        + ", answered locally "
        + icmpAnsweredLocally()
        + "; relay buffers: "
        + relayBuffers()
        + " holding "
        + relayBytes()
        + " B, peak "
        + relayBytesPeak()
        + " B, over budget "
        + relayOverBudget()
        + (loops() > 1
            ? "; per loop: tcp opened "
                + perLoop(tcpOpenedByLoop)
                + ", udp flows "
                + perLoop(udpFlowsByLoop)
            : "");
  }

  private static String perLoop(AtomicLongArray counts) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < counts.length(); i++) b.append(i == 0 ? "" : "/").append(counts.get(i));
    return b.toString();
  }
}
