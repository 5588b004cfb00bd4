package dev.synack.forward;

import dev.synack.runtime.EventLoop;
import dev.synack.stack.Connection;
import dev.synack.stack.HeldSyn;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The TCP half of a forwarder. A SYN to X:p (held by the host, see {@link SynPolicy}) makes a
 * non-blocking host connection to X:p; the SYN-ACK goes back only once that succeeds. Refused →
 * RST; unreachable or timed out → the ICMP unreachable a router would send (or silence). Then
 * data is relayed both ways through two bounded buffers: when the host socket is slow, the
 * buffer toward it fills, synack stops reading, and its receive window closes; when the client
 * is slow, synack's send buffer fills and the relay stops reading the host socket. FIN goes
 * through as {@code shutdownOutput} both ways, RST as an abortive close both ways.
 *
 * <p>Two threads: the synack loop (the policy, events, the connection) and the relay (the host
 * socket). Each flow's two buffers are shared under the flow's lock; everything else belongs to
 * one thread, and the threads hand each other work with {@link EventLoop#execute} and
 * {@link Relay#post}.
 */
final class TcpRelay implements SynPolicy, Relay.Sweep {
  private static final int BUFFER = 64 * 1024;

  private final ForwarderOptions options;
  private final ForwarderCounters counters;
  private final RelayBudget budget;
  Relay relay;
  EventLoop loop;
  /** Relaying flows by their synack connection; loop thread only. */
  private final Map<Connection, Flow> flows = new HashMap<>();
  /** Flows with a host socket; relay thread only. */
  private final Set<Flow> open = new HashSet<>();

  TcpRelay(ForwarderOptions options, ForwarderCounters counters, RelayBudget budget) {
    this.options = options;
    this.counters = counters;
    this.budget = budget;
  }

  // ---------------------------------------------------------------------------------------------
  // Loop thread.

  @Override
  public void decide(HeldSyn syn, long now) {
    if (counters.tcpActive.get() >= options.maxConnections()) {
      counters.tcpOverLimit.incrementAndGet();
      syn.drop(now);
      return;
    }
    // The flow's two buffers are counted from now, before its host socket is opened: past the
    // bound the SYN is dropped as over the connection limit is, and the client retransmits it.
    if (!budget.take(2L * BUFFER)) {
      syn.drop(now);
      return;
    }
    counters.tcpActive.incrementAndGet();
    Flow f = new Flow(syn);
    relay.post(f::connect);
  }

  /** Takes a host event of a relayed connection. */
  void onEvent(Connection c, ConnectionEvent e, long now) {
    Flow f = flows.get(c);
    if (f == null) return;
    if (e instanceof ConnectionEvent.Closed(var error) && error != null) {
      // The client reset (or the connection timed out): the host socket is reset too.
      f.end("client " + error.rfcText(), true, now);
      relay.post(() -> f.closeHost(true));
      return;
    }
    f.pump(now);
  }

  /** Returns the number of flows relaying. */
  int relaying() {
    return flows.size();
  }

  // ---------------------------------------------------------------------------------------------
  // Relay thread.

  @Override
  public void sweep(long nanoTime) {
    for (Flow f : new ArrayList<>(open)) {
      if (!f.connected && nanoTime - f.deadline >= 0) {
        f.failed(null);
      } else if (f.connected && nanoTime - f.lastActivity >= options.tcpIdleTimeout().toNanos()) {
        f.closeHost(true);
        loop.execute(now -> {
          if (f.conn != null && !f.ended) f.conn.abort(now);
          f.end("idle timeout", true, now);
        });
      }
    }
  }

  /** How a SYN whose host connection failed is answered. */
  private enum Answer { REFUSE, NET, HOST, TIMEOUT }

  /** One relayed connection: the synack connection and the host socket. */
  final class Flow implements Relay.Ready {
    private final HeldSyn held;
    private final FourTuple id;
    private final long started = System.nanoTime();
    /** The synack connection once the SYN is accepted; loop thread. */
    private Connection conn;
    private boolean ended;
    /** Whether the flow's buffer bytes went back to the budget; loop thread. */
    private boolean released;
    private long up;
    private long down;
    /** Relay thread. */
    private SocketChannel ch;
    private SelectionKey key;
    private long deadline;
    private long lastActivity;
    private volatile boolean connected;
    private boolean hostClosed;
    /** The SOCKS5 handshake while it runs, and the proxy's bytes read for it; relay thread. */
    private Socks5Handshake handshake;
    private ByteBuffer handshakeIn;
    // Guarded by this: the two buffers (write mode) and the ends seen.
    private ByteBuffer fromHost;
    private ByteBuffer toHost;
    private boolean hostEof;
    private boolean clientEof;
    private boolean hostShut;
    private boolean finToClient;

    Flow(HeldSyn held) {
      this.held = held;
      this.id = held.id();
    }

    private String describe() {
      return "tcp " + Addresses.endpoint(id.remoteAddress(), id.remotePort()) + " -> " + Addresses.endpoint(id.localAddress(), id.localPort());
    }

    // Relay thread.

    void connect() {
      try {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        deadline = System.nanoTime() + options.connectTimeout().toNanos();
        open.add(this);
        InetSocketAddress target = options.socks5() != null ? options.socks5() : new InetSocketAddress(id.localAddress(), id.localPort());
        if (ch.connect(target)) {
          reachedFirstHop();
        } else {
          key = ch.register(relay.selector, SelectionKey.OP_CONNECT, this);
        }
      } catch (IOException e) {
        failed(e);
      }
    }

    @Override
    public void ready(SelectionKey k) {
      if (k.isConnectable()) {
        try {
          if (ch.finishConnect()) reachedFirstHop();
        } catch (IOException e) {
          failed(e);
        }
        return;
      }
      if (handshake != null) {
        try {
          socksRead();
        } catch (IOException e) {
          failed(e);
        }
        return;
      }
      try {
        if (k.isReadable()) readHost();
        if (k.isValid() && k.isWritable()) writeHost();
      } catch (IOException e) {
        hostFailed(e);
      }
    }

    /** The TCP connection is up: to the destination, or to the SOCKS5 proxy, which is asked to CONNECT now. */
    private void reachedFirstHop() throws IOException {
      if (options.socks5() == null) {
        connected(null);
        return;
      }
      handshake = new Socks5Handshake(new InetSocketAddress(id.localAddress(), id.localPort()), options.socksUser(), options.socksPassword());
      handshakeIn = ByteBuffer.allocate(600);
      writeHandshake();
      key = ch.register(relay.selector, SelectionKey.OP_READ, this);
    }

    /** Takes the proxy's answers (RFC 1928 §3-6); the SYN is answered once the proxy has connected or failed. */
    private void socksRead() throws IOException {
      if (ch.read(handshakeIn) < 0) {
        failed(Answer.HOST, "the SOCKS5 proxy closed the connection during the handshake");
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
          connected(handshakeIn);
        }
        case Socks5Handshake.Failed(int reply, String why) -> failed(switch (reply) {
          case Socks5Handshake.CONNECTION_REFUSED -> Answer.REFUSE;
          case Socks5Handshake.NETWORK_UNREACHABLE -> Answer.NET;
          default -> Answer.HOST;
        }, "SOCKS5: " + why);
        default -> handshakeIn.compact();
      }
    }

    private void writeHandshake() throws IOException {
      ByteBuffer out = handshake.output();
      ch.write(out);
      // A few bytes into a fresh socket's empty send buffer: a short write means the socket is broken.
      if (out.hasRemaining()) throw new IOException("SOCKS5 handshake: short write to the proxy");
    }

    /** The path to the destination is up; {@code early} holds bytes of the destination's that came with the proxy's reply, or null. */
    private void connected(ByteBuffer early) throws IOException {
      connected = true;
      lastActivity = System.nanoTime();
      synchronized (this) {
        fromHost = ByteBuffer.allocate(BUFFER);
        toHost = ByteBuffer.allocate(BUFFER);
        if (early != null) fromHost.put(early);
      }
      key = ch.register(relay.selector, SelectionKey.OP_READ, this);
      loop.execute(this::accept);
    }

    /** The host connection failed with {@code e} (null: it timed out): the SYN is answered as the failure says. */
    void failed(IOException e) {
      if (e == null) {
        failed(Answer.TIMEOUT, "timed out");
      } else if (e instanceof ConnectException && String.valueOf(e.getMessage()).contains("refused")) {
        failed(Answer.REFUSE, "refused");
      } else if (String.valueOf(e.getMessage()).contains("Network is unreachable")) {
        failed(Answer.NET, "network unreachable");
      } else {
        failed(Answer.HOST, e instanceof NoRouteToHostException ? "no route to host" : String.valueOf(e.getMessage()));
      }
    }

    /** Answers the held SYN by refusal, ICMP or silence, as {@code answer} says. */
    private void failed(Answer answer, String why) {
      open.remove(this);
      closeQuietly();
      loop.execute(now -> {
        switch (answer) {
          case REFUSE -> counters.tcpRefused.incrementAndGet();
          case TIMEOUT -> counters.tcpTimedOut.incrementAndGet();
          case NET, HOST -> counters.tcpUnreachable.incrementAndGet();
        }
        if (answer == Answer.REFUSE) {
          held.refuse(now);
        } else if (options.silentUnreachable()) {
          held.drop(now);
        } else {
          boolean v4 = id.localAddress() instanceof Inet4Address;
          // RFC 792 codes 0 net, 1 host; RFC 4443 codes 0 no route, 3 address unreachable.
          held.unreachable(answer == Answer.NET ? 0 : v4 ? 1 : 3, now);
        }
        counters.tcpActive.decrementAndGet();
        release();
        log(describe() + " failed: " + why);
      });
    }

    private void readHost() throws IOException {
      int n;
      synchronized (this) {
        n = ch.read(fromHost);
        if (n < 0) hostEof = true;
      }
      if (n != 0) {
        lastActivity = System.nanoTime();
        loop.execute(this::pump);
      }
      updateInterest();
    }

    private void writeHost() throws IOException {
      synchronized (this) {
        toHost.flip();
        ch.write(toHost);
        toHost.compact();
        if (clientEof && toHost.position() == 0 && !hostShut) {
          ch.shutdownOutput();
          hostShut = true;
        }
      }
      lastActivity = System.nanoTime();
      loop.execute(this::pump);
      updateInterest();
    }

    /** Sets what the host socket waits for from the buffers' state; closes it once both its directions are done. */
    void updateInterest() {
      if (hostClosed || key == null || !key.isValid()) return;
      int ops = 0;
      boolean done;
      synchronized (this) {
        if (!hostEof && fromHost.hasRemaining()) ops |= SelectionKey.OP_READ;
        if (toHost.position() > 0 || (clientEof && !hostShut)) ops |= SelectionKey.OP_WRITE;
        done = hostEof && hostShut;
      }
      if (done) {
        closeHost(false);
        return;
      }
      key.interestOps(ops);
    }

    private void hostFailed(IOException e) {
      closeHost(true);
      loop.execute(now -> {
        if (conn != null && !ended) conn.abort(now);
        end("host " + e.getMessage(), true, now);
      });
    }

    /** Closes the host socket; {@code reset} sends a RST (SO_LINGER 0) instead of a FIN. */
    void closeHost(boolean reset) {
      if (hostClosed) return;
      hostClosed = true;
      open.remove(this);
      if (reset && ch != null && ch.isOpen()) {
        try {
          ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException ignored) {
          // Closing anyway.
        }
      }
      closeQuietly();
    }

    private void closeQuietly() {
      try {
        if (ch != null) ch.close();
      } catch (IOException ignored) {
        // Nothing to do about a failing close.
      }
    }

    // Loop thread.

    private void accept(long now) {
      Connection c = held.accept(now);
      if (c == null) {
        counters.tcpActive.decrementAndGet();
        release();
        ended = true;
        relay.post(() -> closeHost(true));
        return;
      }
      conn = c;
      flows.put(c, this);
      counters.tcpOpened.incrementAndGet();
      log(describe() + " opened");
      pump(now);
    }

    /** Moves what it can between the buffers and the synack connection, and ends the flow when both directions are done. */
    void pump(long now) {
      if (conn == null || ended) return;
      boolean wake = false;
      try {
        synchronized (this) {
          TcpState state = conn.state();
          if (fromHost.position() > 0 && (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
              || state == TcpState.SYN_RECEIVED)) {
            boolean wasFull = !fromHost.hasRemaining();
            fromHost.flip();
            int n = conn.send(fromHost, now);
            fromHost.compact();
            down += n;
            counters.bytesFromHost.addAndGet(n);
            wake |= wasFull && n > 0;
          }
          if (hostEof && fromHost.position() == 0 && !finToClient) {
            conn.close(now);
            finToClient = true;
          }
          if (!clientEof && toHost.hasRemaining() && state != TcpState.SYN_RECEIVED) {
            int n = conn.receive(toHost, now);
            if (n > 0) {
              up += n;
              counters.bytesToHost.addAndGet(n);
              wake = true;
            } else if (n < 0) {
              clientEof = true;
              wake = true;
            }
          }
          if (finToClient && clientEof && toHost.position() == 0) {
            end("closed", false, now);
          }
        }
      } catch (TcpException e) {
        end("client " + e.getMessage(), true, now);
        relay.post(() -> closeHost(true));
        return;
      }
      if (wake) relay.post(this::updateInterest);
    }

    /** Gives the flow's buffer bytes back to the budget, once; loop thread. */
    private void release() {
      if (released) return;
      released = true;
      budget.give(2L * BUFFER);
    }

    /** Ends the flow on the loop thread, once. */
    void end(String how, boolean reset, long now) {
      if (ended) return;
      ended = true;
      if (conn != null) flows.remove(conn);
      counters.tcpActive.decrementAndGet();
      release();
      (reset ? counters.tcpReset : counters.tcpClosed).incrementAndGet();
      log(describe() + " " + how + ", " + up + " B up, " + down + " B down, " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }
  }

  private void log(String line) {
    if (options.log() != null) options.log().accept(line);
  }
}
