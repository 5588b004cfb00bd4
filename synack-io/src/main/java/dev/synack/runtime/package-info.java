/**
 * The driver: one event-loop thread owns a sans-IO {@link dev.synack.stack.Host} (or a whole
 * {@code SimNetwork}), moves packets between it and a link, fires its deadlines, and runs the
 * calls that other threads hand it.
 */
package dev.synack.runtime;
