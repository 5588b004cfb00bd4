package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LinkConfigTest {
  @Test
  void ideal_fields_noImpairment() {
    LinkConfig c = LinkConfig.ideal();

    assertEquals(new LinkConfig(0, 0, 0, 0, 0, 0, 0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE), c);
    assertEquals(0, c.serialisationNanos(1500));
  }

  @Test
  void withers_eachChangesItsField() {
    LinkConfig c =
        LinkConfig.ideal()
            .withDelay(Duration.ofMillis(25))
            .withJitter(Duration.ofMillis(2))
            .withLoss(0.01)
            .withDuplication(0.02)
            .withReorder(0.03, Duration.ofMillis(4))
            .withCorruption(0.04)
            .withBandwidth(100_000_000)
            .withQueueLimit(64_000)
            .withMtu(1500);

    assertEquals(
        new LinkConfig(
            25_000_000, 2_000_000, 0.01, 0.02, 0.03, 4_000_000, 0.04, 100_000_000, 64_000, 1500),
        c);
    assertEquals(Duration.ofMillis(25), c.delay());
  }

  @Test
  void serialisation_partialNanosecond_roundsUp() {
    LinkConfig c = LinkConfig.ideal().withBandwidth(3_000_000_000L);

    // 8 bits at 3 Gbit/s take 2.67 ns.
    assertEquals(3, c.serialisationNanos(1));
    assertEquals(1_000_000, LinkConfig.ideal().withBandwidth(12_000_000).serialisationNanos(1500));
  }

  @Test
  void badValues_rejectedWithTheValue() {
    var loss = assertThrows(IllegalArgumentException.class, () -> LinkConfig.ideal().withLoss(1.5));
    assertTrue(loss.getMessage().contains("1.5"), loss.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> LinkConfig.ideal().withCorruption(Double.NaN));
    assertThrows(
        IllegalArgumentException.class, () -> LinkConfig.ideal().withDelay(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> LinkConfig.ideal().withBandwidth(-1));
    assertThrows(IllegalArgumentException.class, () -> LinkConfig.ideal().withQueueLimit(-1));
    var mtu = assertThrows(IllegalArgumentException.class, () -> LinkConfig.ideal().withMtu(0));
    assertTrue(mtu.getMessage().contains("0"), mtu.getMessage());
  }
}
