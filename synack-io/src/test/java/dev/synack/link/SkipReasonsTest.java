package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The console line of a skipped test. */
class SkipReasonsTest {
  @Test
  void assumptionMessage_becomesTheReason() {
    assertEquals(
        "[skipped] TcpInteropTest.curl: needs root (CAP_NET_ADMIN) to make namespaces",
        SkipReasons.line(
            "TcpInteropTest.curl",
            "Assumption failed: needs root (CAP_NET_ADMIN) to make namespaces"));
  }

  @Test
  void noMessage_saysSo() {
    assertEquals("[skipped] A.b: no reason given", SkipReasons.line("A.b", null));
  }
}
