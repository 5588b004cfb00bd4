package dev.synack.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Nested
  class Parse {
    @Test
    void object_nestedValues_keepOrderAndTypes() {
      Object v = Json.parse(" {\"b\":[1,-2.5,\"x\",true,false,null],\"a\":{},\"c\":[]} ");
      Map<String, Object> expected = new LinkedHashMap<>();
      expected.put("b", Arrays.asList(1L, -2.5, "x", true, false, null));
      expected.put("a", Map.of());
      expected.put("c", List.of());
      assertEquals(expected, v);
      assertEquals(List.of("b", "a", "c"), List.copyOf(((Map<?, ?>) v).keySet()));
    }

    @Test
    void numbers_integralOrNot_areLongOrDouble() {
      assertEquals(0L, Json.parse("0"));
      assertEquals(-42L, Json.parse("-42"));
      assertEquals(4294967295L, Json.parse("4294967295"));
      assertEquals(0.000123, Json.parse("0.000123"));
      assertEquals(1.5e10, Json.parse("1.5E10"));
      assertEquals(2e-3, Json.parse("2e-3"));
      assertEquals(1e20, Json.parse("100000000000000000000"), "beyond a long becomes a double");
    }

    @Test
    void string_everyEscape_isDecoded() {
      assertEquals("\"\\/\b\f\n\r\t", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""));
      assertEquals("é中", Json.parse("\"\\u00e9\\u4E2D\""));
      assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""), "a surrogate pair in two escapes");
      assertEquals("中文 raw", Json.parse("\"中文 raw\""));
    }

    @Test
    void literalsAndEmptyContainers_parse() {
      assertNull(Json.parse("null"));
      assertEquals(true, Json.parse("true"));
      assertEquals(List.of(List.of()), Json.parse("[[]]"));
    }

    @Test
    void malformedText_throwsWithOffset() {
      for (String bad :
          List.of(
              "",
              "{",
              "[1,]",
              "{\"a\" 1}",
              "{\"a\":1,}",
              "01",
              "1.",
              "-",
              "1e",
              "tru",
              "\"abc",
              "\"\\x\"",
              "\"\\u12\"",
              "\"\\u12g4\"",
              "[1 2]",
              "{1:2}",
              "\"a\nb\"",
              "1 2",
              "{\"a\":1,\"a\":2}",
              "NaN")) {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
        assertTrue(e.offset() >= 0 && e.offset() <= bad.length(), bad + " → " + e.getMessage());
      }
    }

    @Test
    void deepNesting_isRejectedNotAStackOverflow() {
      String deep = "[".repeat(100_000) + "]".repeat(100_000);
      assertThrows(Json.ParseException.class, () -> Json.parse(deep));
    }

    @Test
    void parseObject_nonObject_throws() {
      assertThrows(Json.ParseException.class, () -> Json.parseObject("[1]"));
    }
  }

  @Nested
  class Write {
    @Test
    void string_controlAndQuoteCharacters_areEscaped() {
      assertEquals(
          "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\\u2028中\"",
          Json.quote("a\"b\\c\n\t\u0001\u001f\u2028中"));
    }

    @Test
    void values_ofTheModel_areWritten() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("n", 3);
      m.put("d", 0.5);
      m.put("whole", 2.0);
      m.put("nan", Double.NaN);
      m.put("l", Arrays.asList("x", null, true));
      assertEquals(
          "{\"n\":3,\"d\":0.5,\"whole\":2.0,\"nan\":null,\"l\":[\"x\",null,true]}", Json.write(m));
    }

    @Test
    void unsupportedValue_throws() {
      assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
  }

  @Property
  void quoteThenParse_givesTheSameString(@ForAll String s) {
    assertEquals(s, Json.parse(Json.quote(s)));
  }

  @Property
  void writeThenParse_givesTheSameDouble(@ForAll double d) {
    if (Double.isFinite(d)) assertEquals(d, ((Number) Json.parse(Json.write(d))).doubleValue());
  }
}
