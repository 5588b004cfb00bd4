package dev.synack.packetdrill;

import dev.synack.stack.Connection;
import dev.synack.tcp.NegotiatedOptions;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the Python of a {@code %{ }%} block in python3, as packetdrill does, with the {@code tcpi_*}
 * variables of the socket under test taken from the connection's {@link Status} and {@link
 * NegotiatedOptions}, and the rest of Linux's fields from {@link TcpInfo}. A variable synack does
 * not keep (such as {@code tcpi_delivery_rate} or {@code tcpi_pacing_rate}) is left undefined, and
 * the block is then unsupported, naming it; an assertion that does not hold fails the script.
 */
final class PythonCode {
  /** How long one block may run (wall time: python3's start-up on a loaded machine). */
  private static final long TIMEOUT_SECONDS = 60;

  private static final Pattern NAME_ERROR =
      Pattern.compile("NameError: name '([A-Za-z_0-9]+)' is not defined");

  private PythonCode() {}

  /**
   * Runs {@code code} with the socket's variables.
   *
   * @throws ScriptException (mismatch) when the code fails, (unsupported) when python3 is missing
   *     or the code reads a variable synack does not provide
   */
  static void run(String code, ScriptSocket socket, long now) {
    run(code, variables(socket, now));
  }

  /** Runs {@code code} with {@code variables} (name to Python literal) defined before it. */
  static void run(String code, Map<String, String> variables) {
    StringBuilder program = new StringBuilder();
    variables.forEach((k, v) -> program.append(k).append(" = ").append(v).append('\n'));
    program.append(dedent(code)).append('\n');
    Process p;
    try {
      p = new ProcessBuilder("python3", "-c", program.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw ScriptException.unsupported(
          0, "Python code %{ }% (python3 is not installed: " + e.getMessage() + ")");
    }
    String output;
    try {
      p.getOutputStream().close();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw ScriptException.mismatch(
            0,
            "Python code ran longer than " + TIMEOUT_SECONDS + " s",
            "the code to end",
            "still running");
      }
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw ScriptException.unsupported(
          0, "Python code %{ }% (cannot read python3's output: " + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScriptException.unsupported(0, "Python code %{ }% (interrupted)");
    }
    if (p.exitValue() == 0) return;
    Matcher m = NAME_ERROR.matcher(output);
    if (m.find()) {
      String name = m.group(1);
      throw ScriptException.unsupported(
          0,
          (name.startsWith("tcpi_") ? "TCP_INFO field " : "name ")
              + name
              + " in %{ }% ("
              + (name.startsWith("tcpi_")
                  ? "synack's connection status does not keep it"
                  : "not one packetdrill's Python has here")
              + ")");
    }
    String last =
        output.isEmpty() ? "exit " + p.exitValue() : output.lines().reduce((a, b) -> b).orElse("");
    throw ScriptException.mismatch(0, "Python code failed: " + last, code.strip(), output);
  }

  /**
   * Returns packetdrill's variables for the socket (Linux's values and units: times in
   * microseconds).
   */
  static Map<String, String> variables(ScriptSocket s, long now) {
    Map<String, String> v = new LinkedHashMap<>();
    String[] states = {
      "TCP_ESTABLISHED",
      "TCP_SYN_SENT",
      "TCP_SYN_RECV",
      "TCP_FIN_WAIT1",
      "TCP_FIN_WAIT2",
      "TCP_TIME_WAIT",
      "TCP_CLOSE",
      "TCP_CLOSE_WAIT",
      "TCP_LAST_ACK",
      "TCP_LISTEN",
      "TCP_CLOSING"
    };
    for (int i = 0; i < states.length; i++) v.put(states[i], Integer.toString(i + 1));
    v.put("TCPI_OPT_TIMESTAMPS", "1");
    v.put("TCPI_OPT_SACK", "2");
    v.put("TCPI_OPT_WSCALE", "4");
    v.put("TCPI_OPT_ECN", "8");
    v.put("TCPI_OPT_ECN_SEEN", "16");
    v.put("TCPI_OPT_SYN_DATA", "32");
    String[] caStates = {
      "TCP_CA_Open", "TCP_CA_Disorder", "TCP_CA_CWR", "TCP_CA_Recovery", "TCP_CA_Loss"
    };
    for (int i = 0; i < caStates.length; i++) v.put(caStates[i], Integer.toString(i));
    if (s == null) return v;
    v.put("tcpi_state", Integer.toString(linuxState(s)));
    Connection c = s.connection;
    if (c == null || c.isReleased()) return v;
    Status st = c.status();
    NegotiatedOptions o = c.negotiatedOptions();
    v.put(
        "tcpi_options",
        Integer.toString(
            (o.timestamps() ? 1 : 0) | (o.sack() ? 2 : 0) | (o.windowScale() ? 4 : 0)));
    v.put("tcpi_snd_wscale", Integer.toString(o.windowScale() ? o.sendShift() : 0));
    v.put("tcpi_rcv_wscale", Integer.toString(o.windowScale() ? o.receiveShift() : 0));
    v.put("tcpi_rto", Long.toString(st.rtoNanos() / 1000));
    v.put("tcpi_rtt", Long.toString(st.srttNanos() / 1000));
    v.put("tcpi_snd_mss", Integer.toString(st.effectiveMss()));
    v.put("tcpi_snd_wnd", Integer.toUnsignedString(st.sndWnd()));
    v.put("tcpi_rcv_wnd", Integer.toUnsignedString(st.rcvWnd()));
    long inFlight = Integer.toUnsignedLong(st.sndNxt() - st.sndUna());
    v.put("tcpi_notsent_bytes", Long.toString(Math.max(0, st.sendQueued() - inFlight)));
    // The rest of struct tcp_info, from the connection's TcpInfo (Linux's units: µs, segments).
    TcpInfo i = c.info(now);
    v.put(
        "tcpi_ca_state",
        Integer.toString(
            switch (i.caState()) {
              case "DISORDER" -> 1;
              case "CWR" -> 2;
              case "RECOVERY" -> 3;
              case "LOSS" -> 4;
              default -> 0;
            }));
    v.put("tcpi_retransmits", Integer.toString(i.retransmits()));
    v.put("tcpi_probes", Integer.toString(i.probes()));
    v.put("tcpi_backoff", Integer.toString(i.backoff()));
    v.put("tcpi_ato", Long.toString(i.ato()));
    v.put("tcpi_rcv_mss", Integer.toString(i.rcvMss()));
    v.put("tcpi_unacked", Integer.toString(i.unacked()));
    v.put("tcpi_sacked", Integer.toString(i.sacked()));
    v.put("tcpi_lost", Integer.toString(i.lost()));
    v.put("tcpi_retrans", Integer.toString(i.retrans()));
    v.put("tcpi_rttvar", Long.toString(i.rttvar()));
    v.put("tcpi_snd_ssthresh", Integer.toString(i.sndSsthresh()));
    v.put("tcpi_snd_cwnd", Integer.toString(i.sndCwnd()));
    v.put("tcpi_reordering", Integer.toString(i.reordering()));
    v.put("tcpi_rcv_space", Integer.toString(i.rcvSpace()));
    v.put("tcpi_total_retrans", Long.toString(i.totalRetrans()));
    v.put("tcpi_bytes_acked", Long.toString(i.bytesAcked()));
    v.put("tcpi_bytes_received", Long.toString(i.bytesReceived()));
    v.put("tcpi_bytes_sent", Long.toString(i.bytesSent()));
    v.put("tcpi_bytes_retrans", Long.toString(i.bytesRetrans()));
    v.put("tcpi_segs_in", Long.toString(i.segsIn()));
    v.put("tcpi_segs_out", Long.toString(i.segsOut()));
    v.put("tcpi_data_segs_in", Long.toString(i.dataSegsIn()));
    v.put("tcpi_data_segs_out", Long.toString(i.dataSegsOut()));
    v.put("tcpi_dsack_dups", Long.toString(i.dsackDups()));
    v.put("tcpi_last_data_sent", Long.toString(i.lastDataSent() / 1000));
    v.put("tcpi_last_data_recv", Long.toString(i.lastDataRecv() / 1000));
    v.put("tcpi_last_ack_recv", Long.toString(i.lastAckRecv() / 1000));
    v.put("tcpi_pmtu", Integer.toString(i.pmtu()));
    // Accurate ECN's counters (RFC 9768), as Linux 6.18's tcp_info names them.
    v.put("tcpi_delivered_ce", Long.toString(i.deliveredCe()));
    v.put("tcpi_received_ce", Long.toString(i.receivedCe()));
    v.put("tcpi_delivered_e1_bytes", Long.toString(i.deliveredE1Bytes()));
    v.put("tcpi_delivered_e0_bytes", Long.toString(i.deliveredE0Bytes()));
    v.put("tcpi_delivered_ce_bytes", Long.toString(i.deliveredCeBytes()));
    v.put("tcpi_received_e1_bytes", Long.toString(i.receivedE1Bytes()));
    v.put("tcpi_received_e0_bytes", Long.toString(i.receivedE0Bytes()));
    v.put("tcpi_received_ce_bytes", Long.toString(i.receivedCeBytes()));
    v.put("tcpi_accecn_fail_mode", Integer.toString(i.accEcnFailMode()));
    v.put("tcpi_accecn_opt_seen", Integer.toString(i.accEcnOptSeen()));
    return v;
  }

  private static int linuxState(ScriptSocket s) {
    if (s.listener != null) return s.listener.isClosed() ? 7 : 10;
    if (s.connection == null) return 7;
    TcpState st = s.connection.state();
    return switch (st) {
      case ESTABLISHED -> 1;
      case SYN_SENT -> 2;
      case SYN_RECEIVED -> 3;
      case FIN_WAIT_1 -> 4;
      case FIN_WAIT_2 -> 5;
      case TIME_WAIT -> 6;
      case CLOSED -> 7;
      case LISTEN -> 10;
      case CLOSE_WAIT -> 8;
      case LAST_ACK -> 9;
      case CLOSING -> 11;
    };
  }

  /** Removes the indentation every line shares, as a block written inside a script is indented. */
  private static String dedent(String code) {
    String[] lines = code.split("\n", -1);
    int min = Integer.MAX_VALUE;
    for (String l : lines) {
      if (l.isBlank()) continue;
      int i = 0;
      while (i < l.length() && (l.charAt(i) == ' ' || l.charAt(i) == '\t')) i++;
      min = Math.min(min, i);
    }
    if (min == Integer.MAX_VALUE) return "";
    StringBuilder b = new StringBuilder();
    for (String l : lines) b.append(l.isBlank() ? "" : l.substring(min)).append('\n');
    return b.toString();
  }
}
