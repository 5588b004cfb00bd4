package dev.synack.cli.serve;

import dev.synack.socket.TcpSocket;
import dev.synack.wire.Addresses;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A static-file HTTP/1.1 server (RFC 9110, RFC 9112) over one directory: GET and HEAD, persistent
 * connections with pipelining, a single byte range (206, or 416 when out of bounds), 404 for what
 * is not there, {@code index.html} or a listing for a directory, and a Content-Type from the file's
 * extension. Requests never leave the directory ({@code ..} and symbolic links out of it are not
 * found).
 */
public final class HttpFileService implements Service {
  /**
   * How long a connection is given to send a whole request head, counted from when it is accepted
   * or the last response was sent, by default: nginx's {@code keepalive_timeout} (75 s).
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(75);

  /** The largest request body skipped to keep a connection; past it the connection is closed. */
  private static final long MAX_SKIPPED_BODY = 1 << 20;

  /** The output buffer, which gathers a small response (head and body) into one write. */
  private static final int CHUNK = 64 * 1024;

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final Path root;
  private final Consumer<String> log;
  private final long idleTimeoutNanos;

  private HttpFileService(Path root, Duration idleTimeout, Consumer<String> log) {
    this.root = root;
    this.log = log;
    this.idleTimeoutNanos = idleTimeout.toNanos();
  }

  /**
   * Serves the files under {@code directory}, logging one line per request.
   *
   * @throws IOException when {@code directory} is not a readable directory
   */
  public static HttpFileService of(Path directory, Consumer<String> log) throws IOException {
    return of(directory, DEFAULT_IDLE_TIMEOUT, log);
  }

