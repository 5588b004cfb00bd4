package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link DemoOptions} on a builder, as {@code dev.synack.sim.LinkConfig} is. */
class DemoOptionsBuilderTest {

  private static String refused(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

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
    assertEquals(new DemoOptions(0, 10, 0, 0, 1, 100_000), base, "the defaults left as they were");
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
