package dev.synack.demo;

import dev.synack.lesson.Sentence;

/**
 * The connections {@code synack demo} runs, each the real behaviour behind a figure of the articles
 * or of RFC 9293. The names are the CLI's {@code --scenario} values.
 */
public enum Scenario {
  /** Handshake, a little data each way, teardown with TIME-WAIT: the whole life of a connection. */
  CONNECTION("connection"),
  HANDSHAKE("handshake"),
  TEARDOWN("teardown"),
  HALF_CLOSE("half-close"),
  SIMULTANEOUS_OPEN("simultaneous-open"),
  SIMULTANEOUS_CLOSE("simultaneous-close"),
  LOST_FINAL_ACK("lost-final-ack"),
  OLD_DUPLICATE_SYN("old-duplicate-syn"),
  RESET("reset"),
  REFUSED("refused"),
  TRANSFER("transfer"),
  FAST_RETRANSMIT("fast-retransmit"),
  TIMEOUT("timeout"),
  TAIL_LOSS("tail-loss"),
  SPURIOUS_RETRANSMIT("spurious-retransmit"),
  ZERO_WINDOW("zero-window"),
  KEEP_ALIVE("keep-alive"),
  WHY_THREE_WAY("why-three-way"),
  WHY_TIME_WAIT("why-time-wait");

  private final String cliName;

  Scenario(String cliName) {
    this.cliName = cliName;
  }

  /** Returns the name used on the command line. */
  public String cliName() {
    return cliName;
  }

  /** Returns one line saying what the scenario shows, in English. */
  public String description() {
    return describe().in("en");
  }

  /** Returns one line saying what the scenario shows, to be told in a language. */
  public Sentence describe() {
    return Sentence.of(Sentence.Kind.valueOf("SCENARIO_" + name()));
  }

  /** Returns the scenario of a command-line name, or null. */
  public static Scenario byName(String name) {
    for (Scenario s : values()) {
      if (s.cliName.equals(name)) return s;
    }
    return null;
  }
}
