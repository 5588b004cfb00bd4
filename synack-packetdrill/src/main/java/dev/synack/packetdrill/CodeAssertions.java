package dev.synack.packetdrill;

import dev.synack.stack.Connection;
import dev.synack.tcp.NegotiatedOptions;
import dev.synack.tcp.TcpState;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Python the suites run between {@code %{} and {@code }%}, which reads the TCP_INFO of the
 * socket under test: {@code assert tcpi_state == TCPI_ESTABLISHED} and {@code assert tcpi_options
 * == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK)}. These two forms are evaluated on the socket at once;
 * any other code runs in python3 ({@link PythonCode}).
 */
final class CodeAssertions {
  private static final Pattern ASSERT =
      Pattern.compile("assert\\s+(tcpi_state|tcpi_options)\\s*==\\s*(.+)");

  private CodeAssertions() {}

  /**
   * Checks the assertion on {@code socket}.
   *
   * @throws ScriptException (mismatch) when it does not hold, (unsupported) for other code
   */
  static void check(String code, ScriptSocket socket, long now) {
    Matcher m = ASSERT.matcher(code.strip());
    if (!m.matches() || !m.group(2).strip().matches("\\(?[A-Z_0-9| ]+\\)?")) {
      PythonCode.run(code, socket, now);
      return;
    }
    if (socket == null)
      throw ScriptException.mismatch(
          0, "no socket under test for %{ " + code + " }%", "a socket", "none");
    String field = m.group(1);
    String want = m.group(2).strip();
    if (field.equals("tcpi_state")) {
      String seen = "TCPI_" + state(socket).name();
      if (!want.equals(seen)) throw ScriptException.mismatch(0, "tcpi_state", want, seen);
      return;
    }
    String expr =
        want.startsWith("(") && want.endsWith(")") ? want.substring(1, want.length() - 1) : want;
    long expected = 0;
    for (String term : expr.split("\\|")) {
      String t = term.strip();
      Long v = t.matches("\\d+") ? Long.valueOf(t) : Symbols.value(t);
      if (v == null) throw ScriptException.unsupported(0, "constant " + t);
      expected |= v;
    }
    long seen = options(socket);
    if (expected != seen)
      throw ScriptException.mismatch(
          0, "tcpi_options", want + " (" + expected + ")", Long.toString(seen));
  }

  /**
   * Returns the state TCP_INFO reports: the connection's, LISTEN for a listener, CLOSED for
   * neither.
   */
  private static TcpState state(ScriptSocket s) {
    if (s.listener != null) return s.listener.isClosed() ? TcpState.CLOSED : TcpState.LISTEN;
    if (s.connection == null) return TcpState.CLOSED;
    TcpState st = s.connection.state();
    return st == TcpState.SYN_RECEIVED ? TcpState.SYN_RECEIVED : st;
  }

  /**
   * Returns tcpi_options: TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_SACK 2, TCPI_OPT_WSCALE 4, TCPI_OPT_ECN
   * 8.
   */
  private static long options(ScriptSocket s) {
    Connection c = s.connection;
    if (c == null) return 0;
    NegotiatedOptions o = c.negotiatedOptions();
    return (o.timestamps() ? 1 : 0)
        | (o.sack() ? 2 : 0)
        | (o.windowScale() ? 4 : 0)
        | (c.info(0).options() & dev.synack.tcp.TcpInfo.OPT_ECN);
  }
}
