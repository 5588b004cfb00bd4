/**
 * A host, sans-IO: IP in and out, ICMP echo, demultiplexing by 4-tuple, listeners with SYN and
 * accept queues, ephemeral ports (RFC 6056), initial sequence numbers (RFC 6528), RST for segments
 * that match no connection (RFC 9293 §3.10.7.1).
 *
 * <p>{@link dev.synack.stack.Host} is driven like a connection, one level up: packets and user
 * calls in, then {@code pollTransmit} until null, {@code pollEvent} until null, {@code pollTimeout}.
 */
package dev.synack.stack;
