/**
 * Where packets come and go in real time: the {@link dev.synack.link.Link} seam between the
 * event-loop driver and the wire, and its implementations.
 *
 * <ul>
 *   <li>{@link dev.synack.link.TunLink}: a Linux TUN device through the Foreign Function &amp;
 *       Memory API, the Linux kernel as the peer (needs {@code CAP_NET_ADMIN} to create one);
 *   <li>{@link dev.synack.link.UdpLink}: one IP packet per UDP datagram, to another synack, without
 *       privileges;
 *   <li>{@link dev.synack.link.MemoryLink}: two links joined in memory, for tests of the driver;
 *   <li>{@link dev.synack.link.PcapTap}: wraps any link and records what passes in a pcap file;
 *   <li>{@link dev.synack.link.ImpairedLink}: wraps any link and drops, duplicates and reorders a
 *       seeded share of its packets each way, a bad path without netem.
 * </ul>
 *
 * <p>{@link dev.synack.link.KernelInterface} configures the kernel's side of a device (address,
 * up). {@link dev.synack.link.NetworkNamespace} runs threads in a network namespace (or makes a new
 * one), and {@link dev.synack.link.KernelSockets} makes the kernel's own socket calls there, as a C
 * program does (the packetdrill runner's kernel target).
 *
 * <p>Where to start: open a link ({@link dev.synack.link.TunLink#open(String)} or {@link
 * dev.synack.link.UdpLink#open(java.net.InetSocketAddress, java.net.InetSocketAddress)}) and hand
 * it with a host to a {@link dev.synack.runtime.HostDriver}. The TUN link calls the C library
 * through the Foreign Function &amp; Memory API: run with {@code
 * --enable-native-access=dev.synack.io} on the module path ({@code ALL-UNNAMED} on the class path).
 */
package dev.synack.link;
