package dev.synack.runtime;

import dev.synack.tcp.FourTuple;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TCP 4-tuples each loop of a group holds a connection for, shared by the group's loops: a loop
 * that reads a SYN for a 4-tuple another loop holds (the device moved the flow to its queue
 * mid-connection, or after the other's end went into TIME-WAIT) hands it to that loop instead of
 * opening a second connection. Each loop writes its own entries as its host adds and releases
 * connections ({@link dev.synack.stack.StrayHandoff#held}); any loop reads them. A concurrent map
 * here in io keeps the core's hosts single-threaded.
 */
final class HeldFlows {
  private final ConcurrentHashMap<FourTuple, Integer> owners = new ConcurrentHashMap<>();

  /** Says that loop {@code loop} holds {@code id}. */
  void held(FourTuple id, int loop) {
    owners.put(id, loop);
  }

  /** Says that loop {@code loop} let {@code id} go; another loop's later hold stands. */
  void released(FourTuple id, int loop) {
    owners.remove(id, loop);
  }

  /** Returns the loop that holds {@code id}, or -1 when none does. */
  int ownerOf(FourTuple id) {
    Integer owner = owners.get(id);
    return owner == null ? -1 : owner;
  }

  /** Returns how many 4-tuples the group holds. */
  int size() {
    return owners.size();
  }
}
