/**
 * The driver: one event-loop thread owns a sans-IO {@link dev.synack.stack.Host} (or a whole {@code
 * SimNetwork}), moves packets between it and a link, fires its deadlines, and runs the calls that
 * other threads hand it.
 *
 * <p>Where to start: {@link dev.synack.runtime.HostDriver} runs one host on one link (its thread
 * starts in the constructor, {@code close()} stops it); {@link dev.synack.runtime.SimDriver} runs a
 * simulated network in real time. Both are {@link dev.synack.runtime.EventLoop}s, on which the
 * sockets of {@code dev.synack.socket} run their calls.
 */
package dev.synack.runtime;
