package dev.synack.cli;

import dev.synack.runtime.EventLoop;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a running {@code serve}, {@code connect} or {@code forward} answers {@code synack ss}: a
 * Unix-domain socket named {@code COMMAND-PID.sock} in {@link #directory()}, which answers each
 * connection with the host's TCP connections, one {@code ss -tin}-like pair of lines each, then
 * closes it. The socket is removed when the command ends.
 */
final class ControlSocket implements AutoCloseable {
  private final ServerSocketChannel channel;
  private final Path path;
  private final Thread thread;

  private ControlSocket(
      ServerSocketChannel channel, Path path, EventLoop loop, Host host, String process) {
    this.channel = channel;
    this.path = path;
    this.thread = Thread.ofVirtual().name("synack-control").start(() -> serve(loop, host, process));
  }

  /**
   * Returns the directory of the control sockets: {@code $SYNACK_RUNTIME_DIR}, else {@code
   * $XDG_RUNTIME_DIR/synack}, else {@code /tmp/synack-USER}.
   */
  static Path directory() {
    String dir = System.getenv("SYNACK_RUNTIME_DIR");
    if (dir != null && !dir.isEmpty()) return Path.of(dir);
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isEmpty()) return Path.of(xdg, "synack");
    return Path.of(
        System.getProperty("java.io.tmpdir"), "synack-" + System.getProperty("user.name"));
  }

  /**
   * Opens the control socket of {@code command} (serve, connect, forward) for {@code host} on
   * {@code loop}; returns null, after a note on {@code err}, when it cannot (ss will not see this
   * process, which works on without it).
   */
  static ControlSocket open(String command, EventLoop loop, Host host, java.io.PrintWriter err) {
    return open(directory(), command, loop, host, err);
  }

  static ControlSocket open(
      Path dir, String command, EventLoop loop, Host host, java.io.PrintWriter err) {
    long pid = ProcessHandle.current().pid();
    Path path = dir.resolve(command + "-" + pid + ".sock");
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.deleteIfExists(path);
      ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      channel.bind(UnixDomainSocketAddress.of(path));
      return new ControlSocket(
          channel, path, loop, host, "synack " + command + " (pid " + pid + ")");
    } catch (IOException | UnsupportedOperationException e) {
      err.println(
          "synack "
              + command
              + ": no control socket for 'synack ss' ("
              + path
              + ": "
              + e.getMessage()
              + ")");
      return null;
    }
  }

  /** Returns the socket's path. */
  Path path() {
    return path;
  }

  private void serve(EventLoop loop, Host host, String process) {
    while (channel.isOpen()) {
      try (SocketChannel client = channel.accept()) {
        List<String> lines;
        try {
          lines = loop.call(now -> report(host, process, now));
        } catch (IOException e) {
          lines = List.of("# " + process + ": " + e.getMessage());
        }
        ByteBuffer out =
            StandardCharsets.UTF_8.encode(String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"));
        while (out.hasRemaining()) client.write(out);
      } catch (IOException e) {
        if (!channel.isOpen()) return; // closed: the command is ending
      }
    }
  }

  /**
   * Returns the lines of every connection of {@code host}: the {@code ss} line, then its info line.
   */
  static List<String> report(Host host, String process, long now) {
    List<String> lines = new ArrayList<>();
    for (Connection c : host.connections()) {
      Status s = c.status();
      TcpInfo info = c.info(now);
      lines.add(
          String.format(
              "%-10s %-6d %-6d %-25s %-25s %s",
              ssState(s.state()),
              s.receiveQueued(),
              s.sendQueued(),
              Addresses.endpoint(s.id().localAddress(), s.id().localPort()),
              Addresses.endpoint(s.id().remoteAddress(), s.id().remotePort()),
              process));
      lines.add("\t " + info.ssLine());
    }
    return lines;
  }

  /** Returns the name {@code ss} gives a state. */
  static String ssState(TcpState state) {
    return switch (state) {
      case ESTABLISHED -> "ESTAB";
      case SYN_SENT -> "SYN-SENT";
      case SYN_RECEIVED -> "SYN-RECV";
      case FIN_WAIT_1 -> "FIN-WAIT-1";
      case FIN_WAIT_2 -> "FIN-WAIT-2";
      case TIME_WAIT -> "TIME-WAIT";
      case CLOSED -> "UNCONN";
      case CLOSE_WAIT -> "CLOSE-WAIT";
      case LAST_ACK -> "LAST-ACK";
      case LISTEN -> "LISTEN";
      case CLOSING -> "CLOSING";
    };
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing at the end of the command.
    }
    thread.interrupt();
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // A socket file left behind is skipped by ss (nobody answers on it) and replaced next time.
    }
  }
}
