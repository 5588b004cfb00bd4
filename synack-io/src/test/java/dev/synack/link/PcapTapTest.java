package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link PcapTap}: the file it writes, read back byte by byte. */
class PcapTapTest {
  private static final Instant T = Instant.parse("2025-01-02T03:04:05.123456789Z");

  @Test
  void tap_sendsAndReceives_writesHeaderAndOneRecordEach() throws IOException {
    MemoryLink.Pair pair = MemoryLink.pair();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PcapTap tap = PcapTap.wrap(pair.a(), out, InstantSource.fixed(T))) {
      tap.send(ByteBuffer.wrap(UdpLinkTest.packet(40, 1)));
      tap.send(ByteBuffer.wrap(UdpLinkTest.packet(60, 2)));
      pair.b().send(ByteBuffer.wrap(UdpLinkTest.packet(52, 3)));
      ByteBuffer buf = ByteBuffer.allocate(100).position(10); // Records start at the position.
      assertEquals(52, tap.receive(buf, 0));
    }
    ByteBuffer file = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.BIG_ENDIAN);
    assertEquals(
        "a1b23c4d000200040000000000000000000400000000" + "0065",
        HexFormat.of().formatHex(out.toByteArray(), 0, 24),
        "magic (ns), v2.4, snaplen 262144, RAW");

    List<byte[]> records = records(file);
    assertEquals(3, records.size());
    assertArrayEquals(UdpLinkTest.packet(40, 1), records.get(0));
    assertArrayEquals(UdpLinkTest.packet(60, 2), records.get(1));
    assertArrayEquals(UdpLinkTest.packet(52, 3), records.get(2));
    assertEquals(T.getEpochSecond(), file.getInt(24) & 0xffffffffL);
    assertEquals(123_456_789, file.getInt(28));
  }

  @Test
  void tap_receiveBatch_recordsEachPacket(@TempDir Path dir) throws IOException {
    MemoryLink.Pair pair = MemoryLink.pair();
    Path file = dir.resolve("batch.pcap");
    try (PcapTap tap = PcapTap.open(pair.a(), file)) {
      for (int i = 1; i <= 3; i++) pair.b().send(ByteBuffer.wrap(UdpLinkTest.packet(20 + i, i)));
      ByteBuffer[] bufs = {
        ByteBuffer.allocate(100), ByteBuffer.allocate(100), ByteBuffer.allocate(100)
      };
      assertEquals(3, tap.receiveBatch(bufs, 0));
    }
    List<byte[]> records =
        records(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.BIG_ENDIAN));
    assertEquals(List.of(21, 22, 23), records.stream().map(r -> r.length).toList());
    assertTrue(Arrays.equals(UdpLinkTest.packet(23, 3), records.get(2)));
  }

  /** Returns the packets of a big-endian pcap file, checking each record's lengths agree. */
  private static List<byte[]> records(ByteBuffer file) {
    List<byte[]> packets = new ArrayList<>();
    int at = 24;
    while (at < file.limit()) {
      int captured = file.getInt(at + 8);
      assertEquals(captured, file.getInt(at + 12), "whole packets are captured");
      byte[] p = new byte[captured];
      file.get(at + 16, p);
      packets.add(p);
      at += 16 + captured;
    }
    assertEquals(file.limit(), at, "no trailing bytes");
    return packets;
  }
}
