package dev.synack.cli.watch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;

/**
 * The body of a chunked HTTP/1.1 response (RFC 9112 §7.1) as characters, read from the lines after
 * the headers. Chunk sizes count bytes and this counts characters: the tests' streams are ASCII,
 * where the two agree.
 */
final class ChunkedReader extends Reader {
  private final BufferedReader in;

  /** Characters left in the current chunk. */
  private long left;

  private boolean ended;

  ChunkedReader(BufferedReader in) {
    this.in = in;
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    if (ended) return -1;
    if (left == 0) {
      String size = in.readLine();
      if (size != null && size.isEmpty()) size = in.readLine(); // the CRLF after the previous chunk
      if (size == null) return -1;
      left = Long.parseLong(size.strip(), 16);
      if (left == 0) {
        ended = true;
        return -1;
      }
    }
    int n = in.read(buf, off, (int) Math.min(len, left));
    if (n > 0) left -= n;
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
