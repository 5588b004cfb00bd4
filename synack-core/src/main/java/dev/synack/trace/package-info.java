/**
 * Trace events (state change, segment sent, received, dropped or retransmitted, timer) and their
 * format: JSON lines ({@link dev.synack.trace.JsonLines}, {@link dev.synack.trace.JsonLinesSink},
 * over the small {@link dev.synack.trace.Json} model), typed drop reasons ({@link
 * dev.synack.trace.DropReason}), and the states of both ends inferred from a capture ({@link
 * dev.synack.trace.CaptureStates}). The renderings that read the event stream (ladder, HTML page,
 * narration) live in the {@code dev.synack.lesson} module; nothing logs beside the stream.
 *
 * <p>Where to start: a {@link dev.synack.trace.TraceSink} given to a {@link dev.synack.stack.Host}
 * receives every {@link dev.synack.trace.TraceEvent}; {@link dev.synack.trace.JsonLinesSink} writes
 * them as JSON lines.
 */
package dev.synack.trace;
