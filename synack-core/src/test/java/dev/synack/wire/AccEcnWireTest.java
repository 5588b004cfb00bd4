package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wire side of Accurate ECN (RFC 9768): the AE bit beside the data offset, the ACE field, and
 * the AccECN option (kinds 172 and 174, 0 to 3 fields of 24 bits) as Linux writes it.
 */
class AccEcnWireTest {
  private static final InetAddress A = InetAddress.getLoopbackAddress();

  private static TcpSegment roundTrip(TcpSegment s) {
    return TcpCodec.parse(ByteBuffer.wrap(TcpCodec.toBytes(s, A, A)), A, A, true).value();
  }

  @Test
  void aeBit_isTheLowBitOfByte12_andRoundTrips() {
    TcpSegment syn = TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN | TcpFlags.ACE, 0);
    byte[] bytes = TcpCodec.toBytes(syn, A, A);
    assertEquals(0x51, bytes[12] & 0xff, "data offset 5, AE set");
    assertEquals(0xc2, bytes[13] & 0xff, "CWR, ECE, SYN");
    TcpSegment back = roundTrip(syn);
    assertEquals(TcpFlags.SYN | TcpFlags.ACE, back.flags());
    assertEquals(7, TcpFlags.ace(back.flags()));
    assertEquals("SEWe", TcpFlags.tcpdump(back.flags()));
    assertEquals(List.of("AE", "CWR", "ECE", "SYN"), TcpFlags.names(back.flags()));
  }

  @Test
  void ace_readsAeCwrEceAsANumber() {
    for (int ace = 0; ace < 8; ace++) {
      int flags = TcpFlags.withAce(TcpFlags.ACK | TcpFlags.PSH, ace);
      assertEquals(ace, TcpFlags.ace(flags));
      assertEquals(TcpFlags.ACK | TcpFlags.PSH, flags & ~TcpFlags.ACE);
    }
    assertEquals(TcpFlags.AE, TcpFlags.withAce(0, 0b100));
    assertEquals(TcpFlags.CWR, TcpFlags.withAce(0, 0b010));
    assertEquals(TcpFlags.ECE, TcpFlags.withAce(0, 0b001));
  }

  @Test
  void option_linuxOrder1WithThreeFields_parsesAndWritesTheSameBytes() {
    // Linux's tcp_options_write: kind 174, length 11, EE1B, ECEB, EE0B, then a NOP.
    String hex = "ae0b" + "000001" + "000064" + "0003e9" + "01";
    byte[] tcp =
        HexFormat.of()
            .parseHex("00010002" + "00000000" + "00000000" + "8010ffff" + "00000000" + hex);
    TcpSegment s = TcpCodec.parse(ByteBuffer.wrap(tcp), A, A, false).value();
    TcpOption.AccEcn o = s.options().accEcn();
    assertEquals(new TcpOption.AccEcn(true, 1001, 100, 1), o);
    assertEquals(3, o.fields());
    assertEquals("accecn1 e0b 1001 ceb 100 e1b 1", o.describe());
    OutboundSegment out =
        new OutboundSegment()
            .header(1, 2, 0, 0, TcpFlags.ACK, 0xffff)
            .usualOptions(false, 0, 0, List.of())
            .accEcnOption(o);
    ByteBuffer buf = ByteBuffer.allocate(out.encodedLength());
    out.write(buf, 0);
    assertEquals(hex, HexFormat.of().formatHex(buf.array(), 20, 32));
    assertEquals(s.options(), out.options());
  }

  @Test
  void option_order0_andShortForms() {
    for (int fields = 0; fields <= 3; fields++) {
      for (boolean order1 : new boolean[] {false, true}) {
        TcpOption.AccEcn o = TcpOption.AccEcn.of(order1, fields, 0x123456, 7, 0xabcdef);
        assertEquals(fields, o.fields());
        assertEquals(2 + 3 * fields, o.encodedLength());
        TcpSegment back =
            roundTrip(TcpSegment.of(1, 2, 0, 0, TcpFlags.ACK, 0).withOptions(TcpOptions.of(o)));
        assertEquals(o, back.options().accEcn());
      }
    }
    TcpOption.AccEcn two0 = TcpOption.AccEcn.of(false, 2, 5, 6, 7);
    assertEquals(new TcpOption.AccEcn(false, 5, 6, -1), two0, "order 0 keeps EE0B and ECEB first");
    TcpOption.AccEcn two1 = TcpOption.AccEcn.of(true, 2, 5, 6, 7);
    assertEquals(new TcpOption.AccEcn(true, -1, 6, 7), two1, "order 1 keeps EE1B and ECEB first");
    assertThrows(
        IllegalArgumentException.class,
        () -> new TcpOption.AccEcn(false, -1, 6, 7),
        "cut from the end only");
  }

  @Test
  void option_badLength_isKeptAsUnknown_notAMalformedSegment() {
    byte[] tcp =
        HexFormat.of()
            .parseHex("00010002" + "00000000" + "00000000" + "6010ffff" + "00000000" + "ac04aaaa");
    Parsed<TcpSegment> p = TcpCodec.parse(ByteBuffer.wrap(tcp), A, A, false);
    assertTrue(p.isOk(), p.toString());
    assertNull(p.value().options().accEcn());
    assertInstanceOf(TcpOption.Unknown.class, p.value().options().list().getFirst());
  }

  @Test
  void usualLayout_timestampsThenAccEcnThenSack_fitsFortyBytes() {
    OutboundSegment out =
        new OutboundSegment()
            .header(1, 2, 0, 0, TcpFlags.ACK, 0xffff)
            .usualOptions(true, 10, 20, List.of(new SackBlock(100, 200)))
            .accEcnOption(TcpOption.AccEcn.of(true, 3, 1, 0, 1));
    assertEquals(20 + 12 + 12 + 12, out.encodedLength());
    ByteBuffer buf = ByteBuffer.allocate(out.encodedLength());
    out.write(buf, 0);
    TcpSegment back = TcpCodec.parse(buf.duplicate(), A, A, false).value();
    assertEquals(out.options(), back.options());
    assertEquals(TcpOption.AccEcn.of(true, 3, 1, 0, 1), back.options().accEcn());
    assertEquals(1, back.options().sackBlocks().size());
  }
}
