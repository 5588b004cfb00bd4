package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code synack ss}: a running command's connections, asked through its control socket. */
class SsCommandTest {
  @TempDir Path dir;

  @Test
  void establishedConnection_listedWithQueuesEndpointsAndInfo() throws Exception {
    InetAddress a = InetAddress.ofLiteral("10.0.0.1");
    InetAddress b = InetAddress.ofLiteral("10.0.0.2");
    Host client = new Host("client", HostConfig.defaults(1), null);
    Host server = new Host("server", HostConfig.defaults(2), null);
    client.addAddress(a);
    server.addAddress(b);
    SimNetwork net = new SimNetwork(7);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, a);
    net.attach(s, b);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    StringWriter notes = new StringWriter();
    try (SimDriver driver = new SimDriver(net, List.of(client, server));
        TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, 80, 16);
        TcpSocket socket = TcpSocket.connect(driver, client, new InetSocketAddress(b, 80), 10_000);
        TcpSocket accepted = listener.accept();
        ControlSocket control =
            ControlSocket.open(dir, "serve", driver, server, new PrintWriter(notes, true))) {
      socket.getOutputStream().write(new byte[3000]);
      socket.getOutputStream().flush();
      assertEquals(3000, accepted.getInputStream().readNBytes(3000).length);
      assertTrue(Files.exists(control.path()), notes.toString());

      String[] r = run("ss", "--dir", dir.toString());
      assertEquals("0", r[0], r[2]);
      List<String> lines = r[1].lines().toList();
      assertTrue(lines.get(0).startsWith("State      Recv-Q Send-Q Local Address:Port"), r[1]);
      String conn =
          lines.stream()
              .filter(l -> l.startsWith("ESTAB"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(r[1]));
      assertTrue(
          conn.contains("10.0.0.2:80")
              && conn.contains("10.0.0.1:")
              && conn.contains("synack serve (pid "),
          conn);
      String info = lines.get(lines.indexOf(conn) + 1);
      assertTrue(info.startsWith("\t ts sack cubic wscale:"), info);
      assertTrue(info.contains("bytes_received:3000"), info);
    }
    assertFalse(
        Files.list(dir).anyMatch(p -> p.toString().endsWith(".sock")),
        "the socket is removed when the command ends");
  }

  @Test
  void staleSocketOfAGoneProcess_skippedAndRemoved() throws Exception {
    Path stale = dir.resolve("serve-999999999.sock");
    Files.createFile(stale);
    String[] r = run("ss", "--dir", dir.toString());
    assertEquals("0", r[0], r[2]);
    assertEquals(1, r[1].lines().count(), "only the header: " + r[1]);
    assertFalse(Files.exists(stale));
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }
}
