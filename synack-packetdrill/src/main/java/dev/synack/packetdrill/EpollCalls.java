package dev.synack.packetdrill;

import dev.synack.packetdrill.SocketCalls.Call;
import dev.synack.packetdrill.SocketCalls.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Linux's epoll on the script's sockets: {@code epoll_create}, {@code epoll_create1}, {@code
 * epoll_ctl} (ADD, MOD, DEL) and {@code epoll_wait}, level-triggered, with the bits poll() reports
 * ({@link PollBits}; {@code ep_item_poll} calls the same {@code tcp_poll}). {@code EPOLLONESHOT} as
 * Linux's {@code ep_send_events}: once reported, the registration reports nothing (not even
 * EPOLLERR or EPOLLHUP) until EPOLL_CTL_MOD arms it again. Edge-triggered registrations ({@code
 * EPOLLET}, {@code EPOLLEXCLUSIVE}) depend on when the kernel wakes the waiters (each new segment
 * is a wake-up, even on a socket already readable), which is not emulated: unsupported.
 */
final class EpollCalls {
  private static final long EPOLLIN = PollBits.POLLIN,
      EPOLLPRI = PollBits.POLLPRI,
      EPOLLOUT = PollBits.POLLOUT,
      EPOLLERR = PollBits.POLLERR,
      EPOLLHUP = PollBits.POLLHUP,
      EPOLLRDNORM = PollBits.POLLRDNORM,
      EPOLLWRNORM = 0x100,
      EPOLLRDHUP = PollBits.POLLRDHUP;
  private static final Map<String, Long> EVENTS =
      Map.of(
          "EPOLLIN",
          EPOLLIN,
          "EPOLLPRI",
          EPOLLPRI,
          "EPOLLOUT",
          EPOLLOUT,
          "EPOLLERR",
          EPOLLERR,
          "EPOLLHUP",
          EPOLLHUP,
          "EPOLLRDNORM",
          EPOLLRDNORM,
          "EPOLLWRNORM",
          EPOLLWRNORM,
          "EPOLLRDHUP",
          EPOLLRDHUP);
  private static final Set<String> REFUSED = Set.of("EPOLLET", "EPOLLEXCLUSIVE", "EPOLLWAKEUP");
  private static final long EPOLLONESHOT = 1L << 30;

  /** Not a Linux bit: a one-shot registration that reported, and waits for EPOLL_CTL_MOD. */
  private static final long DISARMED = 1L << 40;

  /** One epoll instance: the descriptors it watches, in the order added, with their event masks. */
  private record Instance(Map<Integer, Long> interest) {}

  private final Map<Integer, Instance> instances = new LinkedHashMap<>();
  private final IntFunction<ScriptSocket> socketOf;

  /**
   * @param socketOf the socket of a descriptor, or null
   */
  EpollCalls(IntFunction<ScriptSocket> socketOf) {
    this.socketOf = socketOf;
  }

  boolean isEpoll(int fd) {
    return instances.containsKey(fd);
  }

  void close(int fd) {
    instances.remove(fd);
  }

  /** epoll_create(size) and epoll_create1(flags): a new instance on descriptor {@code fd}. */
  Result create(int fd) {
    instances.put(fd, new Instance(new LinkedHashMap<>()));
    return Result.ok(fd);
  }

  Result ctl(List<Expr> a) {
    if (a.size() != 4)
      throw ScriptException.syntax(0, "epoll_ctl takes 4 arguments, not " + a.size());
    Instance ep = instance(a.get(0));
    if (ep == null) return Result.fail(Errno.EBADF);
    Long fd = Symbols.evaluate(a.get(2));
    if (fd == null) throw ScriptException.unsupported(0, "epoll_ctl descriptor " + a.get(2));
    if (socketOf.apply(fd.intValue()) == null) return Result.fail(Errno.EBADF);
    String op = a.get(1) instanceof Expr.Sym s ? s.name() : String.valueOf(a.get(1));
    boolean present = ep.interest().containsKey(fd.intValue());
    switch (op) {
      case "EPOLL_CTL_ADD", "EPOLL_CTL_MOD" -> {
        if (op.equals("EPOLL_CTL_ADD") && present) return Result.fail(Errno.EEXIST);
        if (op.equals("EPOLL_CTL_MOD") && !present) return Result.fail(Errno.ENOENT);
        if (!(a.get(3) instanceof Expr.Struct ev) || ev.field("events") == null) {
          throw ScriptException.syntax(0, "epoll_ctl needs {events=..., fd=...}, not " + a.get(3));
        }
        ep.interest().put(fd.intValue(), mask(ev.field("events")));
      }
      case "EPOLL_CTL_DEL" -> {
        if (!present) return Result.fail(Errno.ENOENT);
        ep.interest().remove(fd.intValue());
      }
      default -> throw ScriptException.unsupported(0, "epoll_ctl operation " + op);
    }
    return Result.ok(0);
  }

