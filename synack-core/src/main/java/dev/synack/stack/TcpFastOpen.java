package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConnection;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;

/**
 * A host's TCP Fast Open (RFC 7413): the switch Linux calls {@code net.ipv4.tcp_fastopen}, the
 * server's cookie keys, and the client's cookie cache. Connections do the protocol
 * ({@link TcpConnection#useFastOpen}, {@link TcpConnection#acceptFastOpen}); this decides, as
 * Linux's {@code tcp_fastopen.c}, what each SYN sends and whether a SYN's data is taken.
 */
public final class TcpFastOpen {
  /** {@code tcp_fastopen} bit: clients may use Fast Open (MSG_FASTOPEN, TCP_FASTOPEN_CONNECT); Linux's default. */
  public static final int CLIENT = 0x1;
  /** {@code tcp_fastopen} bit: listeners with a Fast Open queue ({@code TCP_FASTOPEN}) take data on SYNs. */
  public static final int SERVER = 0x2;
  /** {@code tcp_fastopen} bit: clients send data on the SYN without a cookie. */
  public static final int CLIENT_NO_COOKIE = 0x4;
  /** {@code tcp_fastopen} bit: listeners take data on a SYN without a cookie. */
  public static final int SERVER_COOKIE_NOT_REQUIRED = 0x200;
  /** {@code tcp_fastopen} bit: every listener takes Fast Open, its backlog as its queue length, without {@code TCP_FASTOPEN}. */
  public static final int SERVER_WITHOUT_SOCKOPT = 0x400;

  /** What a listener answers to a SYN with a Fast Open option. */
  record ServerAnswer(boolean takeData, byte[] synAckCookie) {}

  private final HostCounters counters;
  private final FastOpenCookies cookies;
  private final FastOpenCache cache = new FastOpenCache();
  private int mode = CLIENT;

  TcpFastOpen(HostCounters counters, long k0, long k1) {
    this.counters = counters;
    this.cookies = new FastOpenCookies(k0, k1);
  }

  int mode() {
    return mode;
  }

  void setMode(int bits) {
    if (bits < 0) throw new IllegalArgumentException("tcp_fastopen is negative: " + bits);
    mode = bits;
  }

  FastOpenCookies cookies() {
    return cookies;
  }

  FastOpenCache cache() {
    return cache;
  }

  /**
   * Sets up an active open's Fast Open before its SYN leaves ({@code tcp_fastopen_cookie_check}):
   * the cached cookie, with which the data queued rides on the SYN; or a cookie request; or, with
   * {@link #CLIENT_NO_COOKIE}, data without a cookie. Nothing while client Fast Open is off, or
   * during the backoff after repeated SYN-data losses. Returns whether the SYN uses Fast Open.
   */
  boolean onActiveOpen(TcpConnection engine, InetAddress server, long now) {
    if ((mode & CLIENT) == 0) return false;
    FastOpenCache.Entry e = cache.get(server);
    if (!cache.dataAllowed(e, now)) return false;
    int mss = e == null ? 0 : e.mss();
    if ((mode & CLIENT_NO_COOKIE) != 0) {
      engine.useFastOpen(null, false, true, mss);
    } else if (e != null && e.cookie() != null) {
      engine.useFastOpen(e.cookie(), e.experimental(), false, mss);
    } else {
      engine.useFastOpen(new byte[0], false, false, mss);
    }
    return true;
  }

  /** Records what the handshake of an active open with Fast Open gave: the cookie, and whether the SYN's data was lost or acknowledged. */
  void onActiveConnected(TcpConnection engine, InetAddress server, long now) {
    byte[] cookie = engine.fastOpenCookie();
    cache.update(server, cookie, engine.negotiatedOptions().peerMss(), engine.fastOpenSynLost(), now);
    if (engine.fastOpenSynData() > 0) {
      counters.fastOpenActive++;
    } else if (engine.fastOpenSynLost() || engine.fastOpenSynDataSent() > 0) {
      counters.fastOpenActiveFail++;
    }
  }

  /**
   * Answers a SYN to a listener as Linux's {@code tcp_try_fastopen}: null for a plain handshake
   * (server Fast Open off, no option and no data, or the listener's Fast Open queue full), else
   * whether the SYN's data is taken and the cookie the SYN-ACK offers. A valid cookie takes the
   * data (one valid only under the backup key also gets a fresh cookie); a cookie request or an
   * invalid cookie gets a fresh cookie and a plain handshake; {@link #SERVER_COOKIE_NOT_REQUIRED}
   * takes data without a cookie.
   */
  ServerAnswer onSyn(TcpSegment syn, FourTuple id, Listener listener) {
    if ((mode & SERVER) == 0) return null;
    TcpOption.FastOpen option = syn.options().fastOpen();
    boolean data = syn.payloadLength() > 0;
    if (option == null && !data) return null;
    int queueLength = listener.fastOpenQueueLength();
    if (queueLength == 0 && (mode & SERVER_WITHOUT_SOCKOPT) != 0) queueLength = listener.backlog();
    if (queueLength == 0) return null;
    if (listener.fastOpenPending >= queueLength) {
      counters.fastOpenListenOverflow++;
      return null;
    }
    if (option != null && option.isRequest()) counters.fastOpenCookieRequested++;
    if (data && (mode & SERVER_COOKIE_NOT_REQUIRED) != 0) {
      counters.fastOpenPassive++;
      return new ServerAnswer(true, null);
    }
    if (option == null) return null;
    byte[] fresh = cookies.cookie(id.remoteAddress(), id.localAddress());
    if (option.isRequest()) return new ServerAnswer(false, fresh);
    FastOpenCookies.Check check = cookies.check(option.cookie(), id.remoteAddress(), id.localAddress());
    if (check == FastOpenCookies.Check.INVALID) {
      counters.fastOpenPassiveFail++;
      return new ServerAnswer(false, fresh);
    }
    counters.fastOpenPassive++;
    if (check == FastOpenCookies.Check.BACKUP) counters.fastOpenPassiveAltKey++;
    return new ServerAnswer(true, check == FastOpenCookies.Check.BACKUP ? fresh : null);
  }
}
