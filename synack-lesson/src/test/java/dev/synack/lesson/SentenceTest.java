package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A sentence is kept as what it says and told in the language asked only when printed. */
class SentenceTest {
  @Test
  void failedCheck_isToldInTheLanguageAsked_notInTheLanguageItWasWrittenIn() {
    Sentence failed =
        Sentence.of(
            Sentence.Kind.FAILED,
            "what",
            Sentence.of(
                Sentence.Kind.CHECK,
                "en",
                "every byte arrived once, in order",
                "zh",
                "每个字节都按顺序到达，且只到达一次"));
    assertEquals("FAILED: every byte arrived once, in order", failed.in("en"));
    assertEquals("失败：每个字节都按顺序到达，且只到达一次", failed.in("zh"));
  }

  @Test
  void aValuesText_isNotReadAsAPlaceholder_andAnUnknownLanguageIsRefused() {
    Sentence one = Sentence.of(Sentence.Kind.CHECK, "en", "{n}", "zh", "x");
    assertEquals("{n}", one.in("en"), "a value's text is not read as a placeholder");
    assertThrows(IllegalArgumentException.class, () -> one.in("fr"));
  }
}
