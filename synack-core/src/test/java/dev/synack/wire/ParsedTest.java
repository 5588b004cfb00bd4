package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ParsedTest {
  @Test
  void ok_value_isTheValueAndHasNoReason() {
    Parsed<String> p = Parsed.ok("x");
    assertTrue(p.isOk());
    assertEquals("x", p.value());
    assertNull(p.reason());
    assertEquals(1, p.map(String::length).value());
  }

  @Test
  void malformed_value_throwsWithTheReason() {
    Parsed<String> p = Parsed.malformed("tcp-bad-checksum");
    assertFalse(p.isOk());
    assertEquals("tcp-bad-checksum", p.reason());
    IllegalStateException e = assertThrows(IllegalStateException.class, p::value);
    assertEquals("malformed: tcp-bad-checksum", e.getMessage());
    assertEquals("tcp-bad-checksum", p.map(String::length).reason());
    assertEquals("tcp-bad-checksum", p.flatMap(s -> Parsed.ok(1)).reason());
  }
}
