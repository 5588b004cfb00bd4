/**
 * NIO over synack: a {@link java.nio.channels.spi.SelectorProvider} whose socket channels, server
 * socket channels and selectors run on synack hosts ({@link
 * dev.synack.nio.SynackSelectorProvider}), the rule that says which host a thread's channels open
 * on ({@link dev.synack.nio.HostScope}), and a simulated network for unmodified applications
 * ({@link dev.synack.nio.SimApps}).
 */
package dev.synack.nio;
