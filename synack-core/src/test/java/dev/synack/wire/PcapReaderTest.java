package dev.synack.wire;

import static dev.synack.wire.CaptureBytes.concat;
import static dev.synack.wire.CaptureBytes.ipv4;
import static dev.synack.wire.CaptureBytes.ipv6;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PcapReaderTest {
  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  private static PcapRecord only(byte[] file) throws PcapFormatException {
    List<PcapRecord> records = PcapReader.of(file).readAll();
    assertEquals(1, records.size(), "records");
    return records.getFirst();
  }

  @Nested
  class Classic {
    @Test
    void littleEndianMicros_readsTimeLinkTypeAndPacket() throws Exception {
      byte[] file =
          CaptureBytes.pcapHeader(LITTLE_ENDIAN, false, LinkType.RAW)
              .pcapRecord(1_700_000_000L, 123_456, ipv4(1), 20)
              .pcapRecord(1_700_000_001L, 0, ipv6(2), 40)
              .toByteArray();
      PcapReader reader = PcapReader.of(file);
      assertEquals(PcapReader.Format.PCAP, reader.format());
      PcapRecord first = reader.next();
      assertEquals(1_700_000_000_123_456_000L, first.timeNanos());
      assertEquals(LinkType.RAW, first.linkType());
      assertEquals(20, first.originalLength());
      assertArrayEquals(ipv4(1), bytes(first.ipPacket()));
      assertArrayEquals(ipv6(2), bytes(reader.next().ipPacket()));
      assertNull(reader.next());
    }

    @Test
    void bigEndianNanos_keepsNanoseconds() throws Exception {
      byte[] file =
          CaptureBytes.pcapHeader(BIG_ENDIAN, true, LinkType.IPV4)
              .pcapRecord(5, 123_456_789, ipv4(7), 1500)
              .toByteArray();
      PcapRecord r = only(file);
      assertEquals(5_123_456_789L, r.timeNanos());
      assertEquals(1500, r.originalLength());
      assertArrayEquals(ipv4(7), bytes(r.ipPacket()));
    }

    @Test
    void fromInputStream_readsTheSameRecords() throws Exception {
      byte[] file =
          CaptureBytes.pcapHeader(BIG_ENDIAN, false, LinkType.RAW)
              .pcapRecord(1, 2, ipv4(3), 20)
              .toByteArray();
      List<PcapRecord> records = PcapReader.of(new ByteArrayInputStream(file)).readAll();
      assertEquals(1, records.size());
      assertEquals(1_000_002_000L, records.getFirst().timeNanos());
    }

    @Test
    void fcsBitsInLinkTypeField_areIgnored() throws Exception {
      byte[] file =
          CaptureBytes.pcapHeader(LITTLE_ENDIAN, false, 0x1000_0000 | LinkType.RAW)
              .pcapRecord(1, 0, ipv4(3), 20)
              .toByteArray();
      assertEquals(LinkType.RAW, only(file).linkType());
    }
  }

  @Nested
  class PcapNgFiles {
    @Test
    void littleEndianDefaultResolution_readsMicroseconds() throws Exception {
      byte[] file =
          new CaptureBytes(LITTLE_ENDIAN)
              .shb()
              .idb(LinkType.RAW, -1)
              .epb(0, 1_700_000_000_000_001L, ipv4(9), 20)
              .toByteArray();
      PcapReader reader = PcapReader.of(file);
      assertEquals(PcapReader.Format.PCAPNG, reader.format());
      PcapRecord r = reader.next();
      assertEquals(1_700_000_000_000_001_000L, r.timeNanos());
      assertArrayEquals(ipv4(9), bytes(r.ipPacket()));
      assertNull(reader.next());
    }

    @Test
    void bigEndianTsresolNanos_readsNanoseconds() throws Exception {
      byte[] file =
          new CaptureBytes(BIG_ENDIAN)
              .shb()
              .idb(LinkType.IPV6, 9)
              .epb(0, 1_700_000_000_123_456_789L, ipv6(4), 40)
              .toByteArray();
      PcapRecord r = only(file);
      assertEquals(1_700_000_000_123_456_789L, r.timeNanos());
      assertEquals(LinkType.IPV6, r.linkType());
    }

    @Test
    void binaryTsresol_convertsPowersOfTwo() throws Exception {
      // 2^-10 seconds per tick: 3.5 seconds is 3584 ticks.
      byte[] file =
          new CaptureBytes(LITTLE_ENDIAN)
              .shb()
              .idb(LinkType.RAW, 0x80 | 10)
              .epb(0, 3584, ipv4(1), 20)
              .toByteArray();
      assertEquals(3_500_000_000L, only(file).timeNanos());
    }

    @Test
    void unknownBlocks_areSkipped() throws Exception {
      byte[] file =
          new CaptureBytes(LITTLE_ENDIAN)
              .shb()
              .block(4, new byte[] {0, 0, 0, 0}) // Name Resolution Block
              .idb(LinkType.RAW, -1)
              .block(5, new byte[20]) // Interface Statistics Block
              .block(0x0bad, new byte[] {1, 2, 3}) // a custom type
              .epb(0, 1, ipv4(5), 20)
              .toByteArray();
      assertArrayEquals(ipv4(5), bytes(only(file).ipPacket()));
    }

    @Test
    void simplePacketBlock_usesInterfaceZeroAndNoTime() throws Exception {
      CaptureBytes b = new CaptureBytes(BIG_ENDIAN).shb().idb(LinkType.RAW, -1);
      byte[] frame = ipv4(6);
      b.block(3, new CaptureBytes(BIG_ENDIAN).u32(frame.length).put(frame).toByteArray());
      PcapRecord r = only(b.toByteArray());
      assertEquals(0, r.timeNanos());
      assertArrayEquals(frame, bytes(r.ipPacket()));
    }

    @Test
    void twoSectionsInBothByteOrders_eachUsesItsOwnInterfaces() throws Exception {
      CaptureBytes b =
          new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.RAW, -1).epb(0, 1, ipv4(1), 20);
      b.put(
          new CaptureBytes(BIG_ENDIAN)
              .shb()
              .idb(LinkType.IPV6, 9)
              .epb(0, 2, ipv6(2), 40)
              .toByteArray());
      List<PcapRecord> records = PcapReader.of(b.toByteArray()).readAll();
      assertEquals(2, records.size());
      assertEquals(1_000, records.get(0).timeNanos());
      assertEquals(2, records.get(1).timeNanos());
      assertEquals(LinkType.IPV6, records.get(1).linkType());
      assertArrayEquals(ipv6(2), bytes(records.get(1).ipPacket()));
    }
  }

  @Nested
  class LinkTypes {
    private PcapRecord read(int linkType, byte[] frame) throws PcapFormatException {
      return only(
          CaptureBytes.pcapHeader(BIG_ENDIAN, false, linkType)
              .pcapRecord(0, 0, frame, frame.length)
              .toByteArray());
    }

    private byte[] ethernet(String etherTypes, byte[] payload) {
      return concat(HexFormat.of().parseHex("020000000001" + "020000000002" + etherTypes), payload);
    }

    @Test
    void ethernetIpv4_takesOffTheHeader() throws Exception {
      assertArrayEquals(
          ipv4(1), bytes(read(LinkType.ETHERNET, ethernet("0800", ipv4(1))).ipPacket()));
    }

    @Test
    void ethernetVlanTaggedIpv6_skipsTheTags() throws Exception {
      byte[] frame = ethernet("88a8" + "0064" + "8100" + "00c8" + "86dd", ipv6(2));
      assertArrayEquals(ipv6(2), bytes(read(LinkType.ETHERNET, frame).ipPacket()));
    }

    @Test
    void ethernetArp_hasNoIpPacket() throws Exception {
      PcapRecord r = read(LinkType.ETHERNET, ethernet("0806", new byte[28]));
      assertNull(r.ipPacket());
      assertEquals(42, r.originalLength());
    }

    @Test
    void ethernetCutShort_hasNoIpPacket() throws Exception {
      assertNull(read(LinkType.ETHERNET, new byte[10]).ipPacket());
    }

    @Test
    void linuxSll_findsProtocolAtOffset14() throws Exception {
      byte[] header =
          HexFormat.of().parseHex("0000" + "0304" + "0006" + "000000000000" + "0000" + "0800");
      assertArrayEquals(
          ipv4(3), bytes(read(LinkType.LINUX_SLL, concat(header, ipv4(3))).ipPacket()));
    }

    @Test
    void linuxSll2_findsProtocolAtOffset0() throws Exception {
      byte[] header =
          HexFormat.of()
              .parseHex("86dd" + "0000" + "00000001" + "0304" + "00" + "06" + "0000000000000000");
      assertArrayEquals(
          ipv6(4), bytes(read(LinkType.LINUX_SLL2, concat(header, ipv6(4))).ipPacket()));
    }

    @Test
    void nullLittleEndianInet_findsIpv4() throws Exception {
      assertArrayEquals(
          ipv4(5), bytes(read(LinkType.NULL, concat(new byte[] {2, 0, 0, 0}, ipv4(5))).ipPacket()));
    }

    @Test
    void nullBigEndianDarwinInet6_findsIpv6() throws Exception {
      assertArrayEquals(
          ipv6(6),
          bytes(read(LinkType.NULL, concat(new byte[] {0, 0, 0, 30}, ipv6(6))).ipPacket()));
    }

    @Test
    void nullUnknownFamily_hasNoIpPacket() throws Exception {
      assertNull(read(LinkType.NULL, concat(new byte[] {7, 0, 0, 0}, ipv4(5))).ipPacket());
    }

    @Test
    void rawWithBadVersion_hasNoIpPacket() throws Exception {
      assertNull(read(LinkType.RAW, new byte[] {0x15, 0, 0, 0}).ipPacket());
    }

    @Test
    void unsupportedLinkType_hasNoIpPacket() throws Exception {
      PcapRecord r = read(147, ipv4(1));
      assertNull(r.ipPacket());
      assertEquals(147, r.linkType());
      assertEquals("LINKTYPE 147", LinkType.name(r.linkType()));
    }
  }

  @Nested
  class Malformed {
    private String error(byte[] file) {
      return assertThrows(PcapFormatException.class, () -> PcapReader.of(file).readAll())
          .getMessage();
    }

    @Test
    void emptyFile_saysEmpty() {
      assertEquals("empty file, not a pcap or pcapng file", error(new byte[0]));
    }

    @Test
    void unknownMagic_namesTheMagic() {
      assertTrue(
          error("hello world!".getBytes(UTF_8))
              .startsWith("not a pcap or pcapng file: it starts with 0x68656c6c"));
    }

    @Test
    void headerCutShort_saysHowShort() {
      byte[] file = new CaptureBytes(BIG_ENDIAN).u32(0xa1b2c3d4L).u16(2).toByteArray();
      assertEquals(
          "pcap file header cut short: the file has 6 bytes, the header needs 24", error(file));
    }

    @Test
    void recordCutShort_keepsEarlierRecordsAndNamesTheRecord() throws Exception {
      byte[] whole =
          CaptureBytes.pcapHeader(LITTLE_ENDIAN, false, LinkType.RAW)
              .pcapRecord(1, 0, ipv4(1), 20)
              .pcapRecord(2, 0, ipv4(2), 20)
              .toByteArray();
      byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 5);
      PcapReader reader = PcapReader.of(cut);
      assertArrayEquals(ipv4(1), bytes(reader.next().ipPacket()));
      PcapFormatException e = assertThrows(PcapFormatException.class, reader::next);
      assertEquals(
          "pcap record 2 at offset 60: captured length 20 exceeds the 15 bytes left (truncated file?)",
          e.getMessage());
    }

    @Test
    void pcapngBadByteOrderMagic_namesIt() {
      byte[] file =
          new CaptureBytes(BIG_ENDIAN)
              .block(
                  0x0a0d0d0a,
                  new CaptureBytes(BIG_ENDIAN).u32(0x11223344).u16(1).u16(0).u64(-1).toByteArray())
              .toByteArray();
      assertEquals(
          "pcapng block at offset 0: section header block: byte-order magic 0x11223344 is neither"
              + " 1a2b3c4d nor 4d3c2b1a",
          error(file));
    }

    @Test
    void pcapngPacketOfUndescribedInterface_namesTheInterface() {
      byte[] file =
          new CaptureBytes(LITTLE_ENDIAN)
              .shb()
              .idb(LinkType.RAW, -1)
              .epb(3, 0, ipv4(1), 20)
              .toByteArray();
      assertEquals(
          "pcapng block at offset 52: packet block refers to interface 3 but 1 interface(s) are"
              + " described in this section",
          error(file));
    }

    @Test
    void pcapngBlockLengthPastEnd_saysTruncated() {
      byte[] whole =
          new CaptureBytes(LITTLE_ENDIAN)
              .shb()
              .idb(LinkType.RAW, -1)
              .epb(0, 0, ipv4(1), 20)
              .toByteArray();
      byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 8);
      assertEquals(
          "pcapng block at offset 52: block total length 52 exceeds the 44 bytes left (truncated file?)",
          error(cut));
    }

    @Test
    void pcapngMismatchedTrailingLength_saysSo() {
      byte[] file = new CaptureBytes(LITTLE_ENDIAN).shb().idb(LinkType.RAW, -1).toByteArray();
      file[file.length - 4] = 99;
      assertTrue(
          error(file)
              .endsWith("the trailing block total length does not repeat the leading one (24)"));
    }

    @Test
    void pcapngOddBlockLength_saysSo() {
      byte[] file =
          new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
              .shb()
              .u32(1)
              .u32(13)
              .u32(0)
              .u32(0)
              .toByteArray();
      assertTrue(
          error(file).endsWith("block total length 13 is not a multiple of 4 of at least 12"),
          error(file));
    }
  }
}