  /**
   * epoll_wait(epfd, expected events, maxevents, timeout): blocks while nothing is ready and the
   * timeout is not 0.
   */
  Call waitFor(List<Expr> a) {
    if (a.size() != 4)
      throw ScriptException.syntax(0, "epoll_wait takes 4 arguments, not " + a.size());
    Instance ep = instance(a.get(0));
    if (ep == null) return () -> Result.fail(Errno.EBADF);
    Long max = Symbols.evaluate(a.get(2));
    Long timeout = Symbols.evaluate(a.get(3));
    if (max == null || max < 1) return () -> Result.fail(Errno.EINVAL);
    if (timeout == null) throw ScriptException.unsupported(0, "epoll_wait timeout " + a.get(3));
    List<Expr> expected = a.get(1) instanceof Expr.Array arr ? arr.elements() : List.of(a.get(1));
    return () -> {
      List<long[]> ready = new ArrayList<>();
      for (Map.Entry<Integer, Long> e : ep.interest().entrySet()) {
        ScriptSocket s = socketOf.apply(e.getKey());
        if (s == null || (e.getValue() & DISARMED) != 0) continue;
        long bits =
            PollBits.of(s.readiness()) & ((e.getValue() & ~EPOLLONESHOT) | EPOLLERR | EPOLLHUP);
        if (bits != 0 && ready.size() < max) ready.add(new long[] {e.getKey(), bits});
      }
      if (ready.isEmpty() && timeout != 0) return null;
      for (long[] r : ready) {
        int fd = (int) r[0];
        if ((ep.interest().get(fd) & EPOLLONESHOT) != 0)
          ep.interest().put(fd, EPOLLONESHOT | DISARMED);
      }
      for (int i = 0; i < ready.size() && i < expected.size(); i++) {
        if (!(expected.get(i) instanceof Expr.Struct want)) continue;
        Expr wantEvents = want.field("events");
        if (wantEvents != null
            && !(wantEvents instanceof Expr.Ellipsis)
            && mask(wantEvents) != ready.get(i)[1]) {
          throw ScriptException.mismatch(
              0,
              "epoll_wait events of fd " + ready.get(i)[0],
              String.valueOf(wantEvents),
              names(ready.get(i)[1]));
        }
        Expr wantFd = want.field("fd");
        if (wantFd != null
            && !(wantFd instanceof Expr.Ellipsis)
            && !Long.valueOf(ready.get(i)[0]).equals(Symbols.evaluate(wantFd))) {
          throw ScriptException.mismatch(
              0, "epoll_wait fd", String.valueOf(wantFd), Long.toString(ready.get(i)[0]));
        }
      }
      return Result.ok(ready.size());
    };
  }

  private Instance instance(Expr e) {
    Long fd = Symbols.evaluate(e);
    return fd == null ? null : instances.get(fd.intValue());
  }

  /** Returns the bits of {@code EPOLLIN|EPOLLOUT}, {@code 0} or a number. */
  private static long mask(Expr e) {
    long m = 0;
    for (Expr t : e instanceof Expr.Or or ? or.terms() : List.of(e)) {
      if (t instanceof Expr.Num n) {
        m |= n.value();
      } else if (t instanceof Expr.Sym s && EVENTS.containsKey(s.name())) {
        m |= EVENTS.get(s.name());
      } else if (t instanceof Expr.Sym s && s.name().equals("EPOLLONESHOT")) {
        m |= EPOLLONESHOT;
      } else if (t instanceof Expr.Sym s && REFUSED.contains(s.name())) {
        throw ScriptException.unsupported(
            0,
            s.name()
                + " (edge-triggered wake-ups are not emulated: each new segment wakes Linux's waiters, even on a ready socket)");
      } else {
        throw ScriptException.unsupported(0, "epoll event " + t);
      }
    }
    return m;
  }

  private static String names(long mask) {
    long bits = mask & ~EPOLLONESHOT;
    List<String> out = new ArrayList<>();
    EVENTS.forEach(
        (k, v) -> {
          if ((bits & v) != 0 && !k.endsWith("NORM")) out.add(k);
        });
    return out.isEmpty() ? "0" : String.join("|", out.stream().sorted().toList());
  }
}
