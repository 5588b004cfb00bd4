package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Test helpers to craft segments and check them, with flags written as tcpdump prints them: {@code
 * S} SYN, {@code S.} SYN-ACK, {@code .} ACK, {@code F.} FIN-ACK, {@code R}, {@code R.}, {@code P.}
 * data with PSH, {@code FP.} FIN with the last data.
 */
public final class Seg {
  private Seg() {}

  /** Returns the flags of a tcpdump string such as {@code "S."} or {@code "FP."}. */
  public static int flags(String tcpdump) {
    int flags = 0;
    for (char ch : tcpdump.toCharArray()) {
      flags |=
          switch (ch) {
            case 'S' -> TcpFlags.SYN;
            case 'F' -> TcpFlags.FIN;
            case 'R' -> TcpFlags.RST;
            case 'P' -> TcpFlags.PSH;
            case 'U' -> TcpFlags.URG;
            case 'E' -> TcpFlags.ECE;
            case 'W' -> TcpFlags.CWR;
            case '.' -> TcpFlags.ACK;
            default ->
                throw new IllegalArgumentException(
                    "unknown flag letter '" + ch + "' in " + tcpdump);
          };
    }
    return flags;
  }

  /**
   * Returns a segment from port {@code from} to port {@code to}, with no options and no payload.
   */
  public static TcpSegment of(int from, int to, String flags, int seq, int ack, int window) {
    return TcpSegment.of(from, to, seq, ack, flags(flags), window);
  }

  /** Returns the segment with this text as payload. */
  public static TcpSegment withText(TcpSegment seg, String text) {
    return seg.withPayload(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Returns the segment with these options. */
  public static TcpSegment withOptions(TcpSegment seg, TcpOption... options) {
    return seg.withOptions(TcpOptions.of(options));
  }

  /** Returns the payload as text. */
  public static String text(TcpSegment seg) {
    return StandardCharsets.UTF_8.decode(seg.payload().duplicate()).toString();
  }

  /**
   * Asserts a segment's flags (tcpdump letters), SEG.SEQ and SEG.ACK (the ACK is checked only when
   * the ACK bit is expected); {@code trace} supplies the trace for the message.
   */
  public static TcpSegment check(
      TcpSegment seg, String flags, long seq, long ack, Supplier<String> trace) {
    assertNotNull(
        seg,
        () -> "expected a segment [" + flags + "] seq=" + seq + ", got nothing\n" + trace.get());
    String what = "segment " + seg + "\n" + trace.get();
    assertEquals(flags, TcpFlags.tcpdump(seg.flags()), () -> "flags of " + what);
    assertEquals(seq, Integer.toUnsignedLong(seg.sequenceNumber()), () -> "seq of " + what);
    if (seg.has(TcpFlags.ACK))
      assertEquals(ack, Integer.toUnsignedLong(seg.acknowledgmentNumber()), () -> "ack of " + what);
    return seg;
  }
}
