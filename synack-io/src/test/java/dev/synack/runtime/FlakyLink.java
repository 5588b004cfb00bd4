package dev.synack.runtime;

import dev.synack.link.Link;
import dev.synack.link.LinkGoneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A link over another that fails when told: its next sends throw as a TUN device that is down does
 * (EIO), or every call throws {@link LinkGoneException} as a deleted device's descriptor does.
 * Closing it leaves the link inside open, so that several may stand on one end in turn.
 */
final class FlakyLink implements Link {
  private final Link inner;

  /** Sends still to fail, as a device that is down fails them. */
  final AtomicInteger failSends = new AtomicInteger();

  /** Whether every call throws, as on a device that is gone. */
  volatile boolean gone;

  /** Calls made to receive while gone. */
  final AtomicLong receivesWhileGone = new AtomicLong();

  volatile boolean closed;

  FlakyLink(Link inner) {
    this.inner = inner;
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    if (gone) {
      receivesWhileGone.incrementAndGet();
      throw new LinkGoneException("synack: test link is gone");
    }
    return inner.receive(dst, timeoutNanos);
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    if (gone) throw new LinkGoneException("synack: test link is gone");
    if (failSends.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IOException("synack: test link is down (Input/output error)");
    }
    inner.send(packet);
  }

  @Override
  public void wakeup() {
    inner.wakeup();
  }

  @Override
  public void close() {
    closed = true;
    inner.wakeup();
  }
}
