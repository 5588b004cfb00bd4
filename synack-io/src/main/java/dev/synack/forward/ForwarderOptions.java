package dev.synack.forward;

import dev.synack.trace.TraceSink;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * How a {@link Forwarder} behaves. Immutable; {@link #defaults()} gives Linux-like timeouts.
 *
 * @param maxConnections host connections open at once; a SYN beyond them is dropped and counted
 *     (the client retransmits)
 * @param maxHeldSyns SYNs waiting for their host connection at once (the host's held-SYN bound)
 * @param maxUdpFlows UDP mappings at once; a datagram of a new flow beyond them is dropped and
 *     counted
 * @param connectTimeout how long a host connection may take before the client is answered as
 *     unreachable
 * @param tcpIdleTimeout a relayed connection with no data either way for this long is reset both
 *     ways
 * @param udpTimeout a UDP mapping with no reply is closed after this idle time (conntrack's 30 s)
 * @param udpRepliedTimeout a UDP mapping that saw a reply is closed after this idle time
 *     (conntrack's 180 s)
 * @param silentUnreachable whether an unreachable or timed-out destination gets silence instead of
 *     the ICMP destination unreachable a router would send
 * @param log one line per flow (opened, bytes each way, how it ended), or null for none
 * @param trace the host's trace sink
 * @param socks5 a SOCKS5 proxy (RFC 1928) every TCP connection goes through with CONNECT and every
 *     UDP flow with UDP ASSOCIATE, or null for direct host sockets
 * @param socksUser the proxy's username (RFC 1929), or null for no authentication
 * @param socksPassword the proxy's password, with {@code socksUser}
 * @param icmpEcho what becomes of ping: echo requests relayed to their destination through
 *     unprivileged ICMP sockets, or answered by synack itself
 * @param maxBufferBytes relay buffer bytes held at once over all flows (a TCP flow's chunk in
 *     passing and what a side did not take yet, ICMP datagrams in passing); a TCP flow that would
 *     go beyond waits, its windows closing, until bytes are given back (counted); an ICMP datagram
 *     is dropped, counted
 */
public record ForwarderOptions(
    int maxConnections,
    int maxHeldSyns,
    int maxUdpFlows,
    Duration connectTimeout,
    Duration tcpIdleTimeout,
    Duration udpTimeout,
    Duration udpRepliedTimeout,
    boolean silentUnreachable,
    Consumer<String> log,
    TraceSink trace,
    InetSocketAddress socks5,
    String socksUser,
    String socksPassword,
    IcmpEcho icmpEcho,
    long maxBufferBytes) {

  /** What a forwarder does with echo requests (ping) to any destination. */
  public enum IcmpEcho {
    /**
     * Relayed through an unprivileged ICMP socket ({@code socket(AF_INET, SOCK_DGRAM,
     * IPPROTO_ICMP)}); where the host does not allow those ({@code net.ipv4.ping_group_range}),
     * answered by synack itself, counted, with one note.
     */
    RELAY,
    /** Answered by synack itself, from the address pinged: every destination seems up. */
    LOCAL
  }

  public ForwarderOptions {
    if (maxConnections < 1 || maxHeldSyns < 1 || maxUdpFlows < 1) {
      throw new IllegalArgumentException(
          "limits must be positive: " + maxConnections + ", " + maxHeldSyns + ", " + maxUdpFlows);
    }
    if (trace == null) trace = TraceSink.NONE;
    if (icmpEcho == null) icmpEcho = IcmpEcho.RELAY;
    if (maxBufferBytes < 0)
      throw new IllegalArgumentException("buffer bound must not be negative: " + maxBufferBytes);
    if ((socksUser == null) != (socksPassword == null))
      throw new IllegalArgumentException("SOCKS5 user and password go together");
  }

  /**
   * Returns the defaults: 4096 connections, 1024 held SYNs, 4096 UDP flows, connect 30 s, TCP idle
   * 2 h, UDP 30 s / 180 s, ping relayed, 256 MiB of relay buffers.
   */
  public static ForwarderOptions defaults() {
    return new Builder().build();
  }

  /** Returns a builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder().from(this);
  }

  /** Returns these options with a per-flow log. */
  public ForwarderOptions withLog(Consumer<String> newLog) {
    return toBuilder().log(newLog).build();
  }

  /** Returns these options with a trace sink. */
  public ForwarderOptions withTrace(TraceSink newTrace) {
    return toBuilder().trace(newTrace).build();
  }

  /** Returns these options with other limits. */
  public ForwarderOptions withLimits(int connections, int heldSyns, int udpFlows) {
    return toBuilder().limits(connections, heldSyns, udpFlows).build();
  }

  /** Returns these options with silence, not an ICMP error, for unreachable destinations. */
  public ForwarderOptions withSilentUnreachable(boolean silent) {
    return toBuilder().silentUnreachable(silent).build();
  }

  /** Returns these options with another connect timeout. */
  public ForwarderOptions withConnectTimeout(Duration timeout) {
    return toBuilder().connectTimeout(timeout).build();
  }

  /**
   * Returns these options with a SOCKS5 proxy for TCP (null for none), and its username and
   * password (null for none).
   */
  public ForwarderOptions withSocks5(InetSocketAddress proxy, String user, String password) {
    return toBuilder().socks5(proxy, user, password).build();
  }

  /** Returns these options with another way of handling ping. */
  public ForwarderOptions withIcmpEcho(IcmpEcho echo) {
    return toBuilder().icmpEcho(echo).build();
  }

  /** Returns these options with another bound on the relay buffer bytes held at once. */
  public ForwarderOptions withMaxBufferBytes(long bytes) {
    return toBuilder().maxBufferBytes(bytes).build();
  }

  /**
   * The values of {@link ForwarderOptions} set one by one, from the {@link
   * ForwarderOptions#defaults()} or from {@link ForwarderOptions#toBuilder()}; {@link #build()}
   * checks them all (in the record's constructor). Each setter's value is documented on the
   * record's component.
   */
  public static final class Builder {
    private int maxConnections = 4096;
    private int maxHeldSyns = 1024;
    private int maxUdpFlows = 4096;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration tcpIdleTimeout = Duration.ofHours(2);
    private Duration udpTimeout = Duration.ofSeconds(30);
    private Duration udpRepliedTimeout = Duration.ofMinutes(3);
    private boolean silentUnreachable;
    private Consumer<String> log;
    private TraceSink trace = TraceSink.NONE;
    private InetSocketAddress socks5;
    private String socksUser;
    private String socksPassword;
    private IcmpEcho icmpEcho = IcmpEcho.RELAY;
    private long maxBufferBytes = 256L << 20;

    private Builder() {}

    private Builder from(ForwarderOptions o) {
      return limits(o.maxConnections, o.maxHeldSyns, o.maxUdpFlows)
          .connectTimeout(o.connectTimeout)
          .idleTimeouts(o.tcpIdleTimeout, o.udpTimeout, o.udpRepliedTimeout)
          .silentUnreachable(o.silentUnreachable)
          .log(o.log)
          .trace(o.trace)
          .socks5(o.socks5, o.socksUser, o.socksPassword)
          .icmpEcho(o.icmpEcho)
          .maxBufferBytes(o.maxBufferBytes);
    }

    /** Sets the limits on connections, held SYNs and UDP flows, each positive. */
    public Builder limits(int connections, int heldSyns, int udpFlows) {
      this.maxConnections = connections;
      this.maxHeldSyns = heldSyns;
      this.maxUdpFlows = udpFlows;
      return this;
    }

    /** Sets {@link ForwarderOptions#connectTimeout()}. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Sets the idle timeouts of a TCP flow, a UDP mapping, and a UDP mapping that saw a reply. */
    public Builder idleTimeouts(Duration tcp, Duration udp, Duration udpReplied) {
      this.tcpIdleTimeout = tcp;
      this.udpTimeout = udp;
      this.udpRepliedTimeout = udpReplied;
      return this;
    }

    /** Sets {@link ForwarderOptions#silentUnreachable()}. */
    public Builder silentUnreachable(boolean silent) {
      this.silentUnreachable = silent;
      return this;
    }

    /** Sets {@link ForwarderOptions#log()}, null for none. */
    public Builder log(Consumer<String> log) {
      this.log = log;
      return this;
    }

    /** Sets {@link ForwarderOptions#trace()}. */
    public Builder trace(TraceSink trace) {
      this.trace = trace;
      return this;
    }

    /** Sets the SOCKS5 proxy (null for none) and its username and password (null for none). */
    public Builder socks5(InetSocketAddress proxy, String user, String password) {
      this.socks5 = proxy;
      this.socksUser = user;
      this.socksPassword = password;
      return this;
    }

    /** Sets {@link ForwarderOptions#icmpEcho()}. */
    public Builder icmpEcho(IcmpEcho echo) {
      this.icmpEcho = echo;
      return this;
    }

    /** Sets {@link ForwarderOptions#maxBufferBytes()}. */
    public Builder maxBufferBytes(long bytes) {
      this.maxBufferBytes = bytes;
      return this;
    }

    /** Returns the options, after the record's constructor has checked every value. */
    public ForwarderOptions build() {
      return new ForwarderOptions(
          maxConnections,
          maxHeldSyns,
          maxUdpFlows,
          connectTimeout,
          tcpIdleTimeout,
          udpTimeout,
          udpRepliedTimeout,
          silentUnreachable,
          log,
          trace,
          socks5,
          socksUser,
          socksPassword,
          icmpEcho,
          maxBufferBytes);
    }
  }
}
