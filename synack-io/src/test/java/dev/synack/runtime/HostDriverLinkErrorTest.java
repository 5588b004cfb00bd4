package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.Link;
import dev.synack.link.MemoryLink;
import dev.synack.link.ReopeningLink;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A link error never ends a {@link HostDriver}'s loop: it is counted, noted once per episode, and
 * outlived.
 */
class HostDriverLinkErrorTest {
  private static final InetAddress CLIENT = address("10.0.0.1");
  private static final InetAddress SERVER = address("10.0.0.2");
  private static final int PORT = 5000;
  private static final int TIMEOUT_MILLIS = 60_000;

  private final MemoryLink.Pair pair = MemoryLink.pair();
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  private HostDriver clientDriver;
  private HostDriver serverDriver;

  @AfterEach
  void close() throws Exception {
    if (clientDriver != null) clientDriver.close();
    if (serverDriver != null) serverDriver.close();
  }

  private void start(Link clientLink) {
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    clientDriver = new HostDriver(client, clientLink, notes::add);
    serverDriver = new HostDriver(server, pair.b());
  }

  @Test
  void sendsFailForAWhile_packetsDroppedAndCounted_transferCompletesIntact_oneEpisodeNotedTwice()
      throws Exception {
    FlakyLink flaky = new FlakyLink(pair.a());
    start(flaky);
    byte[] data = random(300_000);
    try (TcpServerSocket listener = TcpServerSocket.bind(serverDriver, server, null, PORT, 4)) {
      byte[] got =
          transfer(
              listener,
              data,
              () ->
                  flaky.failSends.set(3)); // the device goes down: 3 writes fail (a burst, then RTO
      // retransmissions)
      assertArrayEquals(data, got, "every byte once, in order");
    }
    assertTrue(clientDriver.isRunning(), "the loop carries on: " + clientDriver.failure());
    LinkErrors errors = clientDriver.linkErrors();
    assertEquals(3, errors.sendErrors(), errors.toString());
    assertEquals(0, errors.receiveErrors());
    assertEquals(1, errors.episodes(), "one run of errors: " + notes);
    assertFalse(errors.failing());
    assertEquals(
        2, notes.size(), "noted when it started and when it ended, not per packet: " + notes);
    assertTrue(
        notes.get(0).contains("test link is down") && notes.get(0).contains("carrying on"),
        notes.get(0));
    assertTrue(notes.get(1).contains("works again after 3 errors"), notes.get(1));
  }

  @Test
  void receivesFailAtOnce_loopPausesBetweenAttempts_stillRunsCallsAndCarriesOnWhenTheLinkReturns()
      throws Exception {
    FlakyLink flaky = new FlakyLink(pair.a());
    start(flaky);
    flaky.gone = true;
    // A call to the waiting loop would run on this thread and leave the loop's wait alone: a task
    // handed to it ends the wait, so that its next receive fails.
    clientDriver.execute(now -> {});
    // Calls still run while the link fails (the pause ends on a wakeup, or the call claims the
    // pausing loop): 20 of them.
    for (int i = 0; i < 20; i++) assertEquals(i, (int) clientDriver.call(now -> 0) + i);
    Thread.sleep(300);
    long attempts = flaky.receivesWhileGone.get();
    assertTrue(clientDriver.isRunning(), String.valueOf(clientDriver.failure()));
    LinkErrors errors = clientDriver.linkErrors();
    assertTrue(errors.failing() && errors.receiveErrors() > 0, errors.toString());
    // Without the pause a failing receive returns at once and the loop spins millions of times a
    // second.
    assertTrue(attempts < 1_000, "receive attempts while failing: " + attempts);
    assertEquals(1, notes.size(), "one note however many errors: " + notes);

    flaky.gone = false;
    try (TcpServerSocket listener = TcpServerSocket.bind(serverDriver, server, null, PORT, 4)) {
      byte[] data = random(50_000);
      assertArrayEquals(data, transfer(listener, data, () -> {}));
    }
    assertFalse(clientDriver.linkErrors().failing());
    assertEquals(2, notes.size(), String.valueOf(notes));
  }

