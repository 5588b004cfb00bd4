package dev.synack.packetdrill;

import dev.synack.stack.Connection;
import dev.synack.tcp.TcpState;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The shell lines of the suites, emulated on the host instead of run in a shell: {@code sysctl -w
 * NAME=VALUE}; {@code sockstat} (FreeBSD's socket list) piped through {@code grep}, {@code grep
 * -c}; and {@code tcpdrop -s STATE}. A pipeline succeeds as a shell's does, by its last command's
 * status; a failing command fails the script, as in packetdrill. Anything else is unsupported.
 */
final class ShellCommands {
  private final Sysctls sysctls;
  private final SocketCalls sockets;
  private final HostUnderTest hut;

  /**
   * Where settings accepted without the mechanism behind them are noted for the script's result.
   */
  private final List<String> warnings;

  ShellCommands(Sysctls sysctls, SocketCalls sockets, HostUnderTest hut, List<String> warnings) {
    this.warnings = warnings;
    this.sysctls = sysctls;
    this.sockets = sockets;
    this.hut = hut;
  }

  /**
   * Runs a command line.
   *
   * @throws ScriptException (mismatch) when it fails, (unsupported) when it is not emulated
   */
  void run(String commandLine) {
    if (commandLine.strip().contains("\n")) {
      // A command in backquotes may hold several lines, each a command of its own (a shell script).
      for (String line : commandLine.strip().split("\n")) if (!line.isBlank()) run(line.strip());
      return;
    }
    String[] all = words(commandLine);
    if (all[0].startsWith("/tmp/sysctl_restore_") && all.length == 1) {
      // set_sysctls.py's restore script: the host and its settings end with the script anyway.
      return;
    }
    if (all[0].endsWith("defaults.sh") && all.length == 1) {
      // packetdrill's gtests/net/common/defaults.sh, which Linux's scripts run first.
      for (String line : LinuxSysctls.DEFAULTS_SH) setSysctl(line, false);
      return;
    }
    if (all[0].endsWith("set_sysctls.py")) {
      // packetdrill's set_sysctls.py /proc/sys/net/ipv4/tcp_x=VALUE ...
      List<String> args = shellWords(commandLine.strip());
      for (String arg : args.subList(1, args.size())) {
        int eq = arg.indexOf('=');
        if (!arg.startsWith("/proc/sys/") || eq < 0)
          throw ScriptException.unsupported(0, "set_sysctls.py argument " + arg);
        setSysctl(
            arg.substring("/proc/sys/".length(), eq).replace('/', '.') + arg.substring(eq), false);
      }
      return;
    }
    if (all[0].equals("sysctl")) {
      sysctl(commandLine);
      return;
    }
    if (all[0].equals("echo")
        && all.length == 4
        && all[2].equals(">")
        && all[3].startsWith("/proc/sys/")) {
      setSysctl(
          all[3].substring("/proc/sys/".length()).replace('/', '.') + "=" + unquote(all[1]), false);
      return;
    }
    if (commandLine.contains("||") || commandLine.contains("&&") || commandLine.contains(";")) {
      throw ScriptException.unsupported(0, "shell command `" + commandLine + "`");
    }
    String[] stages = commandLine.split("\\|");
    List<String> lines;
    boolean ok;
    String[] first = words(stages[0]);
    switch (first[0]) {
      case "tcpdrop" -> {
        if (stages.length != 1 || first.length != 3 || !first[1].equals("-s")) {
          throw ScriptException.unsupported(
              0, "shell command `" + commandLine + "` (only `tcpdrop -s STATE`)");
        }
        tcpdrop(first[2]);
        return;
      }
      case "sockstat" -> {
        lines = sockstat(first);
        ok = true;
      }
      default -> throw ScriptException.unsupported(0, "shell command `" + commandLine + "`");
    }
    List<String> input = lines;
    for (int i = 1; i < stages.length; i++) {
      input = lines;
      String[] w = words(stages[i]);
      if (!w[0].equals("grep"))
        throw ScriptException.unsupported(0, "`" + w[0] + "` in a pipeline");
      boolean count = w.length == 3 && w[1].equals("-c");
      if (w.length != (count ? 3 : 2))
        throw ScriptException.unsupported(0, "grep options in `" + stages[i].strip() + "`");
      String pattern = w[w.length - 1];
      List<String> matched = new ArrayList<>();
      for (String l : lines) if (l.contains(pattern)) matched.add(l);
      ok = !matched.isEmpty();
      lines = count ? List.of(Integer.toString(matched.size())) : matched;
    }
    if (!ok) {
      throw ScriptException.mismatch(
          0,
          "command failed: `" + commandLine + "`",
          "a match in the last stage's input",
          input.isEmpty() ? "no lines" : String.join(" / ", input));
    }
  }

