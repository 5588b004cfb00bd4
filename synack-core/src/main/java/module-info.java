/**
 * The sans-IO core of synack: wire formats, the TCP protocol engine, the host stack, the simulated
 * network and traces. It needs nothing but {@code java.base}, and uses no threads, clocks, sockets
 * or native access: time comes in as {@code now}, output goes out through {@code poll*} methods.
 */
module dev.synack.core {
  exports dev.synack.wire;
  exports dev.synack.tcp;
  exports dev.synack.stack;
  exports dev.synack.trace;
  exports dev.synack.sim;
}
