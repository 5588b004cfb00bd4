/**
 * The forwarder (tun2socks): a synack host in any-destination mode on a link takes every TCP
 * connection and UDP flow that arrives, whatever its destination, and carries it on through
 * ordinary host sockets. {@link dev.synack.forward.Forwarder} starts one on any link.
 */
package dev.synack.forward;
