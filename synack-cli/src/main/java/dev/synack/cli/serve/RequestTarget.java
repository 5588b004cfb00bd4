package dev.synack.cli.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HexFormat;

/** From an HTTP request target to a file under the served directory, and back to a link. */
final class RequestTarget {
  private RequestTarget() {}

  /**
   * Returns the decoded path of a request target: origin-form ({@code /a%20b?q}) or absolute-form
   * ({@code http://host/a}, which RFC 9112 §3.2.2 says a server MUST accept), without query; null
   * when it is neither or its percent-encoding is not valid UTF-8.
   */
  static String path(String target) {
    String t = target;
    int scheme = t.indexOf("://");
    if (scheme > 0 && !t.startsWith("/")) {
      int slash = t.indexOf('/', scheme + 3);
      t = slash < 0 ? "/" : t.substring(slash);
    }
    if (!t.startsWith("/")) return null;
    int end = t.length();
    int q = t.indexOf('?');
    if (q >= 0) end = q;
    int hash = t.indexOf('#');
    if (hash >= 0 && hash < end) end = hash;
    return percentDecode(t.substring(0, end));
  }

  /**
   * Returns the file a decoded path names under {@code root}, or null when it would leave {@code
   * root} (a ".." segment, or a symbolic link that points out) or does not exist.
   */
  static Path resolve(Path root, String path) {
    if (path.indexOf('\0') >= 0) return null;
    Path p = root;
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) continue;
      if (segment.equals("..")) return null;
      p = p.resolve(segment);
    }
    try {
      Path real = p.toRealPath();
      return real.startsWith(root) ? real : null;
    } catch (IOException | InvalidPathException e) {
      return null;
    }
  }

  /** Percent-encodes a path for a link or a Location field: unreserved characters and "/" stay. */
  static String encode(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~/".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
      }
    }
    return out.toString();
  }

  /** Escapes text for HTML content and attribute values. */
  static String escapeHtml(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static String percentDecode(String s) {
    if (s.indexOf('%') < 0) return s;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (i + 2 >= s.length()) return null;
      int hi = Character.digit(s.charAt(i + 1), 16);
      int lo = Character.digit(s.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) return null;
      bytes.write(hi << 4 | lo);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