  /**
   * {@code sysctl [-q] [-w] [-e] NAME=VALUE ... | NAME ...}, as procps' sysctl reads it: -q quiet,
   * -w write (implied by {@code =}), -e ignore names the system does not have. A name read is
   * checked to exist; a value may be quoted ({@code net.ipv4.tcp_rmem="4096 131072 6291456"}).
   */
  private void sysctl(String commandLine) {
    List<String> args = shellWords(commandLine.strip());
    boolean ignoreUnknown = false;
    List<String> settings = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(">") || a.equals("2>")) {
        i++; // "> /dev/null": where the output goes does not matter here
      } else if (a.startsWith(">") || a.startsWith("2>")) {
        // ">/dev/null" in one word: skipped as well
      } else if (a.startsWith("-")) {
        for (char f : a.substring(1).toCharArray()) {
          switch (f) {
            case 'q', 'w', 'n' -> {}
            case 'e' -> ignoreUnknown = true;
            default -> throw ScriptException.unsupported(0, "sysctl option -" + f);
          }
        }
      } else {
        settings.add(a);
      }
    }
    if (settings.isEmpty())
      throw ScriptException.unsupported(
          0, "shell command `" + commandLine + "` (sysctl without a variable)");
    for (String setting : settings) {
      int eq = setting.indexOf('=');
      String name = eq < 0 ? setting : setting.substring(0, eq);
      if (!Sysctls.knows(name) && ignoreUnknown)
        continue; // -e: as on a system without the variable
      if (eq < 0) {
        if (!Sysctls.knows(name))
          throw ScriptException.unsupported(
              0, "sysctl " + name + " (no equivalent setting in synack)");
        continue;
      }
      setSysctl(setting, ignoreUnknown);
    }
  }

  private void setSysctl(String setting, boolean ignoreUnknown) {
    int eq = setting.indexOf('=');
    String name = setting.substring(0, eq).strip();
    if (ignoreUnknown && !Sysctls.knows(name)) return;
    String warning = sysctls.set(name, unquote(setting.substring(eq + 1).strip()));
    if (warning != null) warnings.add(warning);
    if (name.startsWith("net.ipv4.tcp_fastopen")) sysctls.applyFastOpen(hut.host);
  }

  private static String unquote(String v) {
    return v.length() >= 2
            && ((v.startsWith("\"") && v.endsWith("\"")) || (v.startsWith("'") && v.endsWith("'")))
        ? v.substring(1, v.length() - 1)
        : v;
  }

  /**
   * Splits a command line into words as a shell does for plain words and double or single quotes.
   */
  private static List<String> shellWords(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder b = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (char ch : line.toCharArray()) {
      if (quote != 0) {
        if (ch == quote) quote = 0;
        else b.append(ch);
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
        inWord = true;
      } else if (Character.isWhitespace(ch)) {
        if (inWord) out.add(b.toString());
        b.setLength(0);
        inWord = false;
      } else {
        b.append(ch);
        inWord = true;
      }
    }
    if (inWord) out.add(b.toString());
    return out;
  }

  private static String[] words(String stage) {
    return stage.strip().split("\\s+");
  }

  /**
   * Returns the lines FreeBSD's {@code sockstat -s} would print for TCP: the script's sockets
   * (command {@code packetdrill}, cut to ten letters as sockstat prints it), then the host's
   * connections no descriptor holds (handshakes not yet accepted, orphans closing), which sockstat
   * shows without a process.
   */
  private List<String> sockstat(String[] args) {
    Boolean v4 = null;
    Set<Integer> ports = new HashSet<>();
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "-4" -> v4 = true;
        case "-6" -> v4 = false;
        case "-s" -> {}
        case "-P" -> {
          if (i + 1 >= args.length || !args[++i].equals("tcp"))
            throw ScriptException.unsupported(0, "sockstat for another protocol than tcp");
        }
        case "-p" -> {
          if (i + 1 >= args.length)
            throw ScriptException.unsupported(0, "sockstat -p without ports");
          for (String p : args[++i].split(",")) ports.add(Integer.parseInt(p));
        }
        default -> throw ScriptException.unsupported(0, "sockstat option " + args[i]);
      }
    }
    List<String> lines = new ArrayList<>();
    Set<Connection> owned = new HashSet<>();
    for (ScriptSocket s : sockets.sockets()) {
      if (s.connection != null) owned.add(s.connection);
      int localPort = s.connection != null ? s.connection.id().localPort() : s.boundPort;
      int remotePort = s.connection != null ? s.connection.id().remotePort() : 0;
      InetAddress family = s.connection != null ? s.connection.id().localAddress() : null;
      if (!matches(v4, ports, family, localPort, remotePort)) continue;
      lines.add(
          "root     packetdril 1 "
              + s.fd
              + " tcp "
              + localPort
              + " "
              + remotePort
              + " "
              + s.sockstatState());
    }
    for (Connection c : hut.host.connections()) {
      if (owned.contains(c)) continue;
      if (!matches(v4, ports, c.id().localAddress(), c.id().localPort(), c.id().remotePort()))
        continue;
      lines.add(
          "?        ?          ? ? tcp "
              + c.id().localPort()
              + " "
              + c.id().remotePort()
              + " "
              + ScriptSocket.sockstatName(c.state()));
    }
    return lines;
  }

  private static boolean matches(
      Boolean v4, Set<Integer> ports, InetAddress family, int localPort, int remotePort) {
    if (v4 != null && family != null && (family instanceof Inet4Address) != v4) return false;
    return ports.isEmpty() || ports.contains(localPort) || ports.contains(remotePort);
  }

  /**
   * Drops every connection in a state, as FreeBSD's {@code tcpdrop -s} does (for TIME-WAIT: the TCB
   * goes, no segment is sent).
   */
  private void tcpdrop(String state) {
    TcpState target = state.equals("SYN_RCVD") ? TcpState.SYN_RECEIVED : null;
    for (TcpState t : TcpState.values()) if (t.name().equals(state)) target = t;
    if (target == null) throw ScriptException.unsupported(0, "tcpdrop -s " + state);
    for (Connection c : hut.host.connections()) {
      if (c.state() == target) c.abort(hut.now());
    }
    hut.collect();
  }
}
