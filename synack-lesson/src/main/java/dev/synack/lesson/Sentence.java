package dev.synack.lesson;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sentence of a run's outcome or of a command's report (a demo's result lines, a transfer's
 * verdict, a capture's summary), kept as what it says and its values, and told in English or
 * Chinese only when printed. Its words are in {@link NarrationText}, beside the narration's.
 *
 * <p>Placeholders in braces name the values; {@code {n:s}} writes {@code s} unless value {@code n}
 * is 1 (an English plural). A value that is itself a sentence is told in the same language.
 *
 * @param kind what the sentence says
 * @param values its values by placeholder name
 */
public record Sentence(Kind kind, Map<String, Object> values) {
  public Sentence {
    values = Map.copyOf(values);
  }

  /** What a sentence says. */
  public enum Kind {
    /** The demo's first line: {@code {name}}, {@code {what}}. */
    DEMO_HEADER,
    /** The title of a demo's page, {@code {name}}, and of a capture's, {@code {file}}. */
    DEMO_TITLE,
    DECODE_TITLE,
    SCENARIO_CONNECTION,
    SCENARIO_HANDSHAKE,
    SCENARIO_TEARDOWN,
    SCENARIO_HALF_CLOSE,
    SCENARIO_SIMULTANEOUS_OPEN,
    SCENARIO_SIMULTANEOUS_CLOSE,
    SCENARIO_LOST_FINAL_ACK,
    SCENARIO_OLD_DUPLICATE_SYN,
    SCENARIO_RESET,
    SCENARIO_REFUSED,
    SCENARIO_TRANSFER,
    SCENARIO_FAST_RETRANSMIT,
    SCENARIO_TIMEOUT,
    SCENARIO_TAIL_LOSS,
    SCENARIO_SPURIOUS_RETRANSMIT,
    SCENARIO_ZERO_WINDOW,
    SCENARIO_KEEP_ALIVE,
    SCENARIO_WHY_THREE_WAY,
    SCENARIO_WHY_TIME_WAIT,
    /** A check of the run that failed: {@code {what}} (a {@link #CHECK}). */
    FAILED,
    /** What a run checks, given in both languages by its caller: {@code {en}}, {@code {zh}}. */
    CHECK,
    /**
     * The SHA-256 of what one side sent and what the other received: {@code {sent}}, {@code {got}}.
     */
    SHA_CLIENT_SERVER,
    SHA_SERVER_CLIENT,
    /** A transfer's verdict: {@code {intact}}, {@code {bytes}}, {@code {s}}, {@code {rtx}}. */
    TRANSFER,
    INTACT_BOTH_WAYS,
    NOT_INTACT,
    RETRANSMISSIONS,
    /** The two-message handshake's cost: {@code {held}}, {@code {n}}, {@code {bytes}}. */
    WHY_TWO_MESSAGE_COST,
    /** The three-way handshake's cost: {@code {held}}, {@code {n}}, {@code {bytes}}. */
    WHY_THREE_WAY_COST,
    /** Which run: no TIME-WAIT (the lesson) or TIME-WAIT (the real engine). */
    RUN_NO_TIME_WAIT,
    RUN_TIME_WAIT,
    /** {@code {run}}, {@code {t}}. */
    WHY_REOPENED,
    /** {@code {t}}, {@code {why}} (the stack's own message). */
    WHY_REFUSED_REOPEN,
    /** {@code {isn}}, {@code {from}}, {@code {to}}. */
    WHY_OLD_COPY,
    /**
     * {@code {run}}, {@code {n}}, {@code {sent}}, {@code {m}}, {@code {got}}, {@code {verdict}}.
     */
    WHY_CHECKSUMS,
    READ_INTACT,
    /** {@code {count}}, {@code {first}}. */
    READ_CORRUPTED,
    /** Decode: {@code {n}}, {@code {a}}, {@code {b}}. */
    DECODE_CONNECTION,
    /**
     * Decode: {@code {packets}}, {@code {segments}}, {@code {connections}}, {@code {malformed}}.
     */
    DECODE_SUMMARY,
    /** Decode: {@code {n}} segments with a bad checksum, and why. */
    DECODE_BAD_CHECKSUMS,
    /**
     * Render: a connection, {@code {n}}, {@code {key}}; traced at one end, {@code {host}}; the
     * page's title, {@code {file}}.
     */
    RENDER_CONNECTION,
    RENDER_ONE_SIDE,
    RENDER_TITLE,
    /** Where an output went: {@code {file}}. */
    WROTE_TRACE,
    WROTE_PCAP,
    WROTE_HTML,
    /** The --cc comparison: {@code {names}}. */
    CC_HEADER,
    /** {@code {path}}, {@code {bdp}}, {@code {queue}}. */
    CC_PATH,
    /** The path: {@code {mbit}}, {@code {rtt}}, {@code {loss}}, {@code {queue}}, {@code {mtu}}. */
    CC_PATH_CONFIG,
    /**
     * {@code {name}}, {@code {goodput}}, {@code {share}}, {@code {delay}}, {@code {flight}}, {@code
     * {rtx}}, {@code {unfinished}}.
     */
    CC_RUN,
    CC_NOT_COMPLETED,
    /** The columns of the table over time, the plots' titles. */
    CC_TIME_COLUMN,
    CC_RUN_COLUMNS,
    CC_THROUGHPUT_PLOT,
    CC_DELAY_PLOT
  }

  /** Returns a sentence with values given as name, value, name, value... */
  public static Sentence of(Kind kind, Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0)
      throw new IllegalArgumentException("a value for every name: " + namesAndValues.length);
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2)
      values.put((String) namesAndValues[i], namesAndValues[i + 1]);
    return new Sentence(kind, values);
  }

  /**
   * Returns the sentence in {@code lang}.
   *
   * @throws IllegalArgumentException for a language other than {@code en} or {@code zh}
   */
  public String in(String lang) {
    String s = SentenceText.sentence(kind, lang);
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      String told = v instanceof Sentence inner ? inner.in(lang) : String.valueOf(v);
      s =
          s.replace("{" + e.getKey() + ":s}", told.equals("1") ? "" : "s")
              .replace("{" + e.getKey() + "}", told);
    }
    return s;
  }

  /** Returns the sentence in English. */
  @Override
  public String toString() {
    return in("en");
  }
}
