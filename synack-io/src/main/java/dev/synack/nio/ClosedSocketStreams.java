package dev.synack.nio;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

/**
 * The streams of a {@code java.net.Socket} on synack: a channel's {@link ClosedChannelException}
 * (the channel closed, or closed under a blocked read or write, by another thread or by the stack
 * that closed) becomes the {@code SocketException("Socket closed")} that the JDK's own socket
 * throws there, since a plain socket's caller expects no channel exceptions.
 */
final class ClosedSocketStreams {
  private ClosedSocketStreams() {}

  /** Returns the exception a plain socket's call ends with when its channel was closed. */
  static SocketException socketClosed(ClosedChannelException e) {
    SocketException s = new SocketException("Socket closed");
    s.initCause(e);
    return s;
  }

  static InputStream of(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        try {
          return in.read();
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return in.read(b, off, len);
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }

      @Override
      public long skip(long n) throws IOException {
        try {
          return in.skip(n);
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }

      @Override
      public int available() throws IOException {
        try {
          return in.available();
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }
    };
  }

  static OutputStream of(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        try {
          out.write(b);
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }

      @Override
      public void flush() throws IOException {
        try {
          out.flush();
        } catch (ClosedChannelException e) {
          throw socketClosed(e);
        }
      }
    };
  }
}
