package dev.synack.forward;

import dev.synack.stack.Connection;
import dev.synack.stack.HeldSyn;
import dev.synack.stack.Readiness;
import dev.synack.stack.SynPolicy;
import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpException;
import dev.synack.tcp.TcpState;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP half of a forwarder. A SYN to X:p (held by the host, see {@link SynPolicy}) makes a
 * non-blocking host connection to X:p; the SYN-ACK goes back only once that succeeds. Refused →
 * RST; unreachable or timed out → the ICMP unreachable a router would send (or silence).
 *
 * <p>Everything runs on the synack loop: bytes move straight between the host socket and the synack
 * connection through the loop's one scratch buffer, driven by the connection's {@link Readiness}
 * (its events) and the host socket's (told by {@link Relay}). Down, the relay reads the host socket
 * only as much as the connection's send buffer has room for, so the bytes pass through and nothing
 * stays; up, it reads the connection and writes the host socket, and only what the host socket did
 * not take stays with the flow, in a buffer made for that and dropped once written. An idle relayed
 * connection holds no buffer. Back-pressure both ways: when the host socket is slow, the relay
 * stops reading the connection and synack's receive window closes; when the client is slow, the
 * connection's send buffer fills and the relay stops reading the host socket, whose kernel window
 * closes. FIN goes through as {@code shutdownOutput} both ways, RST as an abortive close both ways.
 */
final class TcpRelay implements SynPolicy, Relay.Sweep {
  /** The most bytes moved per read of a host socket or of a connection. */
  static final int CHUNK = 64 * 1024;

  private final ForwarderOptions options;
  private final ForwarderCounters counters;
  private final RelayBudget budget;

  /** The loop's buffer between host sockets and connections; every flow uses it in turn. */
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(CHUNK);

  /** The bytes moved per read: a chunk, or the whole relay budget when it is smaller. */
  private final int chunk;

  /** The index of the loop this relay runs on, for the per-loop counters. */
  private final int loopIndex;

  Relay relay;

  /**
   * Relaying flows, each at its {@link Flow#slot}; a flow is found from its connection through the
   * connection's attachment, so an idle flow costs a slot here rather than a map entry.
   */
  private final List<Flow> flows = new ArrayList<>();

  /**
   * Flows whose host connection is being made, for the sweep's connect timeout; once made, a flow
   * is in {@link #flows} alone, so that an idle relayed connection costs one map entry.
   */
  private final Set<Flow> connecting = new HashSet<>();

  /** Flows that stopped because the relay budget refused them bytes; the sweep tries them again. */
  private final Set<Flow> starved = new HashSet<>();

  TcpRelay(
      ForwarderOptions options, ForwarderCounters counters, RelayBudget budget, int loopIndex) {
    this.options = options;
    this.loopIndex = loopIndex;
    this.counters = counters;
    this.budget = budget;
    this.chunk = (int) Math.max(1, Math.min(CHUNK, budget.max()));
  }

  @Override
  public void decide(HeldSyn syn, long now) {
    if (counters.tcpActive.get() >= options.maxConnections()) {
      counters.tcpOverLimit.incrementAndGet();
      syn.drop(now);
      return;
    }
    counters.tcpActive.incrementAndGet();
    new Flow(syn, now).connect(now);
  }

  /** Takes a host event of a relayed connection. */
  void onEvent(Connection c, ConnectionEvent e, long now) {
    if (!(c.attachment() instanceof Flow f)) return;
    if (e instanceof ConnectionEvent.Closed(var error) && error != null) {
      // The client reset (or the connection timed out): the host socket is reset too.
      f.closeHost(true);
      f.end("client " + error.rfcText(), true, now);
      return;
    }
    f.pump(now);
  }

  /** Returns the number of flows relaying. */
  int relaying() {
    return flows.size();
  }

  @Override
  public void sweep(long now) {
    if (!connecting.isEmpty()) {
      for (Flow f : new ArrayList<>(connecting)) {
        if (now - f.started >= options.connectTimeout().toNanos()) f.failed(null, now);
      }
    }
    long idle = options.tcpIdleTimeout().toNanos();
    List<Flow> idleFlows = null;
    for (Flow f : flows) {
      if (!f.hostClosed && now - f.lastActivity >= idle) {
        if (idleFlows == null) idleFlows = new ArrayList<>();
        idleFlows.add(f);
      }
    }
    if (idleFlows != null) {
      for (Flow f : idleFlows) {
        f.closeHost(true);
        if (!f.ended) f.conn.abort(now);
        f.end("idle timeout", true, now);
      }
    }
    if (!starved.isEmpty()) {
      for (Flow f : new ArrayList<>(starved)) {
        starved.remove(f);
        f.pump(now);
      }
    }
  }

