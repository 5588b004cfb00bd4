package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TcpConfigBuilderTest {
  @Test
  void builder_startsFromTheDefaults() {
    assertEquals(TcpConfig.defaults().toString(), TcpConfig.builder().build().toString());
    assertEquals(1460, TcpConfig.builder().build().mss());
    assertEquals("cubic", TcpConfig.builder().build().congestionControl());
  }

  @Test
  void toBuilder_changesACopy_neverTheConfigItCameFrom() {
    TcpConfig base = TcpConfig.defaults();
    TcpConfigBuilder b = base.toBuilder().mss(1000).noDelay(true);
    TcpConfig first = b.build();
    b.mss(900);
    TcpConfig second = b.build();

    assertEquals(1460, base.mss());
    assertEquals(false, base.noDelay());
    assertEquals(1000, first.mss(), "a built config does not follow its builder");
    assertEquals(900, second.mss());
    assertEquals(true, second.noDelay());
  }

  @Test
  void severalChangesInOneBuilder_equalTheChainOfWithMethods() {
    TcpConfig chained =
        TcpConfig.defaults()
            .withBuffers(65536, 32768)
            .withRto(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofSeconds(60))
            .withKeepAlive(true, Duration.ofSeconds(10), Duration.ofSeconds(2), 3)
            .withEcn(TcpConfig.ECN_ON)
            .withCongestionControl("newreno");
    TcpConfig built =
        TcpConfig.builder()
            .buffers(65536, 32768)
            .rto(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofSeconds(60))
            .keepAlive(true, Duration.ofSeconds(10), Duration.ofSeconds(2), 3)
            .ecn(TcpConfig.ECN_ON)
            .congestionControl("newreno")
            .build();

    assertEquals(chained.toString(), built.toString());
    assertEquals(32768, built.maxSendBuffer(), "a send buffer set explicitly is not tuned");
    assertEquals(10_000_000_000L, built.keepAliveIdle());
  }

  @Test
  void build_checksEveryValue_withTheMessageOfItsWithMethod() {
    assertEquals(
        "mss out of range 1..65535: 0",
        assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().mss(0).build())
            .getMessage());
    assertEquals(
        "need minRto <= initialRto <= maxRto: PT0.2S, PT0.1S, PT2M",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    TcpConfig.defaults()
                        .withRto(
                            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMinutes(2)))
            .getMessage());
    assertEquals(
        "msl must be positive: PT-1S",
        assertThrows(
                IllegalArgumentException.class,
                () -> TcpConfig.defaults().withMsl(Duration.ofSeconds(-1)))
            .getMessage());
    assertEquals(
        "msl must be positive: null",
        assertThrows(IllegalArgumentException.class, () -> TcpConfig.defaults().withMsl(null))
            .getMessage());
    assertEquals(
        "delayedAckTimeout must be under 500 ms (RFC 1122 §4.2.3.2): PT0.5S",
        assertThrows(
                IllegalArgumentException.class,
                () -> TcpConfig.defaults().withDelayedAck(true, Duration.ofMillis(500)))
            .getMessage());
    assertEquals(
        "max send buffer out of range 131072..2^30: 1000",
        assertThrows(
                IllegalArgumentException.class, () -> TcpConfig.defaults().withMaxSendBuffer(1000))
            .getMessage());
    assertEquals(
        "unknown congestion control vegas, expected one of " + TcpConfig.congestionControls(),
        assertThrows(
                IllegalArgumentException.class,
                () -> TcpConfig.builder().congestionControl("vegas").build())
            .getMessage());
  }

  @Test
  void aFailedBuild_leavesTheBuilderUsable() {
    TcpConfigBuilder b = TcpConfig.builder().ecn(9);
    assertThrows(IllegalArgumentException.class, b::build);
    assertEquals(TcpConfig.ECN_OFF, b.ecn(TcpConfig.ECN_OFF).build().ecn());
  }
}
