package dev.synack.cli.serve;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A response's head and a part of a file, written to a socket's stream in writes of {@link #WRITE}
 * bytes each, the head at the start of the first.
 *
 * <p>Each write to a {@link dev.synack.socket.TcpSocket}'s stream crosses to the loop once and
 * wakes the writing thread once, when the loop has taken all of it; {@link StallGuard} watches each
 * write with a timer task. So the write's size sets those costs per megabyte: 64 KiB writes (this
 * server's until session 8) cost four times what the bench's raw stream pays with its 256 KiB, and
 * were measured beside it in {@code tun-curl-serve-http}. The head rides in the first write, so
 * that it does not leave as a small segment of its own ahead of the body.
 */
final class FileBody {
  /** The size of each write but the last: the bench's raw stream's ({@code StreamPeers}). */
  static final int WRITE = 256 * 1024;

  private FileBody() {}

  /**
   * Writes {@code head}, then {@code length} bytes of {@code file} from {@code offset}, to {@code
   * out} in writes of {@link #WRITE} bytes (the last one shorter); returns {@code length}, or -1
   * when the file ended first (it shrank under us: what was read is written, and the connection
   * must close, its Content-Length no longer true).
   */
  static long send(byte[] head, Path file, long offset, long length, OutputStream out)
      throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      byte[] piece = new byte[(int) Math.max(head.length, Math.min(WRITE, head.length + length))];
      System.arraycopy(head, 0, piece, 0, head.length);
      ByteBuffer buf = ByteBuffer.wrap(piece).position(head.length);
      long position = offset;
      long left = length;
      do {
        buf.limit((int) Math.min(piece.length, buf.position() + left));
        while (buf.hasRemaining()) {
          int n = ch.read(buf, position);
          if (n < 0) {
            out.write(piece, 0, buf.position());
            return -1;
          }
          position += n;
          left -= n;
        }
        out.write(piece, 0, buf.position());
        buf.clear();
      } while (left > 0);
      return length;
    }
  }
}
