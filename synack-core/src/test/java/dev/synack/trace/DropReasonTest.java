package dev.synack.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DropReasonTest {
  @Test
  void codes_areStable_lowerCaseWithHyphens() {
    // The codes are an observable contract (counters, tests, tools): this list changes only by
    // adding.
    List<String> codes = Arrays.stream(DropReason.values()).map(DropReason::code).toList();
    assertEquals(
        List.of(
            "syn-fin-dropped",
            "closed",
            "listen-rst",
            "listen-ack",
            "listen-syn-fin",
            "listen-no-syn",
            "syn-sent-bad-ack",
            "syn-sent-rst-no-ack",
            "syn-sent-no-syn",
            "timestamp-missing",
            "time-wait-rst",
            "time-wait-no-ack",
            "paws",
            "paws-ack-rate-limited",
            "rst-outside-window",
            "outside-window",
            "outside-window-ack-rate-limited",
            "rst-challenged",
            "rst-challenge-limited",
            "syn-challenged",
            "syn-challenge-limited",
            "no-ack",
            "syn-received-bad-ack",
            "ack-unsent",
            "ack-unsent-ack-rate-limited",
            "ack-too-old",
            "ack-too-old-ack-rate-limited",
            "reassembly-full"),
        codes);
    for (String code : codes) assertTrue(code.matches("[a-z0-9]+(-[a-z0-9]+)*"), code);
  }

  @Test
  void ofCode_findsEachReason_andNothingElse() {
    for (DropReason r : DropReason.values()) assertSame(r, DropReason.ofCode(r.code()));
    assertNull(DropReason.ofCode("outside the receive window"), "a text is not a code");
    assertNull(DropReason.ofCode("no-such-reason"));
  }

  @Test
  void texts_areDistinct_soATraceNamesOneReason() {
    assertEquals(
        DropReason.values().length,
        Arrays.stream(DropReason.values()).map(DropReason::text).distinct().count());
  }
}
