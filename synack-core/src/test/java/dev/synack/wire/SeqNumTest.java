package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SeqNumTest {
  @Test
  void comparisons_wrapAroundTwoToThe32() {
    int nearTop = 0xffff_fff0;
    int pastTop = 0x0000_0010;
    assertTrue(SeqNum.lt(nearTop, pastTop), "0xfffffff0 comes before 0x10 after wrapping");
    assertTrue(SeqNum.gt(pastTop, nearTop));
    assertEquals(0x20, SeqNum.diff(pastTop, nearTop));
    assertEquals(pastTop, SeqNum.add(nearTop, 0x20));
  }

  @Test
  void inWindow_acceptsTheFirstAndRejectsTheEnd() {
    assertTrue(SeqNum.inWindow(100, 100, 10));
    assertTrue(SeqNum.inWindow(109, 100, 10));
    assertFalse(SeqNum.inWindow(110, 100, 10));
    assertFalse(SeqNum.inWindow(99, 100, 10));
    assertFalse(SeqNum.inWindow(100, 100, 0), "an empty window holds nothing");
    assertTrue(SeqNum.inWindow(3, 0xffff_fffe, 8), "a window may straddle 2^32");
  }

  @Property
  void addThenDiff_isIdentity(
      @ForAll int a, @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int n) {
    assertEquals(n, SeqNum.diff(SeqNum.add(a, n), a));
    assertTrue(SeqNum.le(a, SeqNum.add(a, n)));
  }

  @Property
  void between_matchesInWindow(
      @ForAll int low,
      @ForAll @IntRange(min = 0, max = 1 << 30) int span,
      @ForAll @IntRange(min = 0, max = 1 << 30) int offset) {
    int x = SeqNum.add(low, offset);
    assertEquals(offset <= span, SeqNum.between(low, x, SeqNum.add(low, span)));
    assertEquals(offset < span, SeqNum.inWindow(x, low, span));
  }
}