  /** How a SYN whose host connection failed is answered. */
  private enum Answer {
    REFUSE,
    NET,
    HOST,
    TIMEOUT
  }

  /** One relayed connection: the synack connection and the host socket; loop thread only. */
  final class Flow implements Relay.Ready {
    /** The SYN until it is answered; then null, so that its copy of the datagram is let go. */
    private HeldSyn held;

    private final FourTuple id;

    /**
     * When the SYN came (the loop's time): the connect timeout and the log's duration count from
     * it.
     */
    private final long started;

    /** The index of this flow in {@link #flows} while it relays. */
    private int slot = -1;

    /** The synack connection once the SYN is accepted. */
    private Connection conn;

    private boolean ended;
    private long up;
    private long down;
    private SocketChannel ch;
    private SelectionKey key;
    private long lastActivity;
    private boolean connected;
    private boolean hostClosed;

    /** The SOCKS5 handshake while it runs, and the proxy's bytes read for it. */
    private Socks5Handshake handshake;

    private ByteBuffer handshakeIn;

    /** Bytes read from the host socket that the connection did not take yet, or null: none. */
    private ByteBuffer toClient;

    /** Bytes received from the client that the host socket did not take yet, or null: none. */
    private ByteBuffer toHost;

    /**
     * Whether the last read found the host socket empty: then only its readiness ({@link #ready})
     * says when to read again.
     */
    private boolean hostEmpty;

    private boolean hostEof;
    private boolean clientEof;
    private boolean hostShut;
    private boolean finToClient;

    Flow(HeldSyn held, long now) {
      this.held = held;
      this.id = held.id();
      this.started = now;
    }

    private String describe() {
      return "tcp "
          + Addresses.endpoint(id.remoteAddress(), id.remotePort())
          + " -> "
          + Addresses.endpoint(id.localAddress(), id.localPort());
    }

    /**
     * Opens the host connection, without waiting: the loop goes on, and {@link #ready} hears when
     * it is made.
     */
    void connect(long now) {
      try {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connecting.add(this);
        InetSocketAddress target =
            options.socks5() != null
                ? options.socks5()
                : new InetSocketAddress(id.localAddress(), id.localPort());
        if (ch.connect(target)) {
          key = relay.register(ch, 0, this);
          reachedFirstHop(now);
        } else {
          key = relay.register(ch, SelectionKey.OP_CONNECT, this);
        }
      } catch (IOException e) {
        failed(e, now);
      }
    }

    @Override
    public void ready(long now) {
      if (hostClosed || ended) return;
      if (connected) {
        hostEmpty = false;
        pump(now);
        return;
      }
      try {
        if (handshake != null) {
          socksRead(now);
        } else if (ch.finishConnect()) {
          reachedFirstHop(now);
        } else {
          relay.arm(key, SelectionKey.OP_CONNECT);
        }
      } catch (IOException e) {
        failed(e, now);
      }
    }

    /**
     * The TCP connection is up: to the destination, or to the SOCKS5 proxy, which is asked to
     * CONNECT now.
     */
    private void reachedFirstHop(long now) throws IOException {
      if (options.socks5() == null) {
        connected(null, now);
        return;
      }
      handshake =
          new Socks5Handshake(
              new InetSocketAddress(id.localAddress(), id.localPort()),
              options.socksUser(),
              options.socksPassword());
      handshakeIn = ByteBuffer.allocate(600);
      writeHandshake();
      relay.arm(key, SelectionKey.OP_READ);
    }

    /**
     * Takes the proxy's answers (RFC 1928 §3-6); the SYN is answered once the proxy has connected
     * or failed.
     */
    private void socksRead(long now) throws IOException {
      int n = ch.read(handshakeIn);
      if (n < 0) {
        failed(Answer.HOST, "the SOCKS5 proxy closed the connection during the handshake", now);
        return;
      }
      handshakeIn.flip();
      Socks5Handshake.Outcome outcome = handshake.onRead(handshakeIn);
      while (outcome instanceof Socks5Handshake.Send) {
        writeHandshake();
        outcome = handshake.onRead(handshakeIn);
      }
      switch (outcome) {
        case Socks5Handshake.Connected c -> {
          handshake = null;
          connected(handshakeIn, now);
        }
        case Socks5Handshake.Failed(int reply, String why) ->
            failed(
                switch (reply) {
                  case Socks5Handshake.CONNECTION_REFUSED -> Answer.REFUSE;
                  case Socks5Handshake.NETWORK_UNREACHABLE -> Answer.NET;
                  default -> Answer.HOST;
                },
                "SOCKS5: " + why,
                now);
        default -> {
          handshakeIn.compact();
          relay.arm(key, SelectionKey.OP_READ);
        }
      }
    }