  /**
   * Serves the files under {@code directory}, logging one line per request, and closes a connection
   * that has not sent a whole request head within {@code idleTimeout} of being accepted or of its
   * last response: an idle persistent connection (RFC 9112 §9.8 lets servers close those) and a
   * request that never completes (a slowloris, which a timeout per read would let trickle on for
   * ever) alike; and resets one whose peer takes nothing of a response for that long (its window
   * closed).
   *
   * @throws IOException when {@code directory} is not a readable directory
   */
  public static HttpFileService of(Path directory, Duration idleTimeout, Consumer<String> log)
      throws IOException {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
    }
    Path real;
    try {
      real = directory.toRealPath();
    } catch (NoSuchFileException e) {
      throw new IOException("no such directory");
    }
    if (!Files.isDirectory(real)) throw new IOException("not a directory");
    return new HttpFileService(real, idleTimeout, log);
  }

  @Override
  public void serve(TcpSocket socket) throws IOException {
    String client = Addresses.text(socket.remoteAddress().getAddress());
    DeadlineInput timed = new DeadlineInput(socket, System::nanoTime);
    InputStream in = new BufferedInputStream(timed, 16 * 1024);
    try (StallGuard guard = new StallGuard(socket, idleTimeoutNanos)) {
      serve(client, timed, in, guard);
    }
  }

  private void serve(String client, DeadlineInput timed, InputStream in, StallGuard guard)
      throws IOException {
    OutputStream out = new BufferedOutputStream(guard, CHUNK);
    FileBody body = new FileBody();
    while (true) {
      HttpRequest request;
      // The whole next request head (and the body skipped after it) within the idle timeout.
      timed.within(idleTimeoutNanos);
      try {
        request = HttpRequest.read(in);
      } catch (HttpRequest.BadRequest e) {
        Response r = Response.plain(e.status);
        out.write(head(r, false));
        out.write(r.body);
        out.flush();
        log.accept(client + " (" + e.getMessage() + ") " + e.status);
        return;
      } catch (SocketTimeoutException e) {
        // Idle: closed, as RFC 9112 §9.8 allows. Part of a request only: closed without an answer,
        // as nginx does at its client_header_timeout (a 408 would be read by no one, or by a
        // slowloris).
        if (timed.readSince() > 0) {
          log.accept(
              client + " (request incomplete after " + seconds(idleTimeoutNanos) + " s) closed");
        }
        return;
      }
      if (request == null) return;
      Response response = respond(request);
      boolean keepAlive = request.keepAlive() && skipBody(request, in) && response.status != 400;
      long sent;
      try {
        byte[] head = head(response, keepAlive);
        if (request.method().equals("HEAD")) {
          out.write(head);
          sent = 0;
        } else if (response.file == null) {
          out.write(head);
          out.write(response.body);
          sent = response.body.length;
        } else {
          // The body in writes of FileBody.WRITE, the head in the first, straight from a direct
          // buffer to the socket: see FileBody. Nothing is left in out (each response flushes).
          out.flush();
          sent = body.send(head, response.file, response.offset, response.length, guard);
        }
        out.flush();
      } catch (IOException e) {
        if (!guard.fired()) throw e;
        log.accept(
            client
                + " \""
                + request.method()
                + " "
                + request.target()
                + "\" "
                + response.status
                + " (nothing taken for "
                + seconds(idleTimeoutNanos)
                + " s) reset");
        return;
      }
      log.accept(
          client
              + " \""
              + request.method()
              + " "
              + request.target()
              + " HTTP/1."
              + request.minorVersion()
              + "\" "
              + response.status
              + " "
              + sent);
      if (!keepAlive || sent < 0) return;
    }
  }

  private static String seconds(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  /** Reads past a request body of known length; false when the connection cannot be reused. */
  private static boolean skipBody(HttpRequest request, InputStream in) throws IOException {
    if (request.header("transfer-encoding") != null)
      return false; // No request bodies here: close after.
    String length = request.header("content-length");
    if (length == null) return true;
    long n;
    try {
      n = Long.parseLong(length);
    } catch (NumberFormatException e) {
      return false;
    }
    if (n < 0 || n > MAX_SKIPPED_BODY) return false;
    in.skipNBytes(n);
    return true;
  }

  /** Decides the response to a request: status, fields and where the body comes from. */
  private Response respond(HttpRequest request) throws IOException {
    if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
      return Response.plain(405).with("Allow", "GET, HEAD");
    }
    String path = RequestTarget.path(request.target());
    if (path == null) return Response.plain(400);
    Path file = RequestTarget.resolve(root, path);
    if (file == null) return Response.plain(404);
    if (Files.isDirectory(file)) {
      if (!path.endsWith("/")) {
        return Response.plain(301).with("Location", RequestTarget.encode(path) + "/");
      }
      Path index = file.resolve("index.html");
      if (!Files.isRegularFile(index)) return listing(path, file);
      file = index;
    }
    if (!Files.isReadable(file) || !Files.isRegularFile(file)) return Response.plain(404);
    long size = Files.size(file);
    // Without validators, an If-Range can never be shown to match: the whole is sent (RFC 9110
    // §13.1.5).
    ByteRange range =
        request.header("if-range") != null
            ? new ByteRange.Whole()
            : ByteRange.of(request.header("range"), size);
    String type = ContentTypes.of(file.getFileName().toString());
    return switch (range) {
      case ByteRange.Whole w ->
          Response.file(200, type, file, 0, size).with("Accept-Ranges", "bytes");
      case ByteRange.Part p ->
          Response.file(206, type, file, p.first(), p.length())
              .with("Content-Range", "bytes " + p.first() + "-" + p.last() + "/" + size);
      case ByteRange.Unsatisfiable u ->
          Response.plain(416).with("Content-Range", "bytes */" + size);
    };
  }

  private static Response listing(String path, Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      entries.forEach(e -> names.add(e.getFileName() + (Files.isDirectory(e) ? "/" : "")));
    }
    names.sort(null);
    StringBuilder html =
        new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .append(RequestTarget.escapeHtml(path))
            .append("</title></head>\n<body><h1>")
            .append(RequestTarget.escapeHtml(path))
            .append("</h1>\n<ul>\n");
    for (String name : names) {
      html.append("<li><a href=\"")
          .append(RequestTarget.escapeHtml(RequestTarget.encode(name)))
          .append("\">")
          .append(RequestTarget.escapeHtml(name))
          .append("</a></li>\n");
    }
    html.append("</ul></body></html>\n");
    return Response.bytes(
        200, "text/html; charset=utf-8", html.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] head(Response r, boolean keepAlive) {
    StringBuilder head =
        new StringBuilder(256)
            .append("HTTP/1.1 ")
            .append(r.status)
            .append(' ')
            .append(reason(r.status))
            .append("\r\n")
            .append("Date: ")
            .append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)))
            .append("\r\n")
            .append("Server: synack\r\n")
            .append("Content-Type: ")
            .append(r.type)
            .append("\r\n")
            .append("Content-Length: ")
            .append(r.length)
            .append("\r\n");
    for (String[] field : r.fields)
      head.append(field[0]).append(": ").append(field[1]).append("\r\n");
    head.append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n").append("\r\n");
    return head.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 206 -> "Partial Content";
      case 301 -> "Moved Permanently";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 416 -> "Range Not Satisfiable";
      case 431 -> "Request Header Fields Too Large";
      case 505 -> "HTTP Version Not Supported";
      default -> "Status " + status;
    };
  }

  /** A response: status, type, extra fields, and a body from memory or from part of a file. */
  private static final class Response {
    final int status;
    final String type;
    final List<String[]> fields = new ArrayList<>(2);
    final byte[] body;
    final Path file;
    final long offset;
    final long length;

    private Response(int status, String type, byte[] body, Path file, long offset, long length) {
      this.status = status;
      this.type = type;
      this.body = body;
      this.file = file;
      this.offset = offset;
      this.length = length;
    }

    static Response bytes(int status, String type, byte[] body) {
      return new Response(status, type, body, null, 0, body.length);
    }

    static Response file(int status, String type, Path file, long offset, long length) {
      return new Response(status, type, null, file, offset, length);
    }

    /** A response whose body is a short plain text naming the status, as "404 Not Found". */
    static Response plain(int status) {
      return bytes(
          status,
          "text/plain; charset=utf-8",
          (status + " " + reason(status) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    Response with(String name, String value) {
      fields.add(new String[] {name, value});
      return this;
    }
  }
}
