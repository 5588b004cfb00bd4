/**
 * Renderings of a trace for people: a terminal ladder diagram ({@link dev.synack.lesson.Ladder}),
 * an HTML page with SVG sequence, time-sequence and state diagrams and a step-by-step player
 * ({@link dev.synack.lesson.HtmlReport}), and a narration in English or Chinese ({@link
 * dev.synack.lesson.Narration}) whose words sit in one table per language ({@link
 * dev.synack.lesson.Sentence}). They read the event stream of {@link dev.synack.trace.TraceEvent}s
 * that a host emits; nothing logs beside it. The diagram renderings share one model that matches
 * each send with its receipt at the peer.
 *
 * <p>Where to start: collect a host's events (a {@link dev.synack.trace.TraceSink} that adds them
 * to a list), then {@link dev.synack.lesson.Ladder#render(java.util.List)}, {@link
 * dev.synack.lesson.Narration#narrate(java.util.List, String)} or {@link
 * dev.synack.lesson.HtmlReport#render}.
 */
package dev.synack.lesson;
