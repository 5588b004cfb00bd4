package dev.synack.wire;

import java.util.HashMap;
import java.util.Map;

/**
 * A reason a packet or segment was dropped: a stable code for counters and tests, and the text a
 * trace's {@code drop} event carries in its {@code reason} field.
 *
 * <p>Three enums implement it, one per layer that drops: the wire parsers' {@link MalformedReason},
 * the host's {@code dev.synack.stack.HostDropReason} and the engine's {@code
 * dev.synack.trace.DropReason}. Their codes are lower case with hyphens, distinct across the three
 * (a host counts them all in one table), and never change once released; a text may be reworded
 * (traces and goldens show it).
 */
public interface ReasonCode {

  /** Returns the stable code: lower case with hyphens, what counters and tests use. */
  String code();

  /** Returns the text of a trace's {@code drop} event: the code, unless words say more. */
  default String text() {
    return code();
  }

  /**
   * Returns the reasons of {@code values} by their codes, for an enum's {@code ofCode}; throws
   * {@link IllegalStateException} if two share a code or a code is not lower case with hyphens.
   */
  static <R extends ReasonCode> Map<String, R> byCode(R[] values) {
    Map<String, R> byCode = new HashMap<>();
    for (R r : values) {
      if (!r.code().matches("[a-z0-9]+(-[a-z0-9]+)*"))
        throw new IllegalStateException("a reason code is lower case with hyphens: " + r.code());
      if (byCode.put(r.code(), r) != null)
        throw new IllegalStateException("two reasons share the code " + r.code());
    }
    return Map.copyOf(byCode);
  }
}
