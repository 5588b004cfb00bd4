package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class NarrationTest {
  @Nested
  class HandshakeAndTeardown {
    @Test
    void english_tellsEachHandshakeAndWaveWithItsState() {
      assertEquals(
          List.of(
              "Handshake, step 1: client sends SYN with its initial sequence number ISN=100; client enters SYN_SENT",
              "Handshake, step 2: server answers the SYN with its own SYN, ISN=300, and acknowledges the peer's ISN+1"
                  + " with ack=101; server enters SYN_RECEIVED",
              "Handshake, step 3: client acknowledges the peer's SYN with ack=301 (its ISN+1); client enters ESTABLISHED",
              "server receives the ACK and enters ESTABLISHED: the connection is established, both ways",
              "Teardown, step 1: client sends the first FIN, seq=101: it will send no more data; client enters FIN_WAIT_1",
              "Teardown, step 2: server acknowledges the first FIN with ack=102 (its seq+1); it may still send data of its own"
                  + " (half-close); server enters CLOSE_WAIT",
              "client receives the ACK and enters FIN_WAIT_2: its FIN is acknowledged, and it waits for the peer's FIN",
              "Teardown, step 3: server has no more data either and sends the second FIN, seq=301; server enters LAST_ACK",
              "Teardown, step 4: client acknowledges the second FIN with ack=302; client enters TIME_WAIT",
              "client waits 2 MSL (60.000s) in TIME_WAIT, so that a lost last ACK can be resent when the FIN comes"
                  + " again, and old segments of this connection die out before the same 4-tuple is used again",
              "server receives the ACK and enters CLOSED: its FIN is acknowledged, the connection is closed",
              "2 MSL have passed: client leaves TIME_WAIT and is CLOSED"),
          Narration.narrate(Scenarios.handshakeAndTeardown(), "en"));
    }

    @Test
    void chinese_usesTheArticlesWords() {
      assertEquals(
          List.of(
              "第一次握手：客户端发送 SYN 报文，指明初始化序列号 ISN=100，此时客户端处于 SYN_SENT 状态",
              "第二次握手：服务端收到 SYN 报文之后，以自己的 SYN 报文作为应答，ISN=300，并将对方的 ISN+1 作为 ACK 的值，ack=101，"
                  + "此时服务端处于 SYN_RECEIVED 状态",
              "第三次握手：客户端收到 SYN 报文之后，发送一个 ACK 报文，值为对方的 ISN+1，ack=301，此时客户端处于 ESTABLISHED 状态",
              "服务端收到 ACK 报文之后，进入 ESTABLISHED 状态，此时双方已建立起了连接",
              "第一次挥手：客户端发送 FIN 报文，序列号 seq=101，表示不再发送数据，此时客户端处于 FIN_WAIT_1 状态",
              "第二次挥手：服务端收到 FIN 之后，发送 ACK 报文，把对方的序列号 +1 作为 ACK 的值，ack=102，表明已经收到了对方的报文；"
                  + "自己仍可以继续发送数据（半关闭），此时服务端处于 CLOSE_WAIT 状态",
              "客户端收到 ACK 报文之后，进入 FIN_WAIT_2 状态：自己的 FIN 已被确认，等待对方的 FIN",
              "第三次挥手：服务端也不再发送数据，发送自己的 FIN 报文，序列号 seq=301，此时服务端处于 LAST_ACK 状态",
              "第四次挥手：客户端收到 FIN 之后，一样发送一个 ACK 报文作为应答，ack=302，此时客户端处于 TIME_WAIT 状态",
              "客户端在 TIME_WAIT 状态等待 2MSL（60.000 秒）：最后的 ACK 可能丢失，对方会重发 FIN，需要能够再次应答；"
                  + "同时让本连接的旧报文在网络中消失，之后同一个四元组才能再次使用",
              "服务端收到 ACK 报文之后，进入 CLOSED 状态：自己的 FIN 已被确认，连接已关闭",
              "2MSL 时间已过，客户端从 TIME_WAIT 进入 CLOSED 状态"),
          Narration.narrate(Scenarios.handshakeAndTeardown(), "zh"));
    }
  }

  @Nested
  class Anomalies {
    @Test
    void lostLastAck_tellsTheRestartOfTwoMsl() {
      List<String> en = Narration.narrate(Scenarios.lostLastAck(), "en");
      assertTrue(
          en.contains(
              "Teardown, step 4: client acknowledges the second FIN with ack=302; client enters TIME_WAIT"
                  + " (the segment is lost)"),
          String.join("\n", en));
      int restart =
          en.indexOf(
              "The FIN came again (the last ACK was lost): client acknowledges it again and"
                  + " restarts the 2 MSL timer");
      assertTrue(restart > 0, String.join("\n", en));
      assertEquals("Retransmission: server sends FIN,ACK again, seq=301", en.get(restart - 1));
      assertEquals(
          "server's retransmission timer fires after 0.200s: no ACK came within the RTO",
          en.get(restart - 2));
    }

    @Test
    void oldDuplicateSyn_isAnsweredWithRstAndTheServerListensAgain() {
      List<String> zh = Narration.narrate(Scenarios.oldDuplicateSyn(), "zh");
      assertEquals(
          List.of(
              "第一次握手：客户端发送 SYN 报文，指明初始化序列号 ISN=100，此时客户端处于 SYN_SENT 状态",
              "服务端收到一个 SYN 报文，seq=90，但对方此时并没有发送它：这是一个失效的旧报文，或是伪造的",
              "对失效的 SYN 的第二次握手：服务端无法分辨这个 SYN 是失效的，照常以自己的 SYN 报文应答，ISN=300，ack=91，"
                  + "此时服务端处于 SYN_RECEIVED 状态",
              "客户端收到的 SYN+ACK 确认的是一个旧的、延迟到达的 SYN（ack=91），于是回复 RST：失效的连接请求报文段不能建立连接",
              "服务端收到 RST 报文之后，进入 LISTEN 状态：半打开的连接被删除，监听继续"),
          zh);
    }

    @Test
    void rstInWindowWhileEstablished_getsAChallengeAck() {
      List<String> en = Narration.narrate(Scenarios.challengeAck(), "en");
      assertEquals(
          List.of(
              "server receives a RST, seq=5000, that its peer did not send now: an old duplicate, or a forgery",
              "server sends a challenge ACK (RFC 5961), ack=101: the RST it got may be forged, so the peer must show"
                  + " it knows the sequence numbers"),
          en.subList(4, 6));
    }

    @Test
    void halfClose_tellsDataFromCloseWait() {
      assertTrue(
          Narration.narrate(Scenarios.halfClose(), "en")
              .contains(
                  "server, in CLOSE_WAIT, still sends 500"
                      + " bytes, seq=301: the connection is half-closed and this direction stays open"));
    }

    @Test
    void simultaneousOpen_tellsTheCrossingSyns() {
      List<String> zh = Narration.narrate(Scenarios.simultaneousOpen(), "zh");
      assertEquals("第一次握手：a 发送 SYN 报文，指明初始化序列号 ISN=1000，此时 a 处于 SYN_SENT 状态", zh.get(0));
      assertEquals("同时打开：b 也发送自己的 SYN 报文，ISN=2000，与对方的 SYN 在路上交错，此时 b 处于 SYN_SENT 状态", zh.get(1));
    }

    @Test
    void lostSegment_tellsLossRtoAndRetransmission() {
      assertEquals(
          List.of(
              "client sends 1000 bytes, seq=101 (the segment is lost)",
              "client's retransmission timer fires after 0.200s: no ACK came within the RTO",
              "Retransmission after the timeout: client sends 1000 bytes again, seq=101",
              "server acknowledges everything up to ack=1101"),
          Narration.narrate(Scenarios.lostSegment(), "en").subList(4, 8));
    }
  }

  @Test
  void unknownLanguage_isRejectedWithTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Narration.narrate(Scenarios.handshake(), "fr"));
    assertTrue(e.getMessage().contains("fr"), e.getMessage());
  }
}
