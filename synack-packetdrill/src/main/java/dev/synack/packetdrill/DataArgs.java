package dev.synack.packetdrill;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The length and flags of a data call, from the forms packetdrill writes: {@code read(fd, ..., N)},
 * {@code recv(fd, ..., N, FLAGS)}, {@code recvfrom(fd, ..., N, FLAGS, ..., ...)}, {@code readv(fd,
 * [{..., N}, ...], COUNT)}, {@code recvmsg(fd, {msg_name(...)=..., msg_iov(1)=[{..., N}],
 * msg_flags=0}, FLAGS)}, and the same for write, send, sendto, writev and sendmsg.
 *
 * @param length the bytes the call reads or writes at most (the iovecs' lengths added up)
 * @param flags the MSG_ flags by name
 */
record DataArgs(long length, Set<String> flags) {
  /**
   * The flags a call honours here (MSG_PEEK: the count of bytes queued, none consumed; MSG_TRUNC:
   * on TCP, Linux discards what it would have copied and returns the count, which is what every
   * read does here, since a script sees counts, not bytes; MSG_NOSIGNAL: no signal is ever raised,
   * EPIPE is returned anyway; MSG_ZEROCOPY: Linux ignores it on a socket without SO_ZEROCOPY, which
   * cannot be set here, {@code tcp_sendmsg_locked}), and why the others cannot be: a flag absent
   * from both maps is not one packetdrill's hosts define.
   */
  private static final Set<String> HONOURED =
      Set.of(
          "MSG_DONTWAIT",
          "MSG_WAITALL",
          "MSG_NOSIGNAL",
          "MSG_ZEROCOPY",
          "MSG_PEEK",
          "MSG_TRUNC",
          "MSG_FASTOPEN");

  private static final Map<String, String> REFUSED =
      Map.of(
          "MSG_EOR",
              "record boundaries in the send queue (segments not coalesced across them) are not emulated",
          "MSG_OOB", "urgent data is not delivered out of band",
          "MSG_MORE", "corking (holding a partial segment for more data) is not implemented",
          "MSG_ERRQUEUE", "there is no socket error queue (timestamping, zerocopy notices)",
          "MSG_CONFIRM", "neighbour confirmation has no meaning on the script's link",
          "MSG_CMSG_CLOEXEC", "ancillary data is not emulated");

  /**
   * Returns the length and flags of a call.
   *
   * @throws ScriptException (syntax) for a call with the wrong arguments, (unsupported) for a flag
   *     or ancillary data the emulation cannot honour
   */
  static DataArgs of(String call, List<Expr> a) {
    return switch (call) {
      case "read", "write" -> {
        arity(call, a, 3);
        yield new DataArgs(length(call, a.get(2)), Set.of());
      }
      case "recv", "send" -> {
        arity(call, a, 4);
        yield new DataArgs(length(call, a.get(2)), flags(call, a.get(3)));
      }
      case "recvfrom", "sendto" -> {
        arity(call, a, 6);
        yield new DataArgs(length(call, a.get(2)), flags(call, a.get(3)));
      }
      case "readv", "writev" -> {
        arity(call, a, 3);
        yield new DataArgs(iovecs(call, a.get(1)), Set.of());
      }
      case "recvmsg", "sendmsg" -> {
        arity(call, a, 3);
        if (!(a.get(1) instanceof Expr.Struct msg))
          throw ScriptException.unsupported(0, call + "() without a msghdr: " + a.get(1));
        Expr iov = msg.field("msg_iov");
        if (iov == null) throw ScriptException.syntax(0, call + "(): the msghdr has no msg_iov");
        Expr control = msg.field("msg_control");
        if (control instanceof Expr.Array arr && !arr.elements().isEmpty()) {
          throw ScriptException.unsupported(
              0, call + "() with ancillary data (msg_control " + control + ")");
        }
        Expr msgFlags = msg.field("msg_flags");
        if (msgFlags != null
            && !(msgFlags instanceof Expr.Ellipsis)
            && !Long.valueOf(0).equals(Symbols.evaluate(msgFlags))) {
          throw ScriptException.unsupported(
              0,
              call
                  + "() msg_flags "
                  + msgFlags
                  + " (MSG_EOR, MSG_TRUNC, MSG_CTRUNC are not reported)");
        }
        yield new DataArgs(iovecs(call, iov), flags(call, a.get(2)));
      }
      default -> throw new IllegalArgumentException("not a data call: " + call);
    };
  }

  private static long length(String call, Expr e) {
    Long n = Symbols.evaluate(e);
    if (n == null || n < 0 || n > Integer.MAX_VALUE)
      throw ScriptException.unsupported(0, call + "() length " + e);
    return n;
  }

  /** Adds up {@code [{..., 10}, {..., 20}]}. */
  private static long iovecs(String call, Expr e) {
    if (!(e instanceof Expr.Array arr))
      throw ScriptException.unsupported(0, call + "() iovec " + e);
    long total = 0;
    for (Expr v : arr.elements()) {
      if (!(v instanceof Expr.Struct st) || st.positional().size() != 2)
        throw ScriptException.syntax(0, call + "(): an iovec is {..., LENGTH}, not " + v);
      total += length(call, st.positional().get(1));
    }
    return total;
  }

  /** Returns the flag names of {@code FLAG | FLAG}, {@code 0} for none. */
  static Set<String> flags(String call, Expr e) {
    Set<String> names = new LinkedHashSet<>();
    List<Expr> terms = e instanceof Expr.Or or ? or.terms() : List.of(e);
    for (Expr t : terms) {
      switch (t) {
        case Expr.Num n when n.value() == 0 -> {}
        case Expr.Sym s when HONOURED.contains(s.name()) -> names.add(s.name());
        case Expr.Sym s when REFUSED.containsKey(s.name()) ->
            throw ScriptException.unsupported(
                0, call + "() flag " + s.name() + ": " + REFUSED.get(s.name()));
        default -> throw ScriptException.unsupported(0, call + "() flags " + e);
      }
    }
    return names;
  }

  private static void arity(String call, List<Expr> a, int n) {
    if (a.size() != n)
      throw ScriptException.syntax(0, call + " takes " + n + " arguments, not " + a.size());
  }
}
