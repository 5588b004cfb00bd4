package dev.synack.cli.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A connection's writer of response bodies from files: a response's head and a part of a file,
 * written to a {@link Sink} in writes of {@link #WRITE} bytes each, the head at the start of the
 * first, through one direct buffer that the connection's responses share.
 *
 * <p>The file is read into the direct buffer (the kernel's copy out of the page cache) and the
 * buffer is handed to the socket as it is, which copies it into the send buffer: one copy of each
 * body byte in this process, where reading into a heap array made two (a {@code FileChannel} reads
 * a heap buffer through a temporary direct one, then copies) and a stream's write wrapped the array
 * in a new {@code ByteBuffer} each time.
 *
 * <p>Each write to a {@link dev.synack.socket.TcpSocket} crosses to the loop once and wakes the
 * writing thread once, when the loop has taken all of it, so the write's size sets those costs per
 * megabyte: 64 KiB writes (this server's until session 8) cost four times what the bench's raw
 * stream pays with its 256 KiB. The head rides in the first write, so that it does not leave as a
 * small segment of its own ahead of the body.
 */
final class FileBody {
  /** The size of each write but the last: the bench's raw stream's ({@code StreamPeers}). */
  static final int WRITE = 256 * 1024;

  /** Where the pieces go: a write that takes all of the buffer's remaining bytes. */
  interface Sink {
    /** Takes all of {@code piece}'s remaining bytes; the buffer is reused once this returns. */
    void write(ByteBuffer piece) throws IOException;
  }

  /** The connection's buffer, made at the first body and grown (up to {@link #WRITE}) as needed. */
  private ByteBuffer piece;

  /**
   * Writes {@code head}, then {@code length} bytes of {@code file} from {@code offset}, to {@code
   * out} in writes of {@link #WRITE} bytes (the last one shorter; a head longer than that in one
   * write); returns {@code length}, or -1 when the file ended first (it shrank under us: what was
   * read is written, and the connection must close, its Content-Length no longer true).
   */
  long send(byte[] head, Path file, long offset, long length, Sink out) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = buffer((int) Math.max(head.length, Math.min(WRITE, head.length + length)));
      buf.put(head);
      long position = offset;
      long left = length;
      do {
        buf.limit((int) Math.min(buf.capacity(), buf.position() + left));
        while (buf.hasRemaining()) {
          int n = ch.read(buf, position);
          if (n < 0) {
            out.write(buf.flip());
            buf.clear();
            return -1;
          }
          position += n;
          left -= n;
        }
        out.write(buf.flip());
        buf.clear();
      } while (left > 0);
      return length;
    }
  }

  /** Returns the connection's buffer, cleared, with at least {@code size} bytes of room. */
  private ByteBuffer buffer(int size) {
    if (piece == null || piece.capacity() < size) {
      // Never shrunk: a connection that sent one large body will likely send another.
      piece = ByteBuffer.allocateDirect(Math.max(size, piece == null ? 0 : piece.capacity()));
    }
    return piece.clear();
  }
}
