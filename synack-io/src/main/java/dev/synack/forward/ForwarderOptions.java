package dev.synack.forward;

import dev.synack.trace.TraceSink;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * How a {@link Forwarder} behaves. Immutable; {@link #defaults()} gives Linux-like timeouts.
 *
 * @param maxConnections    host connections open at once; a SYN beyond them is dropped and counted
 *                          (the client retransmits)
 * @param maxHeldSyns       SYNs waiting for their host connection at once (the host's held-SYN bound)
 * @param maxUdpFlows       UDP mappings at once; a datagram of a new flow beyond them is dropped and counted
 * @param connectTimeout    how long a host connection may take before the client is answered as unreachable
 * @param tcpIdleTimeout    a relayed connection with no data either way for this long is reset both ways
 * @param udpTimeout        a UDP mapping with no reply is closed after this idle time (conntrack's 30 s)
 * @param udpRepliedTimeout a UDP mapping that saw a reply is closed after this idle time (conntrack's 180 s)
 * @param silentUnreachable whether an unreachable or timed-out destination gets silence instead of the
 *                          ICMP destination unreachable a router would send
 * @param log               one line per flow (opened, bytes each way, how it ended), or null for none
 * @param trace             the host's trace sink
 * @param socks5            a SOCKS5 proxy (RFC 1928) every TCP connection goes through with CONNECT, or null
 *                          for direct host connections
 * @param socksUser         the proxy's username (RFC 1929), or null for no authentication
 * @param socksPassword     the proxy's password, with {@code socksUser}
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
    String socksPassword) {

  public ForwarderOptions {
    if (maxConnections < 1 || maxHeldSyns < 1 || maxUdpFlows < 1) {
      throw new IllegalArgumentException("limits must be positive: " + maxConnections + ", " + maxHeldSyns + ", " + maxUdpFlows);
    }
    if (trace == null) trace = TraceSink.NONE;
    if ((socksUser == null) != (socksPassword == null)) throw new IllegalArgumentException("SOCKS5 user and password go together");
  }

  /** Returns the defaults: 4096 connections, 1024 held SYNs, 4096 UDP flows, connect 30 s, TCP idle 2 h, UDP 30 s / 180 s. */
  public static ForwarderOptions defaults() {
    return new ForwarderOptions(4096, 1024, 4096, Duration.ofSeconds(30), Duration.ofHours(2), Duration.ofSeconds(30),
        Duration.ofSeconds(180), false, null, TraceSink.NONE, null, null, null);
  }

  /** Returns these options with a per-flow log. */
  public ForwarderOptions withLog(Consumer<String> newLog) {
    return new ForwarderOptions(maxConnections, maxHeldSyns, maxUdpFlows, connectTimeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silentUnreachable, newLog, trace, socks5, socksUser, socksPassword);
  }

  /** Returns these options with a trace sink. */
  public ForwarderOptions withTrace(TraceSink newTrace) {
    return new ForwarderOptions(maxConnections, maxHeldSyns, maxUdpFlows, connectTimeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silentUnreachable, log, newTrace, socks5, socksUser, socksPassword);
  }

  /** Returns these options with other limits. */
  public ForwarderOptions withLimits(int connections, int heldSyns, int udpFlows) {
    return new ForwarderOptions(connections, heldSyns, udpFlows, connectTimeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silentUnreachable, log, trace, socks5, socksUser, socksPassword);
  }

  /** Returns these options with silence, not an ICMP error, for unreachable destinations. */
  public ForwarderOptions withSilentUnreachable(boolean silent) {
    return new ForwarderOptions(maxConnections, maxHeldSyns, maxUdpFlows, connectTimeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silent, log, trace, socks5, socksUser, socksPassword);
  }

  /** Returns these options with another connect timeout. */
  public ForwarderOptions withConnectTimeout(Duration timeout) {
    return new ForwarderOptions(maxConnections, maxHeldSyns, maxUdpFlows, timeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silentUnreachable, log, trace, socks5, socksUser, socksPassword);
  }

  /** Returns these options with a SOCKS5 proxy for TCP (null for none), and its username and password (null for none). */
  public ForwarderOptions withSocks5(InetSocketAddress proxy, String user, String password) {
    return new ForwarderOptions(maxConnections, maxHeldSyns, maxUdpFlows, connectTimeout, tcpIdleTimeout, udpTimeout,
        udpRepliedTimeout, silentUnreachable, log, trace, proxy, user, password);
  }
}
