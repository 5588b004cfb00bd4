package dev.synack.packetdrill;

import java.util.HashMap;
import java.util.Map;

/**
 * Translates between the script's sequence space and the live one, as packetdrill does.
 *
 * <p>The peer the script plays uses its numbers as written (its ISN is the one in its SYN), so
 * inbound sequence numbers are sent as they are. Ours are relative: the first SYN or SYN-ACK the
 * stack sends fixes the offset between its ISN and the script's (usually 0), and every later
 * outbound sequence number and inbound acknowledgment number is shifted by it. Before that (a RST
 * from a closed port), the offset is 0. Outbound TSvals are remembered so that an inbound TSecr
 * written as a script TSval is sent as the live one.
 */
final class SequenceMap {
  /** Live ISN minus script ISN, mod 2^32. */
  private int localOffset;

  private boolean localKnown;
  private final Map<Integer, Integer> tsVals = new HashMap<>();

  /** Fixes the local offset from the first SYN or SYN-ACK the stack sent, if not fixed yet. */
  void learnLocalIsn(long scriptIsn, int liveIsn) {
    if (localKnown) return;
    localOffset = liveIsn - (int) scriptIsn;
    localKnown = true;
  }

  boolean localKnown() {
    return localKnown;
  }

  /**
   * Returns a local sequence number (our SEQ, or the peer's ACK) on the wire for a script value.
   */
  int localToLive(long script) {
    return (int) script + localOffset;
  }

  /** Returns a live local sequence number in script space. */
  long localToScript(int live) {
    return Integer.toUnsignedLong(live - localOffset);
  }

  /** Remembers that the script's TSval {@code script} was live {@code live} on the wire. */
  void learnTsVal(int script, int live) {
    tsVals.put(script, live);
  }

  /**
   * Returns the live TSval a script TSecr stands for, or null when no packet carried that script
   * TSval.
   */
  Integer liveTsVal(int script) {
    return tsVals.get(script);
  }
}
