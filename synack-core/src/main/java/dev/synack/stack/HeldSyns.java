package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import java.util.HashMap;
import java.util.Map;

/** The SYNs a {@link SynPolicy} has not answered yet, by 4-tuple, at most a limit of them. */
final class HeldSyns {
  private final int limit;
  private final Map<FourTuple, HeldSyn> held = new HashMap<>();

  HeldSyns(int limit) {
    this.limit = limit;
  }

  /** Returns the SYN held for a 4-tuple, or null. */
  HeldSyn get(FourTuple id) {
    return held.isEmpty() ? null : held.get(id);
  }

  /** Returns whether another SYN may be held. */
  boolean hasRoom() {
    return held.size() < limit;
  }

  void add(HeldSyn syn) {
    held.put(syn.id(), syn);
  }

  void remove(HeldSyn syn) {
    held.remove(syn.id(), syn);
  }

  int size() {
    return held.size();
  }
}
