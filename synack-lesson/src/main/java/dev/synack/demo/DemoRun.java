package dev.synack.demo;

import dev.synack.lesson.Sentence;
import dev.synack.stack.Host;
import dev.synack.trace.TraceEvent;
import java.util.List;

/**
 * What a demo run left: every trace event of both hosts in time order, the hosts themselves (for
 * their counters), and result sentences such as the transfer's SHA-256 comparison.
 */
public record DemoRun(
    Scenario scenario,
    List<TraceEvent> events,
    Host client,
    Host server,
    List<Sentence> sentences,
    boolean ok) {
  public DemoRun {
    events = List.copyOf(events);
    sentences = List.copyOf(sentences);
  }

  /** Returns the result lines in English. */
  public List<String> results() {
    return results("en");
  }

  /** Returns the result lines in {@code lang}, {@code en} or {@code zh}. */
  public List<String> results(String lang) {
    return sentences.stream().map(s -> s.in(lang)).toList();
  }
}
