/**
 * A deterministic simulated network: {@link dev.synack.sim.SimNetwork} holds several {@link
 * dev.synack.sim.SimNode}s in memory, routes their IP packets by destination address over one-way
 * links with seeded loss, delay, jitter, reordering, duplication, corruption, bandwidth and MTU
 * ({@link dev.synack.sim.LinkConfig}), and runs them in virtual time that jumps to the next
 * deadline, so that a two-minute TIME_WAIT costs nothing and every run replays from its seed.
 *
 * <p>With it come two harnesses that run workloads on it and judge them: the torture runs of the
 * test suite and {@code synack torture} ({@link dev.synack.sim.Torture}: random data, impairments
 * and close order from a seed, judged byte for byte) and congestion-control experiments over one
 * bottleneck ({@link dev.synack.sim.PathExperiment}). The demo's scenarios, which narrate and draw
 * runs on this network, live in the {@code dev.synack.lesson} module.
 *
 * <p>Where to start: {@link dev.synack.sim.SimNetwork} with one {@link dev.synack.sim.HostNode} per
 * {@link dev.synack.stack.Host}, {@link dev.synack.sim.SimNetwork#setLink} for the path between
 * them, then {@link dev.synack.sim.SimNetwork#runUntil(java.util.function.BooleanSupplier, long)}
 * between the hosts' calls; the README's "Embed it" section has the whole program.
 */
package dev.synack.sim;
