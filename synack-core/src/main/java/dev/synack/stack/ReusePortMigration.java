package dev.synack.stack;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands the children of a closed {@code SO_REUSEPORT} member to the rest of its group, as Linux
 * with {@code net.ipv4.tcp_migrate_req = 1}: {@code inet_csk_listen_stop} moves the accept queue to
 * the listener {@code reuseport_migrate_sock} picks by the child's hash, and a request still in the
 * handshake follows when its ACK (or its SYN-ACK timer) comes. Here the handshake's children move
 * at once, to the member the same hash picks, with their place in the Fast Open queue. Linux's
 * default ({@code tcp_migrate_req = 0}) resets them instead.
 */
final class ReusePortMigration {
  private ReusePortMigration() {}

  /**
   * Moves every child of {@code closed} to a member of {@code group}, telling each new owner of an
   * accept-queue arrival.
   */
  static void migrate(
      Listener closed, List<Listener> group, ListenerTable table, ArrayDeque<HostEvent> events) {
    for (Connection child : new ArrayList<>(closed.synQueue)) {
      Listener to = table.pickAmong(group, child.id());
      move(closed, to, child);
      to.synQueue.add(child);
    }
    closed.synQueue.clear();
    List<Listener> told = new ArrayList<>();
    for (Connection child; (child = closed.acceptQueue.poll()) != null; ) {
      Listener to = table.pickAmong(group, child.id());
      move(closed, to, child);
      to.acceptQueue.add(child);
      if (!told.contains(to)) {
        told.add(to);
        events.add(new HostEvent.Acceptable(to));
      }
    }
  }

  private static void move(Listener from, Listener to, Connection child) {
    child.listener = to;
    if ((child.fastOpen & Connection.FAST_OPEN_PENDING) != 0 && from.fastOpenPending > 0) {
      from.fastOpenPending--;
      to.fastOpenPending++;
    }
  }
}
