/**
 * One TCP connection's protocol engine, sans-IO, written to be read beside RFC 9293: segment
 * arrival follows section 3.10.7 step by step. Sequence-number arithmetic lives in
 * {@link dev.synack.tcp.SeqNum} alone.
 */
package dev.synack.tcp;
