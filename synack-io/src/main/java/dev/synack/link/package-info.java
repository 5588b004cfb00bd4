/**
 * Where packets come and go in real time: the {@link dev.synack.link.Link} seam between the
 * event-loop driver and the wire, and its implementations.
 *
 * <ul>
 *   <li>{@link dev.synack.link.TunLink}: a Linux TUN device through the Foreign Function &amp;
 *       Memory API, the Linux kernel as the peer (needs {@code CAP_NET_ADMIN} to create one);
 *   <li>{@link dev.synack.link.UdpLink}: one IP packet per UDP datagram, to another synack,
 *       without privileges;
 *   <li>{@link dev.synack.link.MemoryLink}: two links joined in memory, for tests of the driver;
 *   <li>{@link dev.synack.link.PcapTap}: wraps any link and records what passes in a pcap file.
 * </ul>
 */
package dev.synack.link;
