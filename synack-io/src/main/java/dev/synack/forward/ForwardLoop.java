package dev.synack.forward;

import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostEvent;
import java.io.IOException;

/**
 * What one loop of a forwarder owns: its TCP and UDP relays, the readiness thread of their host
 * sockets ({@link Relay}), and the ICMP echo relay. Each loop of a group has its own, so that its
 * flows (the ones whose 4-tuple hashes to it) are relayed on its thread alone, with no lock between
 * loops; only the counters and the buffer budget are shared (both atomic).
 */
final class ForwardLoop implements AutoCloseable {
  final TcpRelay tcp;
  final UdpRelay udp;
  final Relay relay;

  /** The ICMP echo relay, or null when synack answers ping itself by option. */
  final IcmpRelay icmp;

  /** Makes a loop's relays; nothing runs until {@link #attach} and {@link #start}. */
  ForwardLoop(
      int index,
      int loops,
      ForwarderOptions options,
      ForwarderCounters counters,
      RelayBudget budget)
      throws IOException {
    String suffix = loops == 1 ? "" : "-" + index;
    this.tcp = new TcpRelay(options, counters, budget, index);
    this.udp = new UdpRelay(options, counters, index);
    this.icmp =
        options.icmpEcho() == ForwarderOptions.IcmpEcho.RELAY
            ? new IcmpRelay(counters, "synack-forward-icmp" + suffix)
            : null;
    Relay.Sweep[] sweeps =
        icmp == null ? new Relay.Sweep[] {tcp, udp} : new Relay.Sweep[] {tcp, udp, icmp};
    try {
      this.relay = new Relay("synack-forward-relay" + suffix, sweeps);
    } catch (IOException e) {
      if (icmp != null) icmp.close();
      throw e;
    }
    tcp.relay = relay;
    udp.relay = relay;
  }

  /**
   * Wires the relays to {@code driver}'s host and events, before the loop starts (so that no packet
   * comes before them): the SYN policy, the catch-all UDP endpoint and the echo relay.
   */
  void attach(HostDriver driver) {
    Host host = driver.host();
    relay.loop = driver;
    udp.host = host;
    host.setSynPolicy(tcp);
    udp.endpoint = host.bindUdpAll();
    if (icmp != null) {
      icmp.attach(driver);
      host.setEchoRelay(icmp);
    }
    driver.setEventListener(
        e -> {
          switch (e) {
            case HostEvent.OfConnection(var c, var event) -> tcp.onEvent(c, event, driver.now());
            case HostEvent.UdpReadable r -> udp.drain(driver.now());
            default -> {}
          }
        });
  }

  /** Starts the readiness threads, in the caller's network namespace (the loop's). */
  void start() {
    relay.start();
    if (icmp != null) icmp.start();
  }

  /**
   * Returns why the host sockets' readiness thread stopped by itself, or null (the ICMP relay's
   * trouble only stops ping, and its note says so).
   */
  Throwable failure() {
    return relay.failure();
  }

  /** Stops the readiness threads and closes every host socket; call once the loop has stopped. */
  @Override
  public void close() {
    try {
      relay.close();
    } finally {
      if (icmp != null) icmp.close();
    }
  }
}
