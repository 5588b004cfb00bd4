/**
 * A host, sans-IO: IPv4 and IPv6 in and out, ICMP echo, demultiplexing by 4-tuple, listeners with
 * SYN and accept queues, ephemeral ports (RFC 6056), initial sequence numbers (RFC 6528), RST for
 * segments that match no connection (RFC 9293 §3.10.7.1), and ICMP errors handed to the connection
 * whose segment they quote (RFC 1122 §4.2.3.9, RFC 5927), path MTU discovery included.
 *
 * <p>{@link dev.synack.stack.Host} is driven like a connection, one level up: packets and user
 * calls in, then {@code pollTransmit} until null, {@code pollEvent} until null, {@code
 * pollTimeout}.
 *
 * <p>Where to start: make a {@link dev.synack.stack.Host} with a {@link
 * dev.synack.stack.HostConfig} and give it an address, then {@link dev.synack.stack.Host#listen} (a
 * {@link dev.synack.stack.Listener}) or {@link dev.synack.stack.Host#connect} (a {@link
 * dev.synack.stack.Connection}: send, receive, close, as RFC 9293 §3.10 names the calls). To run
 * it, put it on a {@code dev.synack.sim.SimNetwork} in virtual time, or on a real link with {@code
 * dev.synack.runtime.HostDriver} (module {@code dev.synack.io}); the README's "Embed it" section
 * shows both.
 */
package dev.synack.stack;
