package dev.synack.wire;

import static dev.synack.wire.LinuxCaptures.bytes;
import static dev.synack.wire.LinuxCaptures.loopback4;
import static dev.synack.wire.LinuxCaptures.loopback6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TcpCodecTest {
  /** Returns the TCP part of a captured IP packet. */
  static ByteBuffer tcpPart(String hex, int ipHeaderLength) {
    byte[] b = bytes(hex);
    return ByteBuffer.wrap(b, ipHeaderLength, b.length - ipHeaderLength).slice();
  }

  @Nested
  class LinuxBytes {
    @Test
    void syn4_header_everyFieldAsLinuxSentIt() {
      TcpHeader h = TcpHeader.wrap(tcpPart(LinuxCaptures.SYN4, 20)).value();
      assertEquals(45678, h.sourcePort());
      assertEquals(8080, h.destinationPort());
      assertEquals(3478921776L, Integer.toUnsignedLong(h.sequenceNumber()));
      assertEquals(0, h.acknowledgmentNumber());
      assertEquals(10, h.dataOffset());
      assertEquals(40, h.headerLength());
      assertEquals(TcpFlags.SYN, h.flags());
      assertTrue(h.syn());
      assertFalse(h.ack() || h.fin() || h.rst() || h.psh() || h.urg() || h.ece() || h.cwr());
      assertEquals(65495, h.window());
      assertEquals(LinuxCaptures.SYN4_TCP_CHECKSUM, h.checksum());
      assertEquals(0, h.urgentPointer());
      assertEquals(0, h.payloadLength());
      assertEquals(
          TcpOptions.of(
              new TcpOption.MaximumSegmentSize(65495),
              new TcpOption.SackPermitted(),
              new TcpOption.Timestamps((int) 2887548925L, 0),
              new TcpOption.NoOperation(),
              new TcpOption.WindowScale(7)),
          h.options());
      assertEquals("mss 65495,sackOK,TS val 2887548925 ecr 0,nop,wscale 7", h.options().describe());
    }

    @Test
    void syn4_parseWithChecksum_givesTheSegment() {
      TcpSegment s =
          TcpCodec.parse(tcpPart(LinuxCaptures.SYN4, 20), loopback4(), loopback4(), true).value();
      assertEquals(65495, s.options().mss());
      assertEquals(7, s.options().windowScale());
      assertTrue(s.options().sackPermitted());
      assertEquals(1, s.segmentLength());
      assertEquals(
          "45678 > 8080: Flags [S], seq 3478921776, win 65495, "
              + "options [mss 65495,sackOK,TS val 2887548925 ecr 0,nop,wscale 7], length 0",
          s.toString());
    }

    @Test
    void synAck4_parse_acknowledgesTheSyn() {
      TcpSegment s =
          TcpCodec.parse(tcpPart(LinuxCaptures.SYNACK4, 20), loopback4(), loopback4(), true)
              .value();
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, s.flags());
      assertEquals(3478921777L, Integer.toUnsignedLong(s.acknowledgmentNumber()));
      assertEquals(1017372871L, Integer.toUnsignedLong(s.sequenceNumber()));
      assertEquals(65483, s.window());
      assertEquals(LinuxCaptures.SYNACK4_TCP_CHECKSUM, s.checksum());
      assertEquals((int) 2887548925L, s.options().timestamps().tsEcr());
      assertEquals(
          "8080 > 45678: Flags [S.], seq 1017372871, ack 3478921777, win 65483, "
              + "options [mss 65495,sackOK,TS val 2887548925 ecr 2887548925,nop,wscale 7], length 0",
          s.toString());
    }

    @Test
    void data4_parse_givesPayloadAndTimestamps() {
      TcpSegment s =
          TcpCodec.parse(tcpPart(LinuxCaptures.DATA4, 20), loopback4(), loopback4(), true).value();
      assertEquals(TcpFlags.PSH | TcpFlags.ACK, s.flags());
      assertEquals(512, s.window());
      assertEquals(LinuxCaptures.DATA4_TCP_CHECKSUM, s.checksum());
      assertEquals(
          "hello, synack\n", StandardCharsets.US_ASCII.decode(s.payload().duplicate()).toString());
      assertEquals(14, s.segmentLength());
      assertEquals(
          "45678 > 8080: Flags [P.], seq 3478921777:3478921791, ack 1017372872, win 512, "
              + "options [nop,nop,TS val 2887548926 ecr 2887548925], length 14",
          s.toString());
    }

    @Test
    void syn6_parseWithIpv6PseudoHeader_verifies() {
      TcpSegment s =
          TcpCodec.parse(tcpPart(LinuxCaptures.SYN6, 40), loopback6(), loopback6(), true).value();
      assertEquals(51234, s.sourcePort());
      assertEquals(65476, s.options().mss());
      assertEquals(LinuxCaptures.SYN6_TCP_CHECKSUM, s.checksum());
    }

    @Test
    void everyCapture_writtenBack_isByteForByteTheSame() {
      for (String hex : List.of(LinuxCaptures.SYN4, LinuxCaptures.SYNACK4, LinuxCaptures.DATA4)) {
        ByteBuffer tcp = tcpPart(hex, 20);
        TcpSegment s = TcpCodec.parse(tcp, loopback4(), loopback4(), true).value();
        assertArrayEquals(
            bytes(hex.substring(40)), TcpCodec.toBytes(s, loopback4(), loopback4()), hex);
      }
      TcpSegment s6 =
          TcpCodec.parse(tcpPart(LinuxCaptures.SYN6, 40), loopback6(), loopback6(), true).value();
      assertArrayEquals(
          bytes(LinuxCaptures.SYN6.substring(80)), TcpCodec.toBytes(s6, loopback6(), loopback6()));
    }
  }

  @Nested
  class Malformed {
    /**
     * A 20-byte header (data offset 5) followed by {@code options} hex, with the data offset fixed
     * up.
     */
    ByteBuffer withOptions(String optionsHex) {
      byte[] options = HexFormat.of().parseHex(optionsHex);
      byte[] b = new byte[20 + options.length];
      System.arraycopy(options, 0, b, 20, options.length);
      b[12] = (byte) ((b.length / 4) << 4);
      return ByteBuffer.wrap(b);
    }

    MalformedReason reason(ByteBuffer tcp) {
      return TcpCodec.parse(tcp, loopback4(), loopback4(), false).reason();
    }

    @Test
    void shorterThan20Bytes_isTruncatedHeader() {
      assertEquals(MalformedReason.TCP_TRUNCATED_HEADER, reason(ByteBuffer.allocate(19)));
      assertEquals(
          MalformedReason.TCP_TRUNCATED_HEADER, TcpHeader.wrap(ByteBuffer.allocate(0)).reason());
    }

    @Test
    void dataOffsetBelowFive_isTooSmall() {
      ByteBuffer b = ByteBuffer.allocate(20).put(12, (byte) 0x40);
      assertEquals(MalformedReason.TCP_DATA_OFFSET_TOO_SMALL, reason(b));
    }

    @Test
    void dataOffsetBeyondTheBytes_isPastEnd() {
      ByteBuffer b = ByteBuffer.allocate(24).put(12, (byte) 0x70);
      assertEquals(MalformedReason.TCP_DATA_OFFSET_PAST_END, reason(b));
    }

    @Test
    void optionLengthPastTheHeader_overruns() {
      assertEquals(
          MalformedReason.TCP_OPTION_OVERRUNS_HEADER, reason(withOptions("0101080a00000000")));
      assertEquals(
          MalformedReason.TCP_OPTION_OVERRUNS_HEADER,
          reason(withOptions("01010105")),
          "kind without its length byte");
    }

    @Test
    void knownKindWithWrongLength_isBadOptionLength() {
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH, reason(withOptions("02030000")), "MSS must be 4");
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH,
          reason(withOptions("03040700")),
          "window scale must be 3");
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH,
          reason(withOptions("04030000")),
          "SACK-permitted must be 2");
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH,
          reason(withOptions("050600000000" + "0000")),
          "SACK must be 2+8n");
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH,
          reason(withOptions("080800000000" + "00000000")),
          "timestamps must be 10");
      assertEquals(
          MalformedReason.TCP_BAD_OPTION_LENGTH,
          reason(withOptions("fe010000")),
          "any length below 2");
    }

    @Test
    void corruptedByte_isBadChecksum() {
      byte[] b = bytes(LinuxCaptures.DATA4.substring(40));
      b[b.length - 1] ^= 0x20;
      assertEquals(
          MalformedReason.TCP_BAD_CHECKSUM,
          TcpCodec.parse(ByteBuffer.wrap(b), loopback4(), loopback4(), true).reason());
      assertTrue(
          TcpCodec.parse(ByteBuffer.wrap(b), loopback4(), loopback4(), false).isOk(),
          "unchecked, it parses");
    }
  }

  @Nested
  class Options {
    @Test
    void unknownKind_isKeptWithItsBytes() {
      ByteBuffer b = new Malformed().withOptions("fe04abcd");
      TcpOptions o = TcpHeader.wrap(b).value().options();
      assertEquals(
          List.of(new TcpOption.Unknown(0xfe, new byte[] {(byte) 0xab, (byte) 0xcd})), o.list());
    }

    @Test
    void fastOpen_bothFormsParseAndRoundTripAsLinuxLaysThemOut() {
      // Linux's tcp_options_write: kind 34, length 10, an 8-byte cookie, then two NOPs.
      TcpOptions o =
          TcpHeader.wrap(new Malformed().withOptions("220a0102030405060708" + "0101"))
              .value()
              .options();
      assertEquals(
          new TcpOption.FastOpen(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, false), o.fastOpen());
      assertEquals("tfo cookie 0102030405060708,nop,nop", o.describe());
      TcpOptions request =
          TcpHeader.wrap(new Malformed().withOptions("22020101")).value().options();
      assertTrue(request.fastOpen().isRequest());
      TcpOptions exp =
          TcpHeader.wrap(new Malformed().withOptions("fe0cf989a1a2a3a4a5a6a7a8")).value().options();
      assertEquals(
          new TcpOption.FastOpen(
              new byte[] {
                (byte) 0xa1,
                (byte) 0xa2,
                (byte) 0xa3,
                (byte) 0xa4,
                (byte) 0xa5,
                (byte) 0xa6,
                (byte) 0xa7,
                (byte) 0xa8
              },
              true),
          exp.fastOpen());
      for (TcpOptions each : List.of(o, request, exp)) {
        TcpSegment s = TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN, 0).withOptions(each);
        byte[] bytes = TcpCodec.toBytes(s, loopback4(), loopback4());
        assertEquals(
            each,
            TcpCodec.parse(ByteBuffer.wrap(bytes), loopback4(), loopback4(), true)
                .value()
                .options());
      }
      TcpSegment s = TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN, 0).withOptions(exp);
      byte[] bytes = TcpCodec.toBytes(s, loopback4(), loopback4());
      assertEquals("fe0cf989", java.util.HexFormat.of().formatHex(bytes, 20, 24));
    }

    @Test
    void eolInTheMiddle_stopsParsingAndIsKept() {
      TcpOptions o =
          TcpHeader.wrap(new Malformed().withOptions("0204059c" + "00ffffff")).value().options();
      assertEquals(
          List.of(new TcpOption.MaximumSegmentSize(1436), new TcpOption.EndOfOptionList()),
          o.list());
    }

    @Test
    void eolAsPaddingOfTheLastWord_isLeftOut() {
      TcpOptions o = TcpHeader.wrap(new Malformed().withOptions("030307" + "00")).value().options();
      assertEquals(List.of(new TcpOption.WindowScale(7)), o.list());
    }

    @Test
    void eolOffAWordBoundaryBeforeMoreWords_isLeftOutAndRoundTrips() {
      // mss, sackOK, then EOL at byte 6 and a word of garbage: written back, the EOL would be
      // padding.
      TcpOptions o =
          TcpHeader.wrap(new Malformed().withOptions("0204ffc4" + "04020000" + "0204ffd7"))
              .value()
              .options();
      assertEquals(
          List.of(new TcpOption.MaximumSegmentSize(0xffc4), new TcpOption.SackPermitted()),
          o.list());
      TcpSegment s = TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN, 0).withOptions(o);
      TcpSegment back =
          TcpCodec.parse(
                  ByteBuffer.wrap(TcpCodec.toBytes(s, loopback4(), loopback4())),
                  loopback4(),
                  loopback4(),
                  true)
              .value();
      assertEquals(o, back.options());
    }

    @Test
    void sackBlocks_areParsedInOrder() {
      TcpOptions o =
          TcpHeader.wrap(
                  new Malformed()
                      .withOptions("0101" + "0512" + "00000064000000c8" + "0000012c00000190"))
              .value()
              .options();
      assertEquals(List.of(new SackBlock(100, 200), new SackBlock(300, 400)), o.sackBlocks());
    }

    @Test
    void write_optionsPastFortyBytes_throwsWithTheLength() {
      TcpSegment s =
          TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN, 0)
              .withOptions(
                  TcpOptions.of(
                      new TcpOption.Unknown(200, new byte[38]), new TcpOption.NoOperation()));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> TcpCodec.toBytes(s, loopback4(), loopback4()));
      assertTrue(e.getMessage().contains("41"), e.getMessage());
    }

    @Test
    void write_intoTooSmallBuffer_throwsWithTheSizes() {
      TcpSegment s = TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN, 0);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TcpCodec.write(s, loopback4(), loopback4(), ByteBuffer.allocate(10)));
      assertEquals("segment needs 20 bytes, buffer has 10", e.getMessage());
    }
  }
}
