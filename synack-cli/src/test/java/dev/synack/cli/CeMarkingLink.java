package dev.synack.cli;

import dev.synack.link.Link;
import dev.synack.wire.Ecn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A link that plays a congested router's AQM on synack's side of a device: every {@code every}-th
 * ECT packet each way leaves (or arrives) marked CE (RFC 3168 §5), so that both ends of a
 * connection see marks without a qdisc.
 */
final class CeMarkingLink implements Link {
  private final Link inner;
  private final int every;
  private final AtomicLong ectOut = new AtomicLong();
  private final AtomicLong ectIn = new AtomicLong();
  final AtomicLong markedOut = new AtomicLong();
  final AtomicLong markedIn = new AtomicLong();

  CeMarkingLink(Link inner, int every) {
    this.inner = inner;
    this.every = every;
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    byte[] bytes = new byte[packet.remaining()];
    packet.get(bytes);
    if (Ecn.isEct(Ecn.of(bytes)) && ectOut.incrementAndGet() % every == 0) {
      Ecn.set(bytes, Ecn.CE);
      markedOut.incrementAndGet();
    }
    inner.send(ByteBuffer.wrap(bytes));
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    int start = dst.position();
    int n = inner.receive(dst, timeoutNanos);
    if (n > 0) {
      byte[] bytes = new byte[n];
      dst.get(start, bytes);
      if (Ecn.isEct(Ecn.of(bytes)) && ectIn.incrementAndGet() % every == 0) {
        Ecn.set(bytes, Ecn.CE);
        dst.put(start, bytes);
        markedIn.incrementAndGet();
      }
    }
    return n;
  }

  @Override
  public void wakeup() {
    inner.wakeup();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
