package dev.synack.trace;

import java.util.EnumMap;
import java.util.Map;

/**
 * The sentences of {@link Narration}, in English and in Chinese, worded after the articles in
 * {@code seeds/}. Placeholders in braces: {@code {h}} the host, {@code {seq}}, {@code {ack}},
 * {@code {len}}, {@code {state}}, {@code {from}}, {@code {to}}, {@code {flags}}, {@code {reason}},
 * {@code {dur}}, {@code {timer}}, {@code {text}}.
 */
final class NarrationText {
  private NarrationText() {}

  /** What a sentence says. */
  enum Say {
    SYN, SYN_SIMULTANEOUS, SYN_ACK, HANDSHAKE_ACK, FIN_1, FIN_ACK_1, FIN_2, FIN_ACK_2, DATA, DATA_HALF_CLOSED, ACK, RST,
    RST_OLD_DUPLICATE, CHALLENGE_ACK, SEGMENT, UNSENT,
    IN_STATE, RETRANSMIT, LOST, DROPPED,
    RECEIVED_ENTERS, ESTABLISHED_BOTH, WAITS_FOR_FIN, BACK_TO_LISTEN, CLOSED_AFTER_LAST_ACK, RESET_CLOSED, ENTERS,
    TIME_WAIT_SET, TIME_WAIT_RESTARTED, TIME_WAIT_OVER, RTO_FIRED, TIMER_FIRED, NOTE
  }

  static Map<Say, String> of(String lang) {
    return switch (lang) {
      case "en" -> EN;
      case "zh" -> ZH;
      default -> throw new IllegalArgumentException("language must be en or zh: " + lang);
    };
  }

  /** Returns the host's name as the sentences call it; other names are set off by spaces in Chinese. */
  static String host(String name, String lang) {
    if (!lang.equals("zh")) return name;
    return switch (name) {
      case "client" -> "客户端";
      case "server" -> "服务端";
      default -> " " + name + " ";
    };
  }

  /** Returns a sentence tidied: the spaces around a host's name collapse at the start and in runs. */
  static String tidy(String sentence) {
    return sentence.replaceAll(" {2,}", " ").replace("： ", "：").replace("， ", "，").strip();
  }

  private static final Map<Say, String> EN = new EnumMap<>(Map.ofEntries(
      Map.entry(Say.SYN, "First handshake: {h} sends SYN with its initial sequence number ISN={seq}"),
      Map.entry(Say.SYN_SIMULTANEOUS, "Simultaneous open: {h} sends its own SYN, ISN={seq}, while the"
          + " peer's SYN is on its way"),
      Map.entry(Say.SYN_ACK, "Second handshake: {h} answers the SYN with its own SYN, ISN={seq}, and"
          + " acknowledges the peer's ISN+1 with ack={ack}"),
      Map.entry(Say.HANDSHAKE_ACK, "Third handshake: {h} acknowledges the peer's SYN with ack={ack}"
          + " (its ISN+1)"),
      Map.entry(Say.FIN_1, "First wave: {h} sends FIN, seq={seq}: it will send no more data"),
      Map.entry(Say.FIN_ACK_1, "Second wave: {h} acknowledges the FIN with ack={ack} (its seq+1);"
          + " it may still send data of its own (half-close)"),
      Map.entry(Say.FIN_2, "Third wave: {h} has no more data either and sends its own FIN, seq={seq}"),
      Map.entry(Say.FIN_ACK_2, "Fourth wave: {h} acknowledges the peer's FIN with ack={ack}"),
      Map.entry(Say.DATA, "{h} sends {len} bytes, seq={seq}"),
      Map.entry(Say.DATA_HALF_CLOSED, "{h}, in CLOSE_WAIT, still sends {len} bytes, seq={seq}: the"
          + " connection is half-closed and this direction stays open"),
      Map.entry(Say.ACK, "{h} acknowledges everything up to ack={ack}"),
      Map.entry(Say.RST, "{h} sends RST, seq={seq}: the connection is aborted at once"),
      Map.entry(Say.RST_OLD_DUPLICATE, "{h} got a SYN,ACK for an old, delayed SYN (ack={ack}) and answers"
          + " RST: an old duplicate SYN must not open a connection"),
      Map.entry(Say.CHALLENGE_ACK, "{h} sends a challenge ACK (RFC 5961), ack={ack}: the {flags} it got"
          + " may be forged, so the peer must show it knows the sequence numbers"),
      Map.entry(Say.SEGMENT, "{h} sends {flags}, seq={seq}"),
      Map.entry(Say.UNSENT, "{h} receives a {flags}, seq={seq}, that its peer did not send now: an old"
          + " duplicate, or a forgery"),
      Map.entry(Say.IN_STATE, "; {h} enters {state}"),
      Map.entry(Say.RETRANSMIT, "Retransmission: "),
      Map.entry(Say.LOST, " (the segment is lost)"),
      Map.entry(Say.DROPPED, " ({h} drops it: {reason})"),
      Map.entry(Say.RECEIVED_ENTERS, "{h} receives the {flags} and enters {to}"),
      Map.entry(Say.ESTABLISHED_BOTH, ": the connection is established, both ways"),
      Map.entry(Say.WAITS_FOR_FIN, ": it waits for the peer's FIN"),
      Map.entry(Say.BACK_TO_LISTEN, ": no connection was opened, it listens again"),
      Map.entry(Say.CLOSED_AFTER_LAST_ACK, ": the connection is closed"),
      Map.entry(Say.RESET_CLOSED, ": the connection was reset"),
      Map.entry(Say.ENTERS, "{h} goes from {from} to {to}"),
      Map.entry(Say.TIME_WAIT_SET, "{h} waits 2 MSL{dur} in TIME_WAIT, so that a lost last ACK can be"
          + " resent when the FIN comes again, and old segments of this connection die out before the"
          + " same 4-tuple is used again"),
      Map.entry(Say.TIME_WAIT_RESTARTED, "The FIN came again (the last ACK was lost): {h} acknowledges it"
          + " again and restarts the 2 MSL timer"),
      Map.entry(Say.TIME_WAIT_OVER, "2 MSL have passed: {h} leaves TIME_WAIT and is CLOSED"),
      Map.entry(Say.RTO_FIRED, "{h}'s retransmission timer fires: no ACK came within the RTO"),
      Map.entry(Say.TIMER_FIRED, "{h}'s {timer} timer fires"),
      Map.entry(Say.NOTE, "{h}: {text}")));

