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
    Parsed<String> p = Parsed.malformed(MalformedReason.TCP_BAD_CHECKSUM);
    assertFalse(p.isOk());
    assertEquals(MalformedReason.TCP_BAD_CHECKSUM, p.reason());
    IllegalStateException e = assertThrows(IllegalStateException.class, p::value);
    assertEquals("malformed: tcp-bad-checksum", e.getMessage());
    assertEquals(MalformedReason.TCP_BAD_CHECKSUM, p.map(String::length).reason());
    assertEquals(MalformedReason.TCP_BAD_CHECKSUM, p.flatMap(s -> Parsed.ok(1)).reason());
  }
}
