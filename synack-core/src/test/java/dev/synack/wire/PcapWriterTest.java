package dev.synack.wire;

import static dev.synack.wire.CaptureBytes.ipv4;
import static dev.synack.wire.CaptureBytes.ipv6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PcapWriterTest {
  @Test
  void microseconds_writesTheClassicHeaderBigEndian() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PcapWriter.open(out, PcapWriter.Resolution.MICROSECONDS);
    assertEquals(
        "a1b2c3d4" + "0002" + "0004" + "00000000" + "00000000" + "00040000" + "00000065",
        HexFormat.of().formatHex(out.toByteArray()));
  }

  @Test
  void microseconds_roundTripsThroughTheReaderTruncatingToMicros() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PcapWriter w = PcapWriter.open(out, PcapWriter.Resolution.MICROSECONDS);
    w.write(1_700_000_000_123_456_789L, ipv4(1));
    w.write(1_700_000_001_000_000_000L, ipv6(2));
    List<PcapRecord> records = PcapReader.of(out.toByteArray()).readAll();
    assertEquals(2, records.size());
    assertEquals(1_700_000_000_123_456_000L, records.get(0).timeNanos());
    assertEquals(LinkType.RAW, records.get(0).linkType());
    assertEquals(20, records.get(0).originalLength());
    assertEquals(1_700_000_001_000_000_000L, records.get(1).timeNanos());
    byte[] second = new byte[40];
    records.get(1).ipPacket().get(second);
    assertArrayEquals(ipv6(2), second);
  }

  @Test
  void nanoseconds_keepsEveryNanosecond() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PcapWriter w = PcapWriter.open(out, PcapWriter.Resolution.NANOSECONDS);
    ByteBuffer packet = ByteBuffer.wrap(ipv4(3));
    w.write(42_000_000_007L, packet);
    assertEquals(0, packet.position(), "the caller's buffer position is left alone");
    PcapRecord r = PcapReader.of(out.toByteArray()).readAll().getFirst();
    assertEquals(42_000_000_007L, r.timeNanos());
  }

  @Test
  void negativeTime_isRejectedWithTheValue() throws Exception {
    PcapWriter w = PcapWriter.open(new ByteArrayOutputStream(), PcapWriter.Resolution.NANOSECONDS);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> w.write(-1, ipv4(1)));
    assertEquals("negative time: -1", e.getMessage());
  }
}