  private static final Map<Say, String> ZH = new EnumMap<>(Map.ofEntries(
      Map.entry(Say.SYN, "第一次握手：{h}发送 SYN 报文，指明初始化序列号 ISN={seq}"),
      Map.entry(Say.SYN_SIMULTANEOUS, "同时打开：{h}也发送自己的 SYN 报文，ISN={seq}，与对方的 SYN 在路上交错"),
      Map.entry(Say.SYN_ACK, "第二次握手：{h}收到 SYN 报文之后，以自己的 SYN 报文作为应答，ISN={seq}，"
          + "并将对方的 ISN+1 作为 ACK 的值，ack={ack}"),
      Map.entry(Say.HANDSHAKE_ACK, "第三次握手：{h}收到 SYN 报文之后，发送一个 ACK 报文，值为对方的 ISN+1，ack={ack}"),
      Map.entry(Say.FIN_1, "第一次挥手：{h}发送 FIN 报文，序列号 seq={seq}，表示不再发送数据"),
      Map.entry(Say.FIN_ACK_1, "第二次挥手：{h}收到 FIN 之后，发送 ACK 报文，把对方的序列号 +1 作为 ACK 的值，"
          + "ack={ack}，表明已经收到了对方的报文；自己仍可以继续发送数据（半关闭）"),
      Map.entry(Say.FIN_2, "第三次挥手：{h}也不再发送数据，发送自己的 FIN 报文，序列号 seq={seq}"),
      Map.entry(Say.FIN_ACK_2, "第四次挥手：{h}收到 FIN 之后，一样发送一个 ACK 报文作为应答，ack={ack}"),
      Map.entry(Say.DATA, "{h}发送 {len} 字节数据，seq={seq}"),
      Map.entry(Say.DATA_HALF_CLOSED, "{h}处于 CLOSE_WAIT 状态，仍然发送 {len} 字节数据，seq={seq}：连接处于半关闭，"
          + "这个方向仍然是通的"),
      Map.entry(Say.ACK, "{h}确认收到数据，ack={ack}"),
      Map.entry(Say.RST, "{h}发送 RST 报文，seq={seq}：立即中止连接"),
      Map.entry(Say.RST_OLD_DUPLICATE, "{h}收到的 SYN+ACK 确认的是一个旧的、延迟到达的 SYN（ack={ack}），于是回复 RST："
          + "历史的重复 SYN 不能建立连接"),
      Map.entry(Say.CHALLENGE_ACK, "{h}回复挑战 ACK（RFC 5961），ack={ack}：收到的 {flags} 可能是伪造的，"
          + "对方必须证明自己知道正确的序列号"),
      Map.entry(Say.SEGMENT, "{h}发送 {flags} 报文，seq={seq}"),
      Map.entry(Say.UNSENT, "{h}收到一个 {flags} 报文，seq={seq}，但对方此时并没有发送它：这是一个历史的重复报文，或是伪造的"),
      Map.entry(Say.IN_STATE, "，此时{h}处于 {state} 状态"),
      Map.entry(Say.RETRANSMIT, "重传："),
      Map.entry(Say.LOST, "（该报文丢失了）"),
      Map.entry(Say.DROPPED, "（{h}丢弃了该报文：{reason}）"),
      Map.entry(Say.RECEIVED_ENTERS, "{h}收到 {flags} 报文之后，进入 {to} 状态"),
      Map.entry(Say.ESTABLISHED_BOTH, "，此时双方已建立起了连接"),
      Map.entry(Say.WAITS_FOR_FIN, "，等待对方的 FIN"),
      Map.entry(Say.BACK_TO_LISTEN, "，没有建立连接，重新开始监听"),
      Map.entry(Say.CLOSED_AFTER_LAST_ACK, "，连接已关闭"),
      Map.entry(Say.RESET_CLOSED, "，连接被重置"),
      Map.entry(Say.ENTERS, "{h}从 {from} 状态进入 {to} 状态"),
      Map.entry(Say.TIME_WAIT_SET, "{h}在 TIME_WAIT 状态等待 2MSL{dur}：最后的 ACK 可能丢失，对方会重发 FIN，"
          + "需要能够再次应答；同时让本连接的旧报文在网络中消失，之后同一个四元组才能再次使用"),
      Map.entry(Say.TIME_WAIT_RESTARTED, "对方重发了 FIN（最后的 ACK 丢失了）：{h}再次发送 ACK，并重新开始 2MSL 计时"),
      Map.entry(Say.TIME_WAIT_OVER, "2MSL 时间已过，{h}从 TIME_WAIT 进入 CLOSED 状态"),
      Map.entry(Say.RTO_FIRED, "{h}的重传计时器超时：在 RTO 之内没有收到确认"),
      Map.entry(Say.TIMER_FIRED, "{h}的 {timer} 计时器到期"),
      Map.entry(Say.NOTE, "{h}：{text}")));
}
