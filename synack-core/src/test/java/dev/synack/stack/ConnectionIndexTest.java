package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpConnection;
import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The connection table's open-addressing index: every connection held is found by its tuple (from
 * the tuple or from a segment's addresses and ports), none removed is, and removing one from the
 * middle of a probe run leaves the rest of the run reachable.
 */
class ConnectionIndexTest {
  private static final InetAddress LOCAL = address(10, 0, 0, 1);

  @Test
  void thousandsHeldThenEveryOtherRemoved_theRestFoundAndTheRemovedNot() {
    ConnectionIndex index = new ConnectionIndex();
    Connection[] held = new Connection[5_000];
    for (int i = 0; i < held.length; i++) {
      held[i] = connection(i % 50, 1024 + i);
      index.put(held[i]);
    }
    assertEquals(5_000, index.size());
    for (int i = 0; i < held.length; i += 2) assertTrue(index.remove(held[i]));
    assertEquals(2_500, index.size());
    for (int i = 0; i < held.length; i++) {
      FourTuple id = held[i].id();
      Connection found =
          index.get(id.localAddress(), id.localPort(), id.remoteAddress(), id.remotePort());
      if (i % 2 == 0) {
        assertNull(found, "removed " + id);
        assertNull(index.get(id), "removed " + id);
        assertFalse(index.remove(held[i]), "removed twice " + id);
      } else {
        assertSame(held[i], found, "held " + id);
        assertSame(held[i], index.get(id), "held " + id);
      }
    }
    HashSet<Connection> iterated = new HashSet<>(index);
    assertEquals(2_500, iterated.size());
    for (int i = 1; i < held.length; i += 2) assertTrue(iterated.contains(held[i]));
  }

  @Test
  void anotherConnectionUnderTheSameTuple_replacesItAndOnlyItIsRemoved() {
    ConnectionIndex index = new ConnectionIndex();
    Connection first = connection(1, 2000);
    Connection second = connection(1, 2000);
    index.put(first);
    index.put(second);
    assertEquals(1, index.size());
    assertSame(second, index.get(second.id()));
    assertFalse(index.remove(first), "the replaced connection is no longer held");
    assertTrue(index.remove(second));
    assertEquals(0, index.size());
    assertNull(index.get(second.id()));
  }

  /** Random puts and removes over few tuples (long probe runs, wrapping), against a hash map. */
  @Property(tries = 200)
  void randomPutsAndRemoves_agreeWithAHashMap(
      @ForAll @Size(max = 300) List<@IntRange(min = -40, max = 40) Integer> ops) {
    ConnectionIndex index = new ConnectionIndex();
    Map<FourTuple, Connection> model = new HashMap<>();
    Map<Integer, Connection> made = new HashMap<>();
    for (int op : ops) {
      int key = Math.abs(op);
      if (op >= 0) {
        Connection c = connection(key % 7, 3000 + key);
        made.put(key, c);
        index.put(c);
        model.put(c.id(), c);
      } else {
        Connection c = made.get(key);
        if (c == null) continue;
        assertEquals(model.remove(c.id(), c), index.remove(c));
      }
      assertEquals(model.size(), index.size());
    }
    for (int key = 0; key <= 40; key++) {
      Connection c = connection(key % 7, 3000 + key);
      assertSame(model.get(c.id()), index.get(c.id()), "tuple " + c.id());
    }
    assertEquals(new HashSet<>(model.values()), new HashSet<>(index));
  }

  private static Connection connection(int host, int remotePort) {
    FourTuple id = new FourTuple(LOCAL, 80, address(192, 168, 0, host), remotePort);
    return new Connection(
        null, TcpConnection.connect(id, TcpConfig.defaults(), 1, 0, TraceSink.NONE, "h"), null);
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
