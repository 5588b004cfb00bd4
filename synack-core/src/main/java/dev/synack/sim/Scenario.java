package dev.synack.sim;

/**
 * The connections {@code synack demo} runs, each the real behaviour behind a figure of the
 * articles or of RFC 9293. The names are the CLI's {@code --scenario} values.
 */
public enum Scenario {
  /** Handshake, a little data each way, teardown with TIME-WAIT: the whole life of a connection. */
  CONNECTION("connection", "handshake, a little data each way, and the four-way teardown with TIME-WAIT"),
  HANDSHAKE("handshake", "the three-way handshake: SYN, SYN+ACK, ACK"),
  TEARDOWN("teardown", "the four-way teardown, the client closing first, through TIME-WAIT"),
  HALF_CLOSE("half-close", "the client shuts down its sending side; the server goes on sending, then closes"),
  SIMULTANEOUS_OPEN("simultaneous-open", "both sides send SYN at once: SYN_SENT -> SYN_RECEIVED -> ESTABLISHED"),
  SIMULTANEOUS_CLOSE("simultaneous-close", "both sides send FIN at once: FIN_WAIT_1 -> CLOSING -> TIME_WAIT"),
  LOST_FINAL_ACK("lost-final-ack", "the last ACK is lost: the server resends its FIN, TIME-WAIT answers and restarts 2 MSL"),
  OLD_DUPLICATE_SYN("old-duplicate-syn", "why not two-way: an old duplicate SYN is refused by the client, and one reaching an open connection gets a challenge ACK"),
  RESET("reset", "the client aborts an open connection with RST"),
  REFUSED("refused", "SYN to a port nobody listens on: RST, connection refused"),
  TRANSFER("transfer", "bytes each way over an impaired path, checked with SHA-256"),
  FAST_RETRANSMIT("fast-retransmit", "one data segment is lost: duplicate ACKs, fast retransmit and SACK recovery"),
  TIMEOUT("timeout", "a lone segment is lost four times: the tail-loss probe, then retransmission timeouts, each twice as long (backoff)"),
  TAIL_LOSS("tail-loss", "the last two segments of a burst are lost: a tail-loss probe brings the loss to light before any timeout"),
  SPURIOUS_RETRANSMIT("spurious-retransmit", "a segment is only delayed: a needless fast retransmit, then its undo"),
  ZERO_WINDOW("zero-window", "the server reads nothing for a while: its window closes, the client probes, the window opens"),
  KEEP_ALIVE("keep-alive", "an idle connection with keep-alive: after two hours of silence a probe, and its answer"),
  WHY_THREE_WAY("why-three-way", "why three messages: an old SYN opens a connection with a two-message handshake (a lesson-only engine), not with the real one"),
  WHY_TIME_WAIT("why-time-wait", "why TIME-WAIT: with it cut to zero an old segment corrupts the next connection on the same 4-tuple; with 2 MSL it cannot");

  private final String cliName;
  private final String description;

  Scenario(String cliName, String description) {
    this.cliName = cliName;
    this.description = description;
  }

  /** Returns the name used on the command line. */
  public String cliName() {
    return cliName;
  }

  /** Returns one line saying what the scenario shows. */
  public String description() {
    return description;
  }

  /** Returns the scenario of a command-line name, or null. */
  public static Scenario byName(String name) {
    for (Scenario s : values()) {
      if (s.cliName.equals(name)) return s;
    }
    return null;
  }
}
