package dev.synack.forward;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a SOCKS5 CONNECT or UDP ASSOCIATE (RFC 1928), with username/password
 * authentication when given (RFC 1929): what to send, and what the proxy's answers mean. No I/O:
 * the relay writes {@link #output()} and feeds what it reads to {@link #onRead}.
 */
final class Socks5Handshake {
  /** RFC 1928 §4 commands. */
  static final int CONNECT = 1;

  static final int UDP_ASSOCIATE = 3;

  /** RFC 1928 §6 reply codes. */
  static final int SUCCEEDED = 0;

  static final int NETWORK_UNREACHABLE = 3;
  static final int HOST_UNREACHABLE = 4;
  static final int CONNECTION_REFUSED = 5;
  static final int TTL_EXPIRED = 6;

  /** Not a reply code: the proxy broke the protocol or refused our authentication. */
  static final int PROTOCOL_ERROR = -1;

  /** What the handshake needs next. */
  sealed interface Outcome {}

  /** Read more. */
  record NeedMore() implements Outcome {}

  /** Write {@link #output()}, then read more. */
  record Send() implements Outcome {}

  /** The proxy connected to the target; bytes after its reply in the buffer are the target's. */
  record Connected() implements Outcome {}

  /** The proxy could not connect ({@code reply} is RFC 1928's code) or the handshake failed. */
  record Failed(int reply, String why) implements Outcome {}

  private enum Step {
    METHOD,
    AUTH,
    REPLY,
    DONE
  }

  private final InetSocketAddress target;
  private final int command;
  private final byte[] user;
  private final byte[] password;
  private ByteBuffer output;
  private Step step = Step.METHOD;

  /**
   * BND.ADDR and BND.PORT of the final reply: for UDP ASSOCIATE, where the proxy relays datagrams.
   */
  private InetSocketAddress bound;

  /** Starts a CONNECT to {@code target}. */
  Socks5Handshake(InetSocketAddress target, String user, String password) {
    this(CONNECT, target, user, password);
  }

  /**
   * Starts {@code command} ({@link #CONNECT}, or {@link #UDP_ASSOCIATE} with {@code target} the
   * address datagrams will come from, all zeros when not known: §4, §7).
   */
  Socks5Handshake(int command, InetSocketAddress target, String user, String password) {
    if (command != CONNECT && command != UDP_ASSOCIATE)
      throw new IllegalArgumentException("unsupported SOCKS5 command: " + command);
    this.command = command;
    this.target = target;
    this.user = user == null ? null : user.getBytes(StandardCharsets.UTF_8);
    this.password = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
    if (this.user != null
        && (this.user.length > 255 || this.password == null || this.password.length > 255)) {
      throw new IllegalArgumentException(
          "SOCKS5 user and password must be given together, 255 bytes at most each");
    }
    // Greeting (§3): version 5, the methods we offer: no authentication, or username/password only.
    output = ByteBuffer.wrap(this.user == null ? new byte[] {5, 1, 0} : new byte[] {5, 1, 2});
  }

  /** Returns the bytes to write next (the greeting first). */
  ByteBuffer output() {
    return output;
  }

  /**
   * Takes bytes read from the proxy, in {@code in} from its position to its limit; consumes what
   * the current step needs and leaves the rest (after the final reply, the target's first bytes).
   */
  Outcome onRead(ByteBuffer in) {
    switch (step) {
      case METHOD -> {
        if (in.remaining() < 2) return new NeedMore();
        int version = in.get() & 0xff;
        int method = in.get() & 0xff;
        if (version != 5)
          return new Failed(PROTOCOL_ERROR, "not a SOCKS5 proxy (version " + version + ")");
        if (method == 0 && user == null) return request();
        if (method == 2 && user != null) {
          // RFC 1929 §2: version 1, ULEN, UNAME, PLEN, PASSWD.
          ByteBuffer auth = ByteBuffer.allocate(3 + user.length + password.length);
          auth.put((byte) 1)
              .put((byte) user.length)
              .put(user)
              .put((byte) password.length)
              .put(password)
              .flip();
          output = auth;
          step = Step.AUTH;
          return new Send();
        }
        return new Failed(
            PROTOCOL_ERROR, "the proxy accepts none of our methods (it chose " + method + ")");
      }
      case AUTH -> {
        if (in.remaining() < 2) return new NeedMore();
        in.get();
        int status = in.get() & 0xff;
        if (status != 0)
          return new Failed(PROTOCOL_ERROR, "the proxy refused the username and password");
        return request();
      }
      case REPLY -> {
        // §6: VER REP RSV ATYP BND.ADDR BND.PORT; the address's length depends on ATYP.
        if (in.remaining() < 5) return new NeedMore();
        int at = in.position();
        int atyp = in.get(at + 3) & 0xff;
        int length =
            switch (atyp) {
              case 1 -> 4 + 4 + 2;
              case 4 -> 4 + 16 + 2;
              case 3 -> 4 + 1 + (in.get(at + 4) & 0xff) + 2;
              default -> -1;
            };
        if (length < 0)
          return new Failed(PROTOCOL_ERROR, "bad address type in the proxy's reply: " + atyp);
        if (in.remaining() < length) return new NeedMore();
        int version = in.get(at) & 0xff;
        int reply = in.get(at + 1) & 0xff;
        if (atyp != 3) {
          byte[] address = new byte[atyp == 1 ? 4 : 16];
          in.get(at + 4, address);
          int port = ((in.get(at + length - 2) & 0xff) << 8) | (in.get(at + length - 1) & 0xff);
          bound = new InetSocketAddress(Socks5Udp.address(address), port);
        }
        in.position(at + length);
        if (version != 5)
          return new Failed(PROTOCOL_ERROR, "not a SOCKS5 reply (version " + version + ")");
        if (reply != SUCCEEDED) return new Failed(reply, "the proxy answered " + reply);
        step = Step.DONE;
        return new Connected();
      }
      default -> {
        return new Connected();
      }
    }
  }

  /**
   * Returns the address and port of the proxy's final reply (§6 BND.ADDR, BND.PORT), or null before
   * it or when it named a domain; for UDP ASSOCIATE, where the proxy takes datagrams.
   */
  InetSocketAddress bound() {
    return bound;
  }

  /** The request (§4): VER CMD RSV ATYP DST.ADDR DST.PORT. */
  private Outcome request() {
    byte[] address = target.getAddress().getAddress();
    ByteBuffer req = ByteBuffer.allocate(6 + address.length);
    req.put((byte) 5)
        .put((byte) command)
        .put((byte) 0)
        .put((byte) (target.getAddress() instanceof Inet4Address ? 1 : 4))
        .put(address)
        .putShort((short) target.getPort())
        .flip();
    output = req;
    step = Step.REPLY;
    return new Send();
  }
}
