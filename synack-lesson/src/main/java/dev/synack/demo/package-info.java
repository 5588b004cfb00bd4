/**
 * The demo's scenarios: handshake, teardown, loss and recovery, zero window and the others of
 * {@code synack demo}, each run between two hosts on the simulated network ({@link
 * dev.synack.sim.SimNetwork}) in virtual time and narrated, and the comparison of congestion
 * controls over one bottleneck ({@link dev.synack.demo.CcComparison}).
 *
 * <p>Where to start: {@link dev.synack.demo.DemoRunner#run} with a {@link dev.synack.demo.Scenario}
 * and {@link dev.synack.demo.DemoOptions#defaults()}; the {@link dev.synack.demo.DemoRun} it
 * returns holds the events that {@code dev.synack.lesson}'s renderings draw.
 */
package dev.synack.demo;
