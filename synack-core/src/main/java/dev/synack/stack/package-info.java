/**
 * A host, sans-IO: IPv4 and IPv6 in and out, ICMP echo, demultiplexing by 4-tuple, listeners with
 * SYN and accept queues, ephemeral ports (RFC 6056), initial sequence numbers (RFC 6528), RST for
 * segments that match no connection (RFC 9293 §3.10.7.1), and ICMP errors handed to the connection
 * whose segment they quote (RFC 1122 §4.2.3.9, RFC 5927), path MTU discovery included.
 *
 * <p>{@link dev.synack.stack.Host} is driven like a connection, one level up: packets and user
 * calls in, then {@code pollTransmit} until null, {@code pollEvent} until null, {@code pollTimeout}.
 */
package dev.synack.stack;
