package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Waiters registered on a connection's or listener's {@link Signal} hear of its readiness after a
 * loop turn.
 */
class WaiterTest {
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final InetAddress serverAddress = InetAddress.ofLiteral("10.0.0.2");
  private final SimDriver driver;

  WaiterTest() {
    InetAddress clientAddress = InetAddress.ofLiteral("10.0.0.1");
    client.addAddress(clientAddress);
    server.addAddress(serverAddress);
    SimNetwork net = new SimNetwork(3);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, clientAddress);
    net.attach(s, serverAddress);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    driver = new SimDriver(net, List.of(client, server));
  }

  @AfterEach
  void close() throws Exception {
    driver.close();
  }

  @Test
  void listenerAndConnection_toldTheirReadiness_onlyWhenItIntersectsTheMask() throws Exception {
    CompletableFuture<Integer> acceptable = new CompletableFuture<>();
    Listener l =
        driver.call(
            now -> {
              Listener listening = server.listen(null, 80, 8);
              EventLoop.signalOf(listening).register(acceptable::complete, Readiness.ACCEPTABLE);
              return listening;
            });
    Connection c =
        driver.call(
            now -> {
              Connection opened = client.connect(serverAddress, 80, now);
              EventLoop.signalOf(opened);
              return opened;
            });
    assertEquals(Readiness.ACCEPTABLE, acceptable.get(10, TimeUnit.SECONDS));

    CompletableFuture<Integer> readable = new CompletableFuture<>();
    AtomicInteger errors = new AtomicInteger();
    Connection accepted =
        driver.call(
            now -> {
              Connection s = l.accept();
              EventLoop.signalOf(s).register(m -> errors.incrementAndGet(), Readiness.ERROR);
              EventLoop.signalOf(s).register(readable::complete, Readiness.READABLE);
              return s;
            });
    driver.call(now -> c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), now));
    int mask = readable.get(10, TimeUnit.SECONDS);
    assertEquals(
        Readiness.READABLE | Readiness.CONNECTED | Readiness.WRITABLE,
        mask,
        Readiness.toString(mask));
    assertEquals(0, errors.get(), "a waiter for ERROR is not told of data");
    assertFalse(accepted.isReleased());
  }

  @Test
  void connectionNobodyAskedASignalOf_getsNone_itsAttachmentStays_andTheListenerHearsIt()
      throws Exception {
    Listener l = driver.call(now -> server.listen(null, 81, 8));
    Connection c = driver.call(now -> client.connect(serverAddress, 81, now));
    Connection accepted = null;
    for (int i = 0; i < 500 && accepted == null; i++) {
      accepted = driver.call(now -> l.accept());
      if (accepted == null) Thread.sleep(10);
    }
    Connection s = accepted;
    assertNotNull(s, "accepted");
    CompletableFuture<Void> heard = new CompletableFuture<>();
    driver.call(
        now -> {
          s.attach("the embedder's own");
          driver.setEventListener(
              e -> {
                if (e instanceof HostEvent.OfConnection(var k, var event) && k == s) {
                  heard.complete(null);
                }
              });
          return null;
        });
    driver.call(now -> c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), now));
    heard.get(10, TimeUnit.SECONDS);
    assertEquals("the embedder's own", driver.call(now -> s.attachment()));
    assertNull(driver.call(now -> c.attachment()), "the client's events made it no signal");
  }
}
