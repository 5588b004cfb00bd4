package dev.synack.stack;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ports sockets hold from their {@code bind()} until they connect or close, as Linux puts a
 * bound socket in its port's bind bucket ({@code inet_csk_get_port}) at the bind, not at the
 * connect: a later bind, listen or ephemeral choice sees the port taken.
 */
final class BindReservations {
  /** One bound socket's hold on a port: its address (null: every address) and sharing options. */
  record Reservation(long id, InetAddress address, int port, BindOptions bind) {}

  private final Map<Integer, List<Reservation>> byPort = new HashMap<>();

  /** The next reservation's id; ids are never reused, so a stale release removes nothing. */
  private long nextId = 1;

  /** Returns the reservations of {@code port}, empty when none. */
  List<Reservation> on(int port) {
    return byPort.getOrDefault(port, List.of());
  }

  /** Returns whether a socket holds {@code port} by a bind. */
  boolean hasPort(int port) {
    return byPort.containsKey(port);
  }

  /** Adds a reservation, already checked; returns its id for {@link #remove}. */
  long add(InetAddress address, int port, BindOptions bind) {
    long id = nextId++;
    byPort
        .computeIfAbsent(port, p -> new ArrayList<>(1))
        .add(new Reservation(id, address, port, bind));
    return id;
  }

  /** Removes the reservation {@code id}; returns whether there was one. */
  boolean remove(long id) {
    for (var it = byPort.values().iterator(); it.hasNext(); ) {
      List<Reservation> list = it.next();
      if (list.removeIf(r -> r.id() == id)) {
        if (list.isEmpty()) it.remove();
        return true;
      }
    }
    return false;
  }
}
