package dev.synack.packetdrill;

import java.util.Map;

/**
 * The values of the symbolic constants scripts write ({@code O_NONBLOCK}, {@code SOL_SOCKET}...),
 * FreeBSD's, since packetdrill substitutes the host's values and the suites were written there.
 * Calls are emulated by name, so a number matters only where a script computes with it ({@code
 * O_RDWR | O_NONBLOCK}) or compares a returned flag word.
 */
final class Symbols {
  private Symbols() {}

  static final int O_RDWR = 0x0002;
  static final int O_NONBLOCK = 0x0004;

  private static final Map<String, Long> VALUES =
      Map.ofEntries(
          Map.entry("O_RDONLY", 0L),
          Map.entry("O_WRONLY", 1L),
          Map.entry("O_RDWR", (long) O_RDWR),
          Map.entry("O_NONBLOCK", (long) O_NONBLOCK),
          Map.entry("F_GETFL", 3L),
          Map.entry("F_SETFL", 4L),
          Map.entry("SOCK_STREAM", 1L),
          Map.entry("AF_INET", 2L),
          Map.entry("AF_INET6", 28L),
          Map.entry("PF_INET", 2L),
          Map.entry("PF_INET6", 28L),
          Map.entry("IPPROTO_IP", 0L),
          Map.entry("IPPROTO_TCP", 6L),
          Map.entry("IPPROTO_IPV6", 41L),
          Map.entry("SOL_SOCKET", 0xffffL),
          Map.entry("SHUT_RD", 0L),
          Map.entry("SHUT_WR", 1L),
          Map.entry("SHUT_RDWR", 2L),
          Map.entry("POLLIN", 0x1L),
          Map.entry("POLLPRI", 0x2L),
          Map.entry("POLLOUT", 0x4L),
          Map.entry("POLLERR", 0x8L),
          Map.entry("POLLHUP", 0x10L),
          Map.entry("POLLRDNORM", 0x40L),
          Map.entry("POLLWRNORM", 0x4L),
          Map.entry("MSG_PEEK", 0x2L),
          Map.entry("MSG_DONTWAIT", 0x80L),
          Map.entry("TCPI_OPT_TIMESTAMPS", 1L),
          Map.entry("TCPI_OPT_SACK", 2L),
          Map.entry("TCPI_OPT_WSCALE", 4L),
          Map.entry("TCPI_OPT_ECN", 8L),
          Map.entry("TCPI_OPT_TOE", 16L));

  /** Returns the value of a constant, or null when the runner does not know it. */
  static Long value(String name) {
    return VALUES.get(name);
  }

  /**
   * Evaluates an integer expression: a number, a known constant, or constants or-ed together; null
   * if it has no integer value.
   */
  static Long evaluate(Expr e) {
    return switch (e) {
      case Expr.Num n -> n.value();
      case Expr.Sym s -> value(s.name());
      case Expr.Or or -> {
        long v = 0;
        for (Expr t : or.terms()) {
          Long x = evaluate(t);
          if (x == null) yield null;
          v |= x;
        }
        yield v;
      }
      case Expr.Array a when a.elements().size() == 1 -> evaluate(a.elements().getFirst());
      // Byte order is the host's business: a port written htons(8080) is the port 8080.
      case Expr.Call(String name, java.util.List<Expr> args)
          when (name.equals("htons")
                  || name.equals("htonl")
                  || name.equals("ntohs")
                  || name.equals("ntohl"))
              && args.size() == 1 ->
          evaluate(args.getFirst());
      default -> null;
    };
  }
}
