package dev.synack.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code java.net.Socket} and {@code ServerSocket} on synack's {@link SynackSocketImpl} (as {@link
 * SynackSockets} makes them) over a simulated network, whose loop closes under a thread blocked in
 * a connect, an accept or a read: the call ends with the {@code SocketException("Socket closed")} a
 * JDK socket closed by another thread gives, never a channel's exception, and its thread ends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocketsClosedWithTheirLoopTest {
  private static final int PORT = 8090;
  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private final SimPair pair = new SimPair();

  @AfterEach
  void tearDown() throws Exception {
    pair.close();
  }

  private Socket newSocket() throws Exception {
    return pair.apps
        .host("client")
        .call(() -> new Socket(new SynackSocketImpl(provider, false)) {});
  }

  private ServerSocket newServerSocket(String host) throws Exception {
    return pair.apps
        .host(host)
        .call(
            () -> {
              // Accepts into a synack socket, as the installed factory would make it.
              ServerSocket s =
                  new ServerSocket(new SynackSocketImpl(provider, true)) {
                    @Override
                    public Socket accept() throws java.io.IOException {
                      Socket into = new Socket(new SynackSocketImpl(provider, false)) {};
                      implAccept(into);
                      return into;
                    }
                  };
              s.bind(new InetSocketAddress(PORT));
              return s;
            });
  }

  /** A call running on a thread of its own (on the client host), and that thread. */
  private record Blocked(Thread thread, CompletableFuture<Object> outcome) {}

  /** Starts {@code call} and returns once it waits for an event only the close can bring. */
  private Blocked blockedIn(Callable<Object> call) throws Exception {
    CompletableFuture<Object> f = new CompletableFuture<>();
    HostScope.Binding on = pair.apps.host("client").binding();
    Thread t =
        Thread.ofPlatform()
            .daemon(true)
            .name("blocked-socket-call")
            .start(
                () -> {
                  try {
                    f.complete(HostScope.call(on, call));
                  } catch (Throwable e) {
                    f.completeExceptionally(e);
                  }
                });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(t.getState() == Thread.State.WAITING
        && Arrays.stream(t.getStackTrace())
            .anyMatch(e -> e.getMethodName().equals("awaitChange")))) {
      assertFalse(f.isDone(), "the call did not block: " + f);
      assertTrue(System.nanoTime() < deadline, "the call never blocked");
      Thread.sleep(5);
    }
    return new Blocked(t, f);
  }

  /** Closes the network's loop and returns what the blocked call ended with. */
  private Throwable failureAfterClosing(Blocked b) throws Exception {
    pair.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> b.outcome().get(30, TimeUnit.SECONDS));
    b.thread().join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(b.thread().isAlive(), "the blocked thread ended");
    return e.getCause();
  }

  @Test
  void readWithNothingSent_loopClosed_socketClosedException() throws Exception {
    ServerSocket server = newServerSocket("server");
    Socket s = newSocket();
    pair.apps.host("client").run(() -> s.connect(new InetSocketAddress(SimPair.SERVER, PORT)));
    Blocked read = blockedIn(() -> s.getInputStream().read());

    Throwable cause = failureAfterClosing(read);

    assertInstanceOf(SocketException.class, cause);
    assertEquals("Socket closed", cause.getMessage());
    server.close();
  }

  @Test
  void acceptWithNoClient_loopClosed_socketClosedException() throws Exception {
    ServerSocket server = newServerSocket("client");
    Blocked accept = blockedIn(server::accept);

    Throwable cause = failureAfterClosing(accept);

    assertInstanceOf(SocketException.class, cause);
    assertEquals("Socket closed", cause.getMessage());
  }

  @Test
  void connectToASilentAddress_loopClosed_socketClosedException() throws Exception {
    Socket s = newSocket();
    // Nobody has 10.0.0.99: the SYN goes unanswered through its retries.
    Blocked connect =
        blockedIn(
            () -> {
              s.connect(new InetSocketAddress(InetAddress.ofLiteral("10.0.0.99"), PORT));
              return null;
            });

    Throwable cause = failureAfterClosing(connect);

    assertInstanceOf(SocketException.class, cause);
    assertEquals("Socket closed", cause.getMessage());
  }
}
