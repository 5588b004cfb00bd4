package dev.synack.trace;

import dev.synack.wire.ReasonCode;
import java.util.Map;

/**
 * Why a connection's engine dropped a segment: a stable code for counters and tests, and the text
 * that a trace's {@code drop} event carries in its {@code reason} field (which quotes the rule).
 *
 * <p>The codes are lower case with hyphens, like the host's and the wire parsers' reason codes
 * ({@link ReasonCode}), and never change once released; the texts may be reworded (traces and
 * goldens show them). A host counts each drop under its code ({@link TraceSink#countDrop}).
 */
public enum DropReason implements ReasonCode {
  /** A SYN with FIN, dropped as FreeBSD's {@code drop_synfin} does when the choice is on. */
  SYN_FIN_DROPPED(
      "syn-fin-dropped", "SYN with FIN dropped (TcpChoices.synFinDropped, FreeBSD's drop_synfin)"),
  /** A segment for a connection in CLOSED (RFC 9293 §3.10.7.1). */
  CLOSED("closed", "connection does not exist (CLOSED)"),
  /** An RST in LISTEN (RFC 9293 §3.10.7.2, first). */
  LISTEN_RST("listen-rst", "RST in LISTEN"),
  /** An ACK in LISTEN, answered with an RST (RFC 9293 §3.10.7.2, second). */
  LISTEN_ACK("listen-ack", "ACK in LISTEN"),
  /** A SYN with FIN in LISTEN. */
  LISTEN_SYN_FIN("listen-syn-fin", "SYN with FIN in LISTEN"),
  /** A segment in LISTEN with none of RST, ACK and SYN (RFC 9293 §3.10.7.2, fourth). */
  LISTEN_NO_SYN("listen-no-syn", "no SYN in LISTEN"),
  /** An ACK outside ISS..SND.NXT in SYN-SENT (RFC 9293 §3.10.7.3, first). */
  SYN_SENT_BAD_ACK("syn-sent-bad-ack", "unacceptable ACK in SYN-SENT"),
  /** An RST without an ACK in SYN-SENT (RFC 9293 §3.10.7.3, second). */
  SYN_SENT_RST_NO_ACK("syn-sent-rst-no-ack", "RST without ACK in SYN-SENT"),
  /** A segment in SYN-SENT with neither SYN nor RST (RFC 9293 §3.10.7.3, fifth). */
  SYN_SENT_NO_SYN("syn-sent-no-syn", "neither SYN nor RST in SYN-SENT"),
  /** A segment without timestamps on a connection that negotiated them (RFC 7323 §3.2). */
  TIMESTAMP_MISSING(
      "timestamp-missing", "timestamps negotiated, none in the segment (RFC 7323 §3.2)"),
  /** An RST in TIME-WAIT, ignored against TIME-WAIT assassination (RFC 1337). */
  TIME_WAIT_RST("time-wait-rst", "RST in TIME-WAIT ignored (RFC 1337)"),
  /** A segment without ACK in TIME-WAIT. */
  TIME_WAIT_NO_ACK("time-wait-no-ack", "no ACK in TIME-WAIT"),
  /** A TSval older than TS.Recent, answered with an ACK (RFC 7323 §5.3). */
  PAWS("paws", "PAWS: TSval older than TS.Recent (RFC 7323 §5.3)"),
  /** As {@link #PAWS}, with the answering ACK held back by the rate limit. */
  PAWS_ACK_RATE_LIMITED(
      "paws-ack-rate-limited",
      "PAWS: TSval older than TS.Recent (RFC 7323 §5.3), ACK rate-limited"),
  /** An RST outside the receive window (RFC 5961 §3.2). */
  RST_OUTSIDE_WINDOW("rst-outside-window", "RST outside the window (RFC 5961 §3.2)"),
  /** A segment outside the receive window, answered with an ACK (RFC 9293 §3.10.7.4, first). */
  OUTSIDE_WINDOW("outside-window", "outside the receive window"),
  /** As {@link #OUTSIDE_WINDOW}, with the answering ACK held back by the rate limit. */
  OUTSIDE_WINDOW_ACK_RATE_LIMITED(
      "outside-window-ack-rate-limited", "outside the receive window, ACK rate-limited"),
  /** An in-window RST not at RCV.NXT, answered with a challenge ACK (RFC 5961 §3.2). */
  RST_CHALLENGED("rst-challenged", "RST not at RCV.NXT: challenge ACK (RFC 5961 §3.2)"),
  /** As {@link #RST_CHALLENGED}, with the challenge ACK held back by its limit (RFC 5961 §7). */
  RST_CHALLENGE_LIMITED(
      "rst-challenge-limited", "RST not at RCV.NXT: challenge ACK limit reached (RFC 5961 §7)"),
  /** A SYN in a synchronized state, answered with a challenge ACK (RFC 5961 §4). */
  SYN_CHALLENGED("syn-challenged", "SYN in a synchronized state: challenge ACK (RFC 5961 §4)"),
  /** As {@link #SYN_CHALLENGED}, with the challenge ACK held back by its limit (RFC 5961 §7). */
  SYN_CHALLENGE_LIMITED("syn-challenge-limited", "SYN: challenge ACK limit reached (RFC 5961 §7)"),
  /** A segment without ACK in a synchronized state (RFC 9293 §3.10.7.4, fifth). */
  NO_ACK("no-ack", "no ACK"),
  /** An ACK outside SND.UNA..SND.NXT in SYN-RECEIVED, answered with an RST. */
  SYN_RECEIVED_BAD_ACK("syn-received-bad-ack", "unacceptable ACK in SYN-RECEIVED"),
  /** An ACK of data not yet sent, answered with an ACK (RFC 5961 §5.2). */
  ACK_UNSENT("ack-unsent", "ACK of data not yet sent (RFC 5961 §5.2)"),
  /** As {@link #ACK_UNSENT}, with the answering ACK held back by the rate limit. */
  ACK_UNSENT_RATE_LIMITED(
      "ack-unsent-ack-rate-limited", "ACK of data not yet sent (RFC 5961 §5.2), ACK rate-limited"),
  /** An ACK older than the window the blind-attack rule accepts (RFC 5961 §5.2). */
  ACK_TOO_OLD("ack-too-old", "ACK too old (RFC 5961 §5.2)"),
  /** As {@link #ACK_TOO_OLD}, with the answering ACK held back by the rate limit. */
  ACK_TOO_OLD_RATE_LIMITED(
      "ack-too-old-ack-rate-limited", "ACK too old (RFC 5961 §5.2), ACK rate-limited"),
  /** An out-of-order segment that the full reassembly queue refused. */
  REASSEMBLY_FULL("reassembly-full", "out of order, reassembly queue full");

  private static final Map<String, DropReason> BY_CODE = ReasonCode.byCode(values());

  private final String code;
  private final String text;

  DropReason(String code, String text) {
    this.code = code;
    this.text = text;
  }

  @Override
  public String code() {
    return code;
  }

  /**
   * Returns the text of a trace's {@code drop} event: the reason in words, with the rule it
   * applies.
   */
  @Override
  public String text() {
    return text;
  }

  /** Returns the reason whose {@link #code} is {@code code}, or {@code null} if there is none. */
  public static DropReason ofCode(String code) {
    return BY_CODE.get(code);
  }
}
