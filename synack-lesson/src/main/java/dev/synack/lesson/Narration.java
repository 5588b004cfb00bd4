package dev.synack.lesson;

import dev.synack.trace.TraceEvent;
import java.util.List;

/**
 * A trace told in sentences, one per step, in the words of the articles and of the textbooks: which
 * handshake or teardown step a segment is, which state it leaves its sender in, why TIME_WAIT waits
 * 2 MSL, what a RST, a refusal, a challenge ACK, a duplicate ACK, a fast retransmit, a timeout with
 * its backoff, a probe or an undo means. For {@code synack demo --lang en|zh} and the HTML page.
 *
 * <pre>
 * Handshake, step 1: client sends SYN with its initial sequence number ISN=100; client enters SYN_SENT
 * 第一次握手：客户端发送 SYN 报文，指明初始化序列号 ISN=100，此时客户端处于 SYN_SENT 状态
 * </pre>
 */
public final class Narration {
  private Narration() {}

  /**
   * Returns a sentence per step of the trace; a state change that comes with a send, or with a
   * receipt, shares its sentence.
   *
   * @param lang {@code en} or {@code zh}
   * @throws IllegalArgumentException for another language
   */
  public static List<String> narrate(List<TraceEvent> events, String lang) {
    return lines(LadderModel.of(events, List.of()), lang).stream()
        .map(Narrator.Line::text)
        .toList();
  }

  /**
   * Returns a sentence per step of the trace, with numbers other than an ISN relative to their
   * direction's ISN when {@code relative}, as the page and {@code decode} show them.
   *
   * @param lang {@code en} or {@code zh}
   * @throws IllegalArgumentException for another language
   */
  public static List<String> narrate(List<TraceEvent> events, String lang, boolean relative) {
    return lines(LadderModel.of(events, List.of()), lang, relative).stream()
        .map(Narrator.Line::text)
        .toList();
  }

  /**
   * Returns a host's name as the sentences of {@code lang} call it: {@code client} is 客户端 in
   * Chinese.
   */
  public static String hostName(String host, String lang) {
    return NarrationText.host(host, lang).strip();
  }

  /**
   * A sentence with the step it tells.
   *
   * @param timeNanos when the step happened
   * @param step the index of the step among the trace's drawn steps
   * @param text the sentence
   */
  public record Timed(long timeNanos, int step, String text) {}

  /**
   * Returns a sentence per step of the trace, as {@link #narrate(List, String, boolean)} does, each
   * with its step and time: for a live page that tells a growing trace, where a sentence is settled
   * once the trace has gone past its instant.
   */
  public static List<Timed> timed(List<TraceEvent> events, String lang, boolean relative) {
    LadderModel model = LadderModel.of(events, List.of());
    return lines(model, lang, relative).stream()
        .map(l -> new Timed(model.steps().get(l.step()).time(), l.step(), l.text()))
        .toList();
  }

  /**
   * Returns the sentences of a model, each with the index of the step it tells, for pages that tie
   * them to arrows.
   */
  static List<Narrator.Line> lines(LadderModel model, String lang) {
    return lines(model, lang, false);
  }

  /**
   * Returns the sentences of a model with numbers other than ISNs relative to their direction's
   * ISN, or absolute.
   */
  static List<Narrator.Line> lines(LadderModel model, String lang, boolean relative) {
    NarrationText.of(lang); // rejects another language before any work
    return new Narrator(model, lang, relative).run();
  }
}
