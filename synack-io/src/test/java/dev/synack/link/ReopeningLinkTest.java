package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link ReopeningLink} as {@code serve --tun} and {@code connect --tun} open their
 * device: what the TUN device inside can do (shed SYNs, steer flows) must reach the driver through
 * it.
 */
class ReopeningLinkTest {
  @Test
  void shedSyns_reachesTheLinkInside_andItsAnswerComesBack() throws IOException {
    Fake inside = new Fake(true, false);
    try (ReopeningLink link = ReopeningLink.open(() -> inside)) {
      assertTrue(link.shedSyns(4), "the device sheds, so the wrapper does");
      assertTrue(link.shedSyns(0));
    }
    assertEquals(List.of(4, 0), inside.shifts);

    Fake cannot = new Fake(false, false);
    try (ReopeningLink link = ReopeningLink.open(() -> cannot)) {
      assertFalse(link.shedSyns(4), "a link that cannot shed is not said to");
    }
  }

  @Test
  void steersFlows_isTheLinkInsides() throws IOException {
    try (ReopeningLink link = ReopeningLink.open(() -> new Fake(false, true))) {
      assertTrue(link.steersFlows());
    }
    try (ReopeningLink link = ReopeningLink.open(() -> new Fake(false, false))) {
      assertFalse(link.steersFlows());
    }
  }

  @Test
  void aReopenedLink_shedsAsTheLostOneWasAsked() throws Exception {
    List<Fake> opened = Collections.synchronizedList(new ArrayList<>());
    try (ReopeningLink link =
        ReopeningLink.open(
            () -> {
              Fake f = new Fake(true, false);
              opened.add(f);
              return f;
            })) {
      assertTrue(link.shedSyns(3));
      opened.getFirst().gone = true;
      ByteBuffer packet = ByteBuffer.allocate(20);
      // Bounded: the first reopen is tried 100 ms after the loss; 250 x 20 ms at most.
      for (int i = 0; i < 250 && link.reopens() == 0; i++) {
        try {
          link.send(packet.clear());
        } catch (LinkGoneException e) {
          Thread.sleep(20);
        }
      }
      assertEquals(1, link.reopens());
      assertEquals(List.of(3), opened.get(1).shifts, "the fresh device sheds as asked last");
    }
  }

  /** A link that can shed SYNs or steer flows as told, and goes away when told. */
  private static final class Fake implements Link {
    final boolean sheds;
    final boolean steers;
    final List<Integer> shifts = new ArrayList<>();
    volatile boolean gone;

    Fake(boolean sheds, boolean steers) {
      this.sheds = sheds;
      this.steers = steers;
    }

    @Override
    public int mtu() {
      return 1500;
    }

    @Override
    public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
      if (gone) throw new LinkGoneException("fake device deleted");
      return 0;
    }

    @Override
    public void send(ByteBuffer packet) throws IOException {
      if (gone) throw new LinkGoneException("fake device deleted");
      packet.position(packet.limit());
    }

    @Override
    public boolean shedSyns(int shift) {
      if (!sheds) return shift == 0;
      shifts.add(shift);
      return true;
    }

    @Override
    public boolean steersFlows() {
      return steers;
    }

    @Override
    public void wakeup() {}

    @Override
    public void close() {}
  }
}
