package dev.synack.wire;

/**
 * One SACK block (RFC 2018 §3): the left edge (first sequence number of a received block) and the
 * right edge (the sequence number just after it), as unsigned 32-bit values in {@code int}s.
 */
public record SackBlock(int left, int right) {}
