package dev.synack.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.x request head (RFC 9112 §2-§5): the request line and the header fields, names in
 * lower case, repeated fields joined with commas (RFC 9110 §5.3).
 *
 * @param method the method, case-sensitive ("GET")
 * @param target the request target as sent ("/index.html?x=1")
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1
 */
record HttpRequest(String method, String target, int minorVersion, Map<String, String> headers) {
  /** The longest request line or header line accepted, as many servers do (8 KiB). */
  static final int MAX_LINE = 8 * 1024;

  /** The most header fields accepted. */
  static final int MAX_FIELDS = 100;

  /**
   * A request that cannot be answered normally: the status to send, after which the connection
   * closes.
   */
  static final class BadRequest extends IOException {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** Returns the value of a header field (name in any case), or null. */
  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /**
   * Returns whether the Connection field lists {@code option} (case-insensitive, RFC 9110 §7.6.1).
   */
  boolean connectionHas(String option) {
    String value = header("connection");
    if (value == null) return false;
    for (String token : value.split(",")) {
      if (token.strip().equalsIgnoreCase(option)) return true;
    }
    return false;
  }

  /**
   * Returns whether the connection stays open after the response (RFC 9112 §9.3): HTTP/1.1 unless
   * the client says "close"; HTTP/1.0 only when the client asks for "keep-alive".
   */
  boolean keepAlive() {
    return minorVersion >= 1 ? !connectionHas("close") : connectionHas("keep-alive");
  }

  /**
   * Reads one request head from {@code in}; returns null when the stream ends before its first byte
   * (the client closed an idle connection). Empty lines before the request line are skipped (RFC
   * 9112 §2.2).
   *
   * @throws BadRequest for a malformed or oversized head (400, 431, 505)
   */
  static HttpRequest read(InputStream in) throws IOException {
    String line;
    do {
      line = readLine(in, true);
      if (line == null) return null;
    } while (line.isEmpty());
    String[] parts = line.split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new BadRequest(400, "malformed request line");
    }
    int minor =
        switch (parts[2]) {
          case "HTTP/1.1" -> 1;
          case "HTTP/1.0" -> 0;
          default -> {
            if (!parts[2].startsWith("HTTP/")) throw new BadRequest(400, "malformed request line");
            throw new BadRequest(505, "HTTP version not supported: " + parts[2]);
          }
        };
    Map<String, String> headers = new LinkedHashMap<>();
    while (!(line = readLine(in, false)).isEmpty()) {
      if (headers.size() >= MAX_FIELDS)
        throw new BadRequest(431, "more than " + MAX_FIELDS + " header fields");
      int colon = line.indexOf(':');
      // RFC 9112 §5.1: no whitespace between the name and the colon; a server MUST reject it (400).
      if (colon <= 0
          || line.charAt(colon - 1) == ' '
          || line.charAt(colon - 1) == '\t'
          || line.charAt(0) == ' '
          || line.charAt(0) == '\t') {
        throw new BadRequest(400, "malformed header field");
      }
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }
    HttpRequest request = new HttpRequest(parts[0], parts[1], minor, headers);
    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one Host.
    String host = request.header("host");
    if (minor == 1 && (host == null || host.contains(",")))
      throw new BadRequest(400, "missing or repeated Host");
    return request;
  }

  /**
   * Reads a line ending in CRLF (or a bare LF, RFC 9112 §2.2) as ISO-8859-1 without the ending.
   * Returns null at the end of the stream before any byte when {@code eofAllowed}.
   */
  private static String readLine(InputStream in, boolean eofAllowed) throws IOException {
    byte[] buf = new byte[128];
    int length = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (length == 0 && eofAllowed) return null;
        throw new BadRequest(400, "request head cut short");
      }
      if (b == '\n') break;
      if (length == MAX_LINE) throw new BadRequest(431, "line longer than " + MAX_LINE + " bytes");
      if (length == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
      buf[length++] = (byte) b;
    }
    if (length > 0 && buf[length - 1] == '\r') length--;
    return new String(buf, 0, length, StandardCharsets.ISO_8859_1);
  }
}
