package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link PathConfig} and {@link DemoOptions} on builders, as {@link LinkConfig} is. */
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

  @Nested
  class Demo {
    final DemoOptions base = DemoOptions.defaults();

    @Test
    void toBuilder_buildsEqualOptions_andEachSetterChangesItsValueOnly() {
      assertEquals(base, base.toBuilder().build());
      assertEquals(
          new DemoOptions(0.05, 25, 0.02, 0.01, 3, 30_000),
          base.toBuilder()
              .loss(0.05)
              .delayMillis(25)
              .reorder(0.02)
              .duplicate(0.01)
              .seed(3)
              .bytes(30_000)
              .build());
      assertEquals(
          new DemoOptions(0, 10, 0, 0, 1, 100_000), base, "the defaults left as they were");
    }

    @Test
    void build_checksEveryValue_withTheMessagesDemoPrints() {
      assertEquals(
          "loss must be a probability in [0, 1): 1.0",
          refused(() -> base.toBuilder().loss(1).build()));
      assertEquals(
          "reorder must be a probability in [0, 1): -0.1",
          refused(() -> base.toBuilder().reorder(-0.1).build()));
      assertEquals(
          "dup must be a probability in [0, 1): 2.0",
          refused(() -> base.toBuilder().duplicate(2).build()));
      assertEquals(
          "delay out of range 0..60000 ms: 60001.0",
          refused(() -> base.toBuilder().delayMillis(60_001).build()));
      assertEquals(
          "delay out of range 0..60000 ms: NaN",
          refused(() -> base.toBuilder().delayMillis(Double.NaN).build()),
          "NaN fails no comparison, so the check is written to refuse it");
      assertEquals(
          "bytes must not be negative: -1", refused(() -> base.toBuilder().bytes(-1).build()));
    }
  }
}