    private void writeHandshake() throws IOException {
      ByteBuffer out = handshake.output();
      ch.write(out);
      // A few bytes into a fresh socket's empty send buffer: a short write means the socket is
      // broken.
      if (out.hasRemaining()) throw new IOException("SOCKS5 handshake: short write to the proxy");
    }

    /**
     * The path to the destination is up: the held SYN is accepted (the SYN-ACK goes out) and the
     * relaying starts. {@code early} holds bytes of the destination's that came with the proxy's
     * reply, or null.
     */
    private void connected(ByteBuffer early, long now) {
      connected = true;
      lastActivity = now;
      handshakeIn = null;
      connecting.remove(this);
      Connection c = held.accept(now);
      held = null;
      if (c == null) {
        // The client gave up (its RST) while the host connection was being made.
        closeHost(true);
        ended = true;
        counters.tcpActive.decrementAndGet();
        return;
      }
      conn = c;
      c.attach(this);
      slot = flows.size();
      flows.add(this);
      counters.tcpOpened.incrementAndGet();
      counters.tcpOpenedByLoop.incrementAndGet(loopIndex);
      log(describe() + " opened");
      if (early != null && early.hasRemaining()) {
        budget.hold(early.remaining());
        counters.relayBuffers.incrementAndGet();
        toClient = ByteBuffer.allocate(early.remaining()).put(early).flip();
      }
      pump(now);
    }

    /**
     * The host connection failed with {@code e} (null: it timed out): the SYN is answered as the
     * failure says.
     */
    void failed(IOException e, long now) {
      if (e == null) {
        failed(Answer.TIMEOUT, "timed out", now);
      } else if (e instanceof ConnectException
          && String.valueOf(e.getMessage()).contains("refused")) {
        failed(Answer.REFUSE, "refused", now);
      } else if (String.valueOf(e.getMessage()).contains("Network is unreachable")) {
        failed(Answer.NET, "network unreachable", now);
      } else {
        failed(
            Answer.HOST,
            e instanceof NoRouteToHostException
                ? "no route to host"
                : String.valueOf(e.getMessage()),
            now);
      }
    }

    /** Answers the held SYN by refusal, ICMP or silence, as {@code answer} says. */
    private void failed(Answer answer, String why, long now) {
      if (ended) return;
      ended = true;
      closeHost(false);
      switch (answer) {
        case REFUSE -> counters.tcpRefused.incrementAndGet();
        case TIMEOUT -> counters.tcpTimedOut.incrementAndGet();
        case NET, HOST -> counters.tcpUnreachable.incrementAndGet();
      }
      if (held == null) {
        // Answered already (accepted, and the client gone): nothing to tell it.
      } else if (answer == Answer.REFUSE) {
        held.refuse(now);
      } else if (options.silentUnreachable()) {
        held.drop(now);
      } else {
        boolean v4 = id.localAddress() instanceof Inet4Address;
        // RFC 792 codes 0 net, 1 host; RFC 4443 codes 0 no route, 3 address unreachable.
        held.unreachable(answer == Answer.NET ? 0 : v4 ? 1 : 3, now);
      }
      held = null;
      counters.tcpActive.decrementAndGet();
      log(describe() + " failed: " + why);
    }

    /**
     * Moves what it can both ways between the host socket and the synack connection, arms the host
     * socket's interest for what is left, and ends the flow when both directions are done.
     */
    void pump(long now) {
      if (conn == null || ended || hostClosed) return;
      int readiness = conn.readiness();
      try {
        if (!hostEmpty || toClient != null) down(now);
        if (toHost != null || (readiness & Readiness.READABLE) != 0) up(now);
        if (hostEof && toClient == null && !finToClient) {
          conn.close(now);
          finToClient = true;
        }
      } catch (TcpException e) {
        closeHost(true);
        end("client " + e.getMessage(), true, now);
        return;
      } catch (IOException e) {
        closeHost(true);
        if (!ended) conn.abort(now);
        end("host " + e.getMessage(), true, now);
        return;
      }
      if (finToClient && hostShut) {
        closeHost(false);
        end("closed", false, now);
        return;
      }
      int ops = 0;
      if (hostEmpty && !hostEof) ops |= SelectionKey.OP_READ;
      if (toHost != null) ops |= SelectionKey.OP_WRITE;
      relay.arm(key, ops);
    }

