package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link PathConfig} on a builder, as {@link LinkConfig} is (the demo's options: {@code
 * DemoOptionsBuilderTest}).
 */
class SimSettingsBuilderTest {

  private static String refused(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  @Nested
  class Path {
    final PathConfig base = PathConfig.of(10_000_000, Duration.ofMillis(20));

    @Test
    void toBuilder_buildsAnEqualPath_andEachSetterChangesItsValueOnly() {
      assertEquals(base, base.toBuilder().build());
      PathConfig p =
          base.toBuilder()
              .bandwidth(1_000_000)
              .rtt(Duration.ofMillis(80))
              .loss(0.01)
              .queue(5000)
              .mtu(9000)
              .ecnMarking(3000)
              .build();
      assertEquals(new PathConfig(1_000_000, 80_000_000, 0.01, 5000, 9000, 3000), p);
      assertEquals(
          new PathConfig(10_000_000, 20_000_000, 0, base.queueBytes(), 1500, Integer.MAX_VALUE),
          base,
          "the builder left the path it came from as it was");
    }

    @Test
    void withMethods_areTheBuildersSetters() {
      assertEquals(base.toBuilder().loss(0.2).build(), base.withLoss(0.2));
      assertEquals(base.toBuilder().queue(7).build(), base.withQueue(7));
      assertEquals(base.toBuilder().mtu(1280).build(), base.withMtu(1280));
      assertEquals(base.toBuilder().ecnMarking(99).build(), base.withEcnMarking(99));
      assertNotSame(base, base.withLoss(0));
    }

    @Test
    void build_checksEveryValue_withTheConstructorsMessages() {
      assertEquals(
          "bandwidth must be positive: 0", refused(() -> base.toBuilder().bandwidth(0).build()));
      assertEquals(
          "rtt must not be negative: -1",
          refused(() -> base.toBuilder().rtt(Duration.ofNanos(-1)).build()));
      assertEquals("loss must be in [0, 1): 1.0", refused(() -> base.toBuilder().loss(1).build()));
      assertEquals(
          "loss must be in [0, 1): NaN", refused(() -> base.toBuilder().loss(Double.NaN).build()));
      assertEquals(
          "queue must not be negative: -1", refused(() -> base.toBuilder().queue(-1).build()));
      assertEquals(
          "mtu out of range 576..65535: 575", refused(() -> base.toBuilder().mtu(575).build()));
      assertEquals(
          "mark threshold must not be negative: -2",
          refused(() -> base.toBuilder().ecnMarking(-2).build()));
      assertEquals(
          "mtu out of range 576..65535: 70000",
          refused(() -> new PathConfig(1, 0, 0, 0, 70_000)),
          "the constructor and the builder say the same");
    }
  }
}
