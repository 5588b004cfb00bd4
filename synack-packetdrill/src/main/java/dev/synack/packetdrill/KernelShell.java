package dev.synack.packetdrill;

import java.util.ArrayList;
import java.util.List;

/**
 * The shell lines of a script on the kernel target, run in the script's namespace: {@code sysctl}
 * writes of Linux's names ({@code -q}, {@code -w}, {@code -e}), packetdrill's {@code defaults.sh},
 * and FreeBSD's {@code sockstat -4 -P tcp [-p PORT] -s} piped through {@code grep} and {@code grep
 * -c}, answered from the namespace's {@code /proc/net/tcp} with FreeBSD's state names. Anything
 * else is unsupported.
 */
final class KernelShell {
  private KernelShell() {}

  /**
   * Runs a command line on the calling thread (which must be in the script's namespace).
   *
   * @throws ScriptException (mismatch) when it fails, (unsupported) when it is not one of the above
   */
  static void run(String commandLine, List<String> warnings) {
    String line = commandLine.strip();
    if (line.contains("\n")) {
      for (String l : line.split("\n")) if (!l.isBlank()) run(l, warnings);
      return;
    }
    String[] stages = line.split("\\|");
    String[] first = stages[0].strip().split("\\s+");
    if (first[0].endsWith("defaults.sh") && first.length == 1) {
      for (String s : LinuxSysctls.DEFAULTS_SH) {
        String why = KernelHost.setSysctl(s);
        if (why != null) warnings.add("defaults.sh: " + why);
      }
      return;
    }
    if (first[0].equals("sysctl") && stages.length == 1) {
      boolean ignoreMissing = false;
      for (int i = 1; i < first.length; i++) {
        String w = first[i];
        if (w.equals("-q") || w.equals("-w")) continue;
        if (w.equals("-e")) {
          ignoreMissing = true;
          continue;
        }
        if (!w.contains("=") || !w.startsWith("net."))
          throw ScriptException.unsupported(0, "shell command `" + line + "` on the kernel target");
        String why = KernelHost.setSysctl(w);
        if (why != null && !(ignoreMissing && why.endsWith("no such setting"))) {
          throw ScriptException.mismatch(
              0, "command failed: `" + line + "`", "the setting written", why);
        }
      }
      return;
    }
    if (!first[0].equals("sockstat")
        || line.contains("&&")
        || line.contains("||")
        || line.contains(";")) {
      throw ScriptException.unsupported(0, "shell command `" + line + "` on the kernel target");
    }
    List<String> lines = sockstat(first);
    List<String> input = lines;
    boolean ok = true;
    for (int i = 1; i < stages.length; i++) {
      input = lines;
      String[] w = stages[i].strip().split("\\s+");
      boolean count = w.length == 3 && w[0].equals("grep") && w[1].equals("-c");
      if (!w[0].equals("grep") || w.length != (count ? 3 : 2)) {
        throw ScriptException.unsupported(
            0, "`" + stages[i].strip() + "` in a pipeline on the kernel target");
      }
      List<String> matched = new ArrayList<>();
      for (String l : lines) if (l.contains(w[w.length - 1])) matched.add(l);
      ok = !matched.isEmpty();
      lines = count ? List.of(Integer.toString(matched.size())) : matched;
    }
    if (!ok) {
      throw ScriptException.mismatch(
          0,
          "command failed: `" + line + "`",
          "a match in the last stage's input",
          input.isEmpty() ? "no lines" : String.join(" / ", input));
    }
  }

  private static List<String> sockstat(String[] args) {
    boolean v4 = true;
    List<Integer> ports = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "-4", "-s" -> {}
        case "-6" -> v4 = false;
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
    List<String> out = new ArrayList<>();
    for (String[] row : KernelHost.sockets(v4)) {
      int local = Integer.parseInt(row[0]);
      int remote = Integer.parseInt(row[1]);
      if (!ports.isEmpty() && !ports.contains(local) && !ports.contains(remote)) continue;
      out.add(
          "?        ?          ? ? tcp "
              + local
              + " "
              + remote
              + " "
              + ScriptSocket.sockstatName(dev.synack.tcp.TcpState.valueOf(row[2])));
    }
    return out;
  }
}