    /**
     * Host to client: what is left over first, then reads of the host socket sized to the
     * connection's free send buffer (one byte more, so that a full buffer leaves a byte over and
     * the connection tells when it has room again), until the socket is found empty.
     */
    private void down(long now) throws IOException {
      TcpState state = conn.state();
      if (state != TcpState.ESTABLISHED
          && state != TcpState.CLOSE_WAIT
          && state != TcpState.SYN_RECEIVED) {
        return;
      }
      if (toClient != null) {
        sentToClient(conn.send(toClient, now), now);
        if (toClient.hasRemaining()) return;
        dropToClient();
      }
      while (!hostEof) {
        long room = Math.max(0, (long) conn.sendBufferSize() - conn.status().sendQueued());
        int limit = (int) Math.min(chunk, room + 1);
        if (!budget.take(limit)) {
          starved.add(this);
          return;
        }
        scratch.clear().limit(limit);
        int n;
        try {
          n = ch.read(scratch);
        } catch (IOException e) {
          budget.give(limit);
          throw e;
        }
        if (n <= 0) {
          budget.give(limit);
          if (n < 0) hostEof = true;
          hostEmpty = n == 0;
          return;
        }
        scratch.flip();
        sentToClient(conn.send(scratch, now), now);
        int left = scratch.remaining();
        budget.give(limit - left);
        if (left > 0) {
          counters.relayBuffers.incrementAndGet();
          toClient = ByteBuffer.allocate(left).put(scratch).flip();
          return;
        }
      }
    }

    private void sentToClient(int n, long now) {
      if (n <= 0) return;
      down += n;
      counters.bytesFromHost.addAndGet(n);
      lastActivity = now;
    }

    private void dropToClient() {
      budget.give(toClient.capacity());
      counters.relayBuffers.decrementAndGet();
      toClient = null;
    }

    /**
     * Client to host: what is left over first, then reads of the connection written to the host
     * socket; what the host socket does not take stays in a buffer of its size until it does.
     */
    private void up(long now) throws IOException {
      if (toHost != null) {
        writtenToHost(ch.write(toHost), now);
        if (toHost.hasRemaining()) return;
        budget.give(toHost.capacity());
        counters.relayBuffers.decrementAndGet();
        toHost = null;
      }
      while (!clientEof && conn.state() != TcpState.SYN_RECEIVED) {
        if (!budget.take(chunk)) {
          starved.add(this);
          return;
        }
        scratch.clear().limit(chunk);
        int n;
        try {
          n = conn.receive(scratch, now);
        } catch (TcpException e) {
          budget.give(chunk);
          throw e;
        }
        if (n <= 0) {
          budget.give(chunk);
          if (n < 0) clientEof = true;
          break;
        }
        up += n;
        counters.bytesToHost.addAndGet(n);
        scratch.flip();
        try {
          writtenToHost(ch.write(scratch), now);
        } catch (IOException e) {
          budget.give(chunk);
          throw e;
        }
        int left = scratch.remaining();
        budget.give(chunk - left);
        if (left > 0) {
          counters.relayBuffers.incrementAndGet();
          toHost = ByteBuffer.allocate(left).put(scratch).flip();
          return;
        }
      }
      if (clientEof && toHost == null && !hostShut) {
        ch.shutdownOutput();
        hostShut = true;
      }
    }

    private void writtenToHost(int n, long now) {
      if (n > 0) lastActivity = now;
    }

    /** Closes the host socket, once; {@code reset} sends a RST (SO_LINGER 0) instead of a FIN. */
    void closeHost(boolean reset) {
      if (hostClosed) return;
      hostClosed = true;
      connecting.remove(this);
      starved.remove(this);
      if (reset && ch != null && ch.isOpen()) {
        try {
          ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException ignored) {
          // Closing anyway.
        }
      }
      try {
        if (ch != null) ch.close();
      } catch (IOException ignored) {
        // Nothing to do about a failing close.
      }
      relay.flushCloses();
    }

    /** Ends the flow, once: its buffers go back to the budget. */
    void end(String how, boolean reset, long now) {
      if (ended) return;
      ended = true;
      if (slot >= 0) {
        Flow last = flows.removeLast();
        if (last != this) {
          flows.set(slot, last);
          last.slot = slot;
        }
        slot = -1;
        conn.attach(null);
      }
      if (toClient != null) dropToClient();
      if (toHost != null) {
        budget.give(toHost.capacity());
        counters.relayBuffers.decrementAndGet();
        toHost = null;
      }
      counters.tcpActive.decrementAndGet();
      (reset ? counters.tcpReset : counters.tcpClosed).incrementAndGet();
      log(
          describe()
              + " "
              + how
              + ", "
              + up
              + " B up, "
              + down
              + " B down, "
              + (now - started) / 1_000_000
              + " ms");
    }
  }

  private void log(String line) {
    if (options.log() != null) options.log().accept(line);
  }
}
