package dev.synack.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack ss}: the TCP connections of every running {@code serve}, {@code connect} and {@code
 * forward} of this user, as {@code ss -tin} prints the kernel's: state, queues, endpoints, the
 * process, then the connection's {@link dev.synack.tcp.TcpInfo} line.
 */
@Command(
    name = "ss",
    mixinStandardHelpOptions = true,
    header = "Lists the TCP connections of the running synack commands, as 'ss -tin' does.",
    description =
        "Lists the TCP connections of the running serve, connect and forward commands, as 'ss -tin' lists the kernel's.")
final class SsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "where the control sockets are (default: $SYNACK_RUNTIME_DIR, $XDG_RUNTIME_DIR/synack or /tmp/synack-USER)")
  Path dir;

  @Override
  public Integer call() throws IOException {
    Path where = dir != null ? dir : ControlSocket.directory();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        String.format(
            "%-10s %-6s %-6s %-25s %-25s %s",
            "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process"));
    if (!Files.isDirectory(where)) {
      out.flush();
      return 0;
    }
    List<Path> sockets;
    try (Stream<Path> s = Files.list(where)) {
      sockets =
          new ArrayList<>(
              s.filter(p -> p.getFileName().toString().endsWith(".sock")).sorted().toList());
    }
    for (Path socket : sockets) {
      String answer = ask(socket);
      if (answer == null) {
        removeIfStale(socket);
        continue;
      }
      out.print(answer);
    }
    out.flush();
    return 0;
  }

  /** Returns what the process behind {@code socket} answers, or null when nobody answers there. */
  private static String ask(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      StringBuilder b = new StringBuilder();
      while (ch.read(buf) >= 0) {
        buf.flip();
        b.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
      }
      return b.toString();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Removes the socket of a process that is gone (its pid is in the name); a live one's is left
   * alone.
   */
  private static void removeIfStale(Path socket) {
    String name = socket.getFileName().toString();
    String digits = name.replaceAll("^.*-(\\d+)\\.sock$", "$1");
    if (digits.equals(name)) return;
    boolean alive =
        ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false);
    if (alive) return;
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // Someone else's, or already gone.
    }
  }
}
