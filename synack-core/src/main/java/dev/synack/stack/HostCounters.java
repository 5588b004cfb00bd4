package dev.synack.stack;

import dev.synack.wire.ReasonCode;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a host counted: packets in and out and every reason a packet was dropped, like the counters
 * of Linux's {@code nstat}. Drops are counted under the stable codes ({@link ReasonCode}) of the
 * wire parsers ({@link dev.synack.wire.MalformedReason}), of the host itself ({@link
 * HostDropReason}) and of its connections' engines ({@link dev.synack.trace.DropReason}), whose
 * {@code drop} trace events quote the rule (e.g. RFC 5961's).
 */
public final class HostCounters {
  long packetsIn;
  long packetsOut;
  long activeOpens;
  long passiveOpens;
  long resetsSent;
  long listenOverflows;
  long synQueueFullDrops;
  long syncookiesSent;
  long cookieSynAckTemplates;
  long syncookiesValidated;
  long syncookiesFailed;
  long echoReplies;
  long echoRelayed;
  long icmpErrorsDelivered;
  long malformed;
  long checksumsTrusted;
  long synsHeld;
  long udpDatagramsIn;
  long udpDatagramsOut;
  long unreachablesSent;
  long fragmentsIn;
  long datagramsReassembled;
  long fragmentsOut;
  long datagramsFragmented;
  long fragmentationRefused;
  long fastOpenActive;
  long fastOpenActiveFail;
  long fastOpenPassive;
  long fastOpenPassiveFail;
  long fastOpenPassiveAltKey;
  long fastOpenCookieRequested;
  long fastOpenListenOverflow;
  long fastOpenBlackhole;
  long timeExceededSent;
  private final Map<String, Long> drops = new TreeMap<>();

  private void drop(String reason) {
    drops.merge(reason, 1L, Long::sum);
  }

  /**
   * Returns the SYN-ACK templates the cookie path made: one per listener and shape of SYN (family,
   * timestamps, SACK-permitted, window scale) answered through the engine, whose SYN-ACK every
   * later cookie of that shape is written from ({@link CookieSynAcks}).
   */
  public long cookieSynAckTemplates() {
    return cookieSynAckTemplates;
  }

  void drop(ReasonCode reason) {
    drop(reason.code());
  }

  /** Returns packets received. */
  public long packetsIn() {
    return packetsIn;
  }

  /**
   * Returns the packets dropped because they did not parse: bad checksums, lengths or header fields
   * (each also counted under its reason).
   */
  public long malformed() {
    return malformed;
  }

  /** Returns packets sent. */
  public long packetsOut() {
    return packetsOut;
  }

  /** Returns connections opened actively (connect). */
  public long activeOpens() {
    return activeOpens;
  }

  /** Returns connections opened passively (a SYN admitted by a listener). */
  public long passiveOpens() {
    return passiveOpens;
  }

  /** Returns RSTs sent for segments that no connection owned. */
  public long resetsSent() {
    return resetsSent;
  }

  /**
   * Returns SYNs, and ACKs returning a valid SYN cookie, dropped because a listener's accept queue
   * was full (Linux's ListenOverflows).
   */
  public long listenOverflows() {
    return listenOverflows;
  }

  /**
   * Returns SYNs dropped because the SYN queue was full and SYN cookies were off (Linux's
   * TCPReqQFullDrop).
   */
  public long synQueueFullDrops() {
    return synQueueFullDrops;
  }

  /** Returns SYN-ACKs sent with a SYN cookie (Linux's SyncookiesSent). */
  public long syncookiesSent() {
    return syncookiesSent;
  }

  /** Returns ACKs that returned a valid SYN cookie (Linux's SyncookiesRecv). */
  public long syncookiesValidated() {
    return syncookiesValidated;
  }

  /**
   * Returns ACKs to a listener that sent cookies recently whose cookie was not valid (Linux's
   * SyncookiesFailed).
   */
  public long syncookiesFailed() {
    return syncookiesFailed;
  }

  /** Returns ICMP echo replies sent. */
  public long echoReplies() {
    return echoReplies;
  }

  /** Returns echo requests handed to the {@link EchoRelay}. */
  public long echoRelayed() {
    return echoRelayed;
  }

  /** Returns ICMP errors a connection acted on (aborted, remembered, or lowered its MSS for). */
  public long icmpErrorsDelivered() {
    return icmpErrorsDelivered;
  }

  /**
   * Returns the TCP segments taken without verifying their checksum, because the link vouched for
   * it (checksumUnnecessary).
   */
  public long checksumsTrusted() {
    return checksumsTrusted;
  }

  /** Returns SYNs held for the host's {@link SynPolicy}. */
  public long synsHeld() {
    return synsHeld;
  }

  /**
   * Returns ICMP destination-unreachable errors the host sent (closed UDP ports, SYNs the policy
   * answered so).
   */
  public long unreachablesSent() {
    return unreachablesSent;
  }

  /** Returns UDP datagrams delivered to an endpoint (Linux's Udp InDatagrams). */
  public long udpDatagramsIn() {
    return udpDatagramsIn;
  }

  /** Returns UDP datagrams sent (Linux's Udp OutDatagrams). */
  public long udpDatagramsOut() {
    return udpDatagramsOut;
  }

  /** Returns IPv4 and IPv6 fragments received for reassembly (Linux's ReasmReqds). */
  public long fragmentsIn() {
    return fragmentsIn;
  }

  /** Returns datagrams put back together from fragments (Linux's ReasmOKs). */
  public long datagramsReassembled() {
    return datagramsReassembled;
  }

  /** Returns fragments the host made of its own datagrams (Linux's FragCreates). */
  public long fragmentsOut() {
    return fragmentsOut;
  }

  /** Returns datagrams the host sent as fragments (Linux's FragOKs). */
  public long datagramsFragmented() {
    return datagramsFragmented;
  }

  /**
   * Returns datagrams not sent because they were larger than the MTU and might not be fragmented
   * (Linux's FragFails).
   */
  public long fragmentationRefused() {
    return fragmentationRefused;
  }

  /** Returns active opens whose SYN's data the server acknowledged (Linux's TCPFastOpenActive). */
  public long fastOpenActive() {
    return fastOpenActive;
  }

  /**
   * Returns active opens whose SYN's data went unacknowledged and was resent (Linux's
   * TCPFastOpenActiveFail).
   */
  public long fastOpenActiveFail() {
    return fastOpenActiveFail;
  }

  /**
   * Returns SYNs whose Fast Open cookie was valid, or data taken without one (Linux's
   * TCPFastOpenPassive).
   */
  public long fastOpenPassive() {
    return fastOpenPassive;
  }

  /** Returns SYNs with an invalid Fast Open cookie (Linux's TCPFastOpenPassiveFail). */
  public long fastOpenPassiveFail() {
    return fastOpenPassiveFail;
  }

  /**
   * Returns valid Fast Open cookies made with the backup key (Linux's TCPFastOpenPassiveAltKey).
   */
  public long fastOpenPassiveAltKey() {
    return fastOpenPassiveAltKey;
  }

  /** Returns SYNs asking for a Fast Open cookie (Linux's TCPFastOpenCookieReqd). */
  public long fastOpenCookieRequested() {
    return fastOpenCookieRequested;
  }

  /**
   * Returns Fast Open SYNs handled as plain ones because the listener's Fast Open queue was full
   * (Linux's TCPFastOpenListenOverflow).
   */
  public long fastOpenListenOverflow() {
    return fastOpenListenOverflow;
  }

  /**
   * Returns the times client Fast Open was paused for a suspected blackhole (Linux's
   * TCPFastOpenBlackhole).
   */
  public long fastOpenBlackhole() {
    return fastOpenBlackhole;
  }

  /**
   * Returns ICMP time exceeded errors sent for datagrams whose reassembly timed out (RFC 792, RFC
   * 8200 §4.5).
   */
  public long timeExceededSent() {
    return timeExceededSent;
  }

  /**
   * Returns the number of packets dropped for a reason, by its code: a {@link HostDropReason}'s, a
   * {@link dev.synack.trace.DropReason}'s or a wire parser's.
   */
  public long dropped(String reason) {
    return drops.getOrDefault(reason, 0L);
  }

  /**
   * Returns the number of packets dropped for {@code reason}: a {@link HostDropReason}, a {@link
   * dev.synack.wire.MalformedReason} or a {@link dev.synack.trace.DropReason}.
   */
  public long dropped(ReasonCode reason) {
    return dropped(reason.code());
  }

  /** Returns every drop reason seen with its count, sorted by reason. */
  public Map<String, Long> drops() {
    return Map.copyOf(drops);
  }

  /** Returns the total of dropped packets. */
  public long droppedTotal() {
    long n = 0;
    for (long v : drops.values()) n += v;
    return n;
  }

  @Override
  public String toString() {
    return "in "
        + packetsIn
        + ", out "
        + packetsOut
        + ", active opens "
        + activeOpens
        + ", passive opens "
        + passiveOpens
        + ", resets sent "
        + resetsSent
        + ", listen overflows "
        + listenOverflows
        + ", SYN queue full drops "
        + synQueueFullDrops
        + ", syncookies sent "
        + syncookiesSent
        + " validated "
        + syncookiesValidated
        + " failed "
        + syncookiesFailed
        + ", drops "
        + drops;
  }
}
