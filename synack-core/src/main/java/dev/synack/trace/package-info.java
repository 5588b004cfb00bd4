/**
 * Trace events (state change, segment sent, received, dropped or retransmitted, timer) and their
 * renderings: JSON lines, a terminal ladder diagram, an HTML page with SVG, pcap. The renderings
 * read the event stream; nothing logs beside it.
 */
package dev.synack.trace;
