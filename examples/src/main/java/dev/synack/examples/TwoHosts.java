package dev.synack.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Two synack hosts on a simulated network: the client sends a line, the server echoes it, both
 * close.
 */
public final class TwoHosts {
  public static void main(String[] args) {
    System.out.println(echo("hello, synack"));
  }

  /** Returns what the client reads back after sending {@code message} across a lossy network. */
  static String echo(String message) {
    InetAddress clientAddress = InetAddress.ofLiteral("10.0.0.1");
    InetAddress serverAddress = InetAddress.ofLiteral("10.0.0.2");
    Host client = new Host("client", HostConfig.defaults(1), null); // no trace sink
    Host server = new Host("server", HostConfig.defaults(2), null);
    client.addAddress(clientAddress);
    server.addAddress(serverAddress);

    // 10 ms each way, one packet in five lost, all in virtual time: the run takes milliseconds.
    SimNetwork net = new SimNetwork(42);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, clientAddress);
    net.attach(s, serverAddress);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(10)).withLoss(0.2));
    long minute = Duration.ofMinutes(1).toNanos();

    // Calls take the current time and return at once; the network runs between them.
    Listener listener = server.listen(serverAddress, 7, 16);
    Connection toServer = client.connect(serverAddress, 7, net.now());
    net.runUntil(() -> listener.pendingAccepts() > 0, net.now() + minute);
    Connection fromClient = listener.accept();
    toServer.send(ByteBuffer.wrap(message.getBytes(UTF_8)), net.now());
    toServer.close(net.now()); // FIN after the data: a half-close

    // The server reads to the end of the stream, sends it all back, and closes its side.
    ByteBuffer request = ByteBuffer.allocate(1024);
    net.runUntil(() -> fromClient.receive(request, net.now()) < 0, net.now() + minute);
    fromClient.send(request.flip(), net.now());
    fromClient.close(net.now());

    ByteBuffer reply = ByteBuffer.allocate(1024);
    net.runUntil(() -> toServer.receive(reply, net.now()) < 0, net.now() + minute);
    net.runUntilIdle(net.now() + 5 * minute); // the client's TIME_WAIT (2 MSL) passes
    return UTF_8.decode(reply.flip())
        + " (client "
        + toServer.state()
        + ", server "
        + fromClient.state()
        + ", after "
        + Duration.ofNanos(net.now())
        + " of virtual time)";
  }
}
