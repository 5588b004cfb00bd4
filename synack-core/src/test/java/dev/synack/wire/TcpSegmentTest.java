package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class TcpSegmentTest {
  @Test
  void toString_rstWithoutAck_isOneTcpdumpLine() {
    assertEquals(
        "80 > 40000: Flags [R], seq 4294967295, win 0, length 0",
        TcpSegment.of(80, 40000, -1, 0, TcpFlags.RST, 0).toString());
  }

  @Test
  void toString_finAckWithUrgentData_showsRangeAckAndUrgentPointer() {
    TcpSegment s =
        new TcpSegment(
            40000,
            80,
            1000,
            2000,
            TcpFlags.FIN | TcpFlags.ACK | TcpFlags.URG | TcpFlags.PSH,
            512,
            0,
            3,
            TcpOptions.of(
                new TcpOption.NoOperation(),
                new TcpOption.NoOperation(),
                new TcpOption.Sack(java.util.List.of(new SackBlock(5000, 6000)))),
            ByteBuffer.wrap(new byte[10]));
    assertEquals(
        "40000 > 80: Flags [FPU.], seq 1000:1010, ack 2000, win 512, urg 3, "
            + "options [nop,nop,sack 1 {5000:6000}], length 10",
        s.toString());
  }

  @Test
  void toString_noFlagsWithEcnBits_namesThem() {
    assertEquals(
        "1 > 2: Flags [none], seq 0, win 1, length 0", TcpSegment.of(1, 2, 0, 0, 0, 1).toString());
    assertEquals(
        "1 > 2: Flags [SEW], seq 0, win 1, length 0",
        TcpSegment.of(1, 2, 0, 0, TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR, 1).toString());
  }
}
