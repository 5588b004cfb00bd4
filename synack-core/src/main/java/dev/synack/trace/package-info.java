/**
 * Trace events (state change, segment sent, received, dropped or retransmitted, timer) and their
 * renderings: JSON lines ({@link dev.synack.trace.JsonLines}, {@link
 * dev.synack.trace.JsonLinesSink}, over the small {@link dev.synack.trace.Json} model), a terminal
 * ladder diagram ({@link dev.synack.trace.Ladder}), an HTML page with SVG ({@link
 * dev.synack.trace.HtmlReport}), a narration in English or Chinese ({@link
 * dev.synack.trace.Narration}), pcap. The renderings read the event stream; nothing logs beside it.
 * The diagram renderings share one model that matches each send with its receipt at the peer.
 *
 * <p>Where to start: a {@link dev.synack.trace.TraceSink} given to a {@link dev.synack.stack.Host}
 * receives every {@link dev.synack.trace.TraceEvent}; {@link dev.synack.trace.JsonLinesSink} writes
 * them as JSON lines, and {@link dev.synack.trace.Ladder#render} draws a list of them.
 */
package dev.synack.trace;