  @Test
  void linkGoneMidTransfer_reopeningLinkOpensAFreshOne_transferCompletesIntact() throws Exception {
    List<FlakyLink> opened = Collections.synchronizedList(new ArrayList<>());
    ReopeningLink reopening =
        ReopeningLink.open(
            () -> {
              FlakyLink l = new FlakyLink(pair.a());
              opened.add(l);
              return l;
            });
    start(reopening);
    byte[] data = random(300_000);
    try (TcpServerSocket listener = TcpServerSocket.bind(serverDriver, server, null, PORT, 4)) {
      byte[] got =
          transfer(
              listener,
              data,
              () -> opened.getFirst().gone = true); // the device is deleted under the loop
      assertArrayEquals(data, got, "every byte once, in order");
    }
    assertTrue(clientDriver.isRunning(), String.valueOf(clientDriver.failure()));
    assertEquals(1, reopening.reopens());
    assertEquals(2, opened.size());
    assertTrue(opened.getFirst().closed, "the lost link was closed");
    assertTrue(opened.get(1) == reopening.current(), "the fresh link is in use");
    assertTrue(clientDriver.linkErrors().total() > 0);
  }

  @Test
  void reopenFails_retriedAfterAGrowingInterval_thenSucceeds() throws Exception {
    List<FlakyLink> opened = Collections.synchronizedList(new ArrayList<>());
    int[] failuresLeft = {2};
    ReopeningLink reopening =
        ReopeningLink.open(
            () -> {
              if (!opened.isEmpty() && failuresLeft[0]-- > 0)
                throw new IOException("synack: no such device yet");
              FlakyLink l = new FlakyLink(pair.a());
              opened.add(l);
              return l;
            });
    opened.getFirst().gone = true;
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1500);
    IOException first =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class, () -> reopening.receive(buf, 0));
    assertInstanceOf(dev.synack.link.LinkGoneException.class, first);
    // Until the first retry is due, calls fail at once without trying.
    IOException early =
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> reopening.send(buf));
    assertInstanceOf(dev.synack.link.LinkGoneException.class, early);
    assertEquals(2, failuresLeft[0], "no attempt before the first retry is due");
    int receives = 0;
    while (reopening.current() == null && receives++ < 1_000) {
      try {
        reopening.receive(buf.clear(), 0);
      } catch (dev.synack.link.LinkGoneException e) {
        assertNotNull(e.getMessage());
        Thread.sleep(20);
      }
    }
    assertEquals(1, reopening.reopens(), "reopened after two failed attempts");
    assertEquals(-1, failuresLeft[0]);
    reopening.close();
    org.junit.jupiter.api.Assertions.assertThrows(
        ClosedChannelException.class, () -> reopening.receive(buf, 0));
  }

  @Test
  void linkClosedUnderTheLoop_stopsIt() throws Exception {
    start(pair.a());
    pair.a().close();
    for (int i = 0; i < 200 && clientDriver.isRunning(); i++) Thread.sleep(10);
    assertFalse(clientDriver.isRunning(), "a link its owner closed leaves nothing to drive");
    assertInstanceOf(ClosedChannelException.class, clientDriver.failure());
  }

  /**
   * Sends {@code data} from the client to the server's {@code listener} and returns what the server
   * read; {@code midway} runs once a third is written.
   */
  private byte[] transfer(TcpServerSocket listener, byte[] data, Runnable midway) throws Exception {
    listener.setSoTimeout(TIMEOUT_MILLIS);
    CompletableFuture<Void> sent = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (TcpSocket s =
                  TcpSocket.connect(
                      clientDriver, client, new InetSocketAddress(SERVER, PORT), TIMEOUT_MILLIS)) {
                int third = data.length / 3;
                s.getOutputStream().write(data, 0, third);
                midway.run();
                s.getOutputStream().write(data, third, data.length - third);
                sent.complete(null);
              } catch (Throwable t) {
                sent.completeExceptionally(t);
              }
            });
    byte[] got = new byte[data.length];
    try (TcpSocket accepted = listener.accept()) {
      accepted.setSoTimeout(TIMEOUT_MILLIS);
      new DataInputStream(accepted.getInputStream()).readFully(got);
    }
    sent.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    return got;
  }

  private static byte[] random(int length) {
    byte[] data = new byte[length];
    new SplittableRandom(length).nextBytes(data);
    return data;
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
