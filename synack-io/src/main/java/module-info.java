/**
 * Real-time side of synack: links (TUN through FFM, UDP tunnel, simulated network in real time,
 * pcap tap), the event-loop driver that owns a stack and its readiness waiters, the blocking socket
 * API, and NIO channels and selectors over synack (a SelectorProvider).
 */
module dev.synack.io {
  requires transitive dev.synack.core;
  requires static jdk.net;

  exports dev.synack.link;
  exports dev.synack.runtime;
  exports dev.synack.socket;
  exports dev.synack.forward;
  exports dev.synack.nio;
}
