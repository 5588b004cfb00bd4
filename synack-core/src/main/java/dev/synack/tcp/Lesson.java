package dev.synack.tcp;

/**
 * A deliberate break from RFC 9293 that a lesson runs to show what a rule prevents: never a
 * default, never for real traffic. {@code synack demo --scenario why-three-way} and {@code
 * why-time-wait} run each beside the real engine on the same simulated network.
 */
public enum Lesson {
  /** The real protocol: no break. */
  NONE,
  /**
   * A two-message handshake, as the articles imagine it: a listener's connection enters ESTABLISHED
   * as it answers a SYN, and a client's as it takes the SYN-ACK; nothing answers a SYN-ACK, neither
   * a third message nor a RST, so the client can no longer refuse a connection an old duplicate SYN
   * opened (RFC 9293 §3.5 is what this breaks).
   */
  TWO_MESSAGE_HANDSHAKE,
  /**
   * TIME-WAIT cut to zero: the end that closes first deletes its TCB at once instead of waiting 2
   * MSL, so the same 4-tuple can be used again while old segments still live (RFC 9293 §3.4.2 and
   * §3.10.7.4 are what this breaks).
   */
  NO_TIME_WAIT
}
