package dev.synack.lesson;

import java.util.EnumMap;
import java.util.Map;

/**
 * The sentences of {@link Narration}, in English and in Chinese, worded after the articles in
 * {@code seeds/} (第一次握手, 第一次挥手, 2MSL, 失效的连接请求报文段). Placeholders in braces: {@code {h}} the host,
 * {@code {seq}}, {@code {ack}}, {@code {len}}, {@code {state}}, {@code {from}}, {@code {to}},
 * {@code {flags}}, {@code {reason}}, {@code {dur}}, {@code {timer}}, {@code {text}}, {@code {n}},
 * {@code {win}}, {@code {cwnd}}, {@code {why}}.
 *
 * <p>The Chinese holds no English words but flag names, state names, numbers and the articles' own
 * abbreviations (ISN, MSL, seq, ack): a test checks it on every scenario. The words of the demo's
 * other lines (headers, scenario names, the comparison's labels) are {@link SentenceText}'s.
 */
final class NarrationText {
  private NarrationText() {}

  /** What a sentence says. */
  enum Say {
    SYN,
    SYN_SIMULTANEOUS,
    SYN_ACK,
    SYN_ACK_OLD,
    SYN_ACK_SIMULTANEOUS,
    HANDSHAKE_ACK,
    FIN_1,
    FIN_ACK_1,
    FIN_3,
    FIN_2_3,
    FIN_ACK_4,
    FIN_SIMULTANEOUS,
    FIN_ACK_SIMULTANEOUS,
    FIN_ACK_AGAIN,
    FIN_DATA,
    DATA,
    DATA_HALF_CLOSED,
    ACK,
    DELAYED,
    DUP_ACK,
    DUP_ACK_OLD,
    SACK_BLOCKS,
    WINDOW_UPDATE,
    WINDOW_REOPENED,
    ZERO_WINDOW,
    RST,
    RST_ABORT,
    RST_REFUSED,
    RST_NO_CONNECTION,
    RST_OLD_DUPLICATE,
    CHALLENGE_ACK,
    SEGMENT,
    UNSENT,
    RTO_RETRANSMIT,
    FAST_RETRANSMIT,
    RECOVERY_RETRANSMIT_SACK,
    RECOVERY_RETRANSMIT_AGAIN,
    RECOVERY_RETRANSMIT,
    TLP_RETRANSMIT,
    TLP_NEW,
    RETRANSMIT,
    ZERO_WINDOW_PROBE,
    PROBE_REPLY,
    KEEPALIVE_PROBE,
    KEEPALIVE_REPLY,
    IN_STATE,
    LOST,
    DROPPED,
    DROPPED_UNKNOWN,
    RECEIVED_ENTERS,
    ESTABLISHED_BOTH,
    WAITS_FOR_FIN,
    BACK_TO_LISTEN,
    CLOSED_AFTER_LAST_ACK,
    RESET_CLOSED,
    REFUSED_CLOSED,
    TIME_WAIT_AFTER_CLOSING,
    ENTERS,
    TIME_WAIT_SET,
    TIME_WAIT_RESTARTED,
    TIME_WAIT_OVER,
    RTO_FIRED,
    RTO_BACKOFF,
    PERSIST_FIRED,
    KEEPALIVE_FIRED,
    RACK_FIRED,
    TIMER_FIRED,
    FAST_RECOVERY,
    FAST_RECOVERY_RACK,
    RECOVERY_DONE,
    UNDO,
    TLP_REPAIRED,
    NOTE,
    GIVE_UP,
    ESTABLISHED_ON_SYN,
    RST_UNASKED_SYN_ACK,
    OLD_DATA_ACCEPTED,
    TIME_WAIT_ZERO,
    LESSON_TWO_MESSAGE,
    REAL_THREE_WAY,
    LESSON_NO_TIME_WAIT,
    REAL_TIME_WAIT
  }

  static Map<Say, String> of(String lang) {
    return switch (lang) {
      case "en" -> EN;
      case "zh" -> ZH;
      default -> throw new IllegalArgumentException("language must be en or zh: " + lang);
    };
  }

  /**
   * Returns a word of the terminal ladder ({@code lost}, {@code retransmit}...) in {@code lang}.
   */
  static String ladderWord(String word, String lang) {
    if (!lang.equals("zh")) return word;
    return switch (word) {
      case "retransmit" -> "重传";
      case "rtx" -> "重传";
      case "not sent" -> "对方未发送";
      case "lost" -> "丢失";
      case "dropped" -> "被丢弃";
      case "to itself" -> "发给自己";
      case "more segments" -> "个同样的报文段";
      case "bytes of data" -> "字节数据";
      default -> throw new IllegalArgumentException("no such ladder word: " + word);
    };
  }

  /**
   * Returns the host's name as the sentences call it; other names are set off by spaces in Chinese.
   */
  static String host(String name, String lang) {
    if (!lang.equals("zh")) return name;
    return switch (name) {
      case "client" -> "客户端";
      case "server" -> "服务端";
      default -> " " + name + " ";
    };
  }

  /** Returns a duration as the sentences write it: {@code 60.000s}, or {@code 60.000 秒}. */
  static String duration(long nanos, String lang) {
    String s = Ladder.seconds(nanos, 3);
    return lang.equals("zh") ? s.substring(0, s.length() - 1) + " 秒" : s;
  }

  /** Returns a timer's name as the sentences call it. */
  static String timer(String name, String lang) {
    if (!lang.equals("zh")) return name;
    return switch (name) {
      case "RTO" -> "重传";
      case "PERSIST" -> "坚持";
      case "KEEPALIVE" -> "保活";
      case "TLP" -> "尾部丢失探测";
      case "RACK" -> "乱序重传";
      case "DELACK" -> "延迟确认";
      case "KEEPINIT" -> "建立连接";
      case "USER_TIMEOUT" -> "用户超时";
      case "FIN_WAIT_2" -> "FIN_WAIT_2";
      case "TIME_WAIT" -> "TIME_WAIT";
      default -> "另一个";
    };
  }

  /**
   * Returns the evidence of a spurious retransmission, as the engine's note names it, in the
   * sentence's words.
   */
  static String evidence(String evidence, String lang) {
    boolean zh = lang.equals("zh");
    return switch (evidence) {
      case "D-SACK" -> zh ? "对方用重复选择确认块报告它收到了两份" : "a D-SACK block says the peer got it twice";
      case "timestamps" ->
          zh ? "确认回显的时间戳属于原来那一次发送" : "the ACK echoes the timestamp of the first send";
      default -> zh ? "对方的确认表明原来的报文已经到达" : evidence;
    };
  }

  /**
   * Returns a drop reason in Chinese, from the reasons the engine and host give (free text, matched
   * by its start), or null when it has no translation.
   */
  static String reasonZh(String reason) {
    if (reason == null) return null;
    String[][] table = {
      {"unacceptable ACK in SYN-SENT", "SYN_SENT 状态下收到不可接受的确认号"},
      {"unacceptable ACK in SYN-RECEIVED", "SYN_RECEIVED 状态下收到不可接受的确认号"},
      {"SYN in a synchronized state", "已同步的状态下收到 SYN，回复挑战 ACK"},
      {"SYN: challenge ACK limit", "已同步的状态下收到 SYN，挑战 ACK 已达上限"},
      {"RST not at RCV.NXT", "RST 的序列号不是期望的下一个序列号，回复挑战 ACK"},
      {"RST outside the window", "RST 的序列号在接收窗口之外"},
      {"RST in TIME-WAIT", "TIME_WAIT 状态忽略 RST"},
      {"RST in LISTEN", "LISTEN 状态忽略 RST"},
      {"ACK in LISTEN", "LISTEN 状态收到 ACK"},
      {"outside the receive window", "序列号在接收窗口之外"},
      {"connection does not exist", "连接不存在"},
      {"no ACK", "没有 ACK 标志"},
      {"PAWS", "时间戳比已记录的旧（防回绕序列号保护）"},
      {"timestamps negotiated", "协商了时间戳，报文却没有带"},
      {"out of order, reassembly queue full", "乱序报文，重组队列已满"},
      {"ACK of data not yet sent", "确认了尚未发送的数据"},
      {"ACK too old", "确认号太旧"},
      {"unanswered (lesson)", "两次握手的课程里没有第三次报文，不予理睬这个 SYN+ACK"},
      {"closed-port", "该端口上没有连接"},
      {"bad checksum", "校验和错误"},
      {"checksum", "校验和错误"},
    };
    for (String[] row : table) {
      if (reason.startsWith(row[0]) || reason.contains(row[0])) return row[1];
    }
    return null;
  }

  /**
   * Returns a note of the ladder (the engine's own words) in Chinese, for the page in {@code --lang
   * zh}; a note with no translation is returned as it is.
   */
  static String noteZh(String text) {
    java.util.regex.Matcher m;
    if ((m =
            java.util.regex.Pattern.compile("loss detected: fast recovery, cwnd (\\d+)")
                .matcher(text))
        .matches()) {
      return "检测到丢包：进入快速恢复，拥塞窗口 " + m.group(1);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "spurious retransmission \\((.*)\\): cwnd back to (\\d+)")
                .matcher(text))
        .matches()) {
      return "多余的重传（"
          + (m.group(1).equals("D-SACK") ? "重复选择确认" : "时间戳")
          + "）：拥塞窗口恢复为 "
          + m.group(2);
    }
    if ((m =
            java.util.regex.Pattern.compile("the probe repaired a loss: cwnd (\\d+)").matcher(text))
        .matches()) {
      return "探测修复了一次丢包：拥塞窗口 " + m.group(1);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "retransmission limit: (\\d+) timeouts unanswered(?: for (\\d+) ms)?")
                .matcher(text))
        .matches()) {
      return "重传次数已达上限：连续 "
          + m.group(1)
          + " 次超时没有应答"
          + (m.group(2) == null ? "" : "，历时 " + m.group(2) + " 毫秒");
    }
    if (text.startsWith("lesson run: "))
      return "课程：" + (text.endsWith("two-message handshake") ? "两次握手" : "没有 TIME_WAIT");
    if (text.startsWith("real run: "))
      return "真实的协议：" + (text.endsWith("three-way handshake") ? "三次握手" : "TIME_WAIT 等待 2MSL");
    if ((m =
            java.util.regex.Pattern.compile(
                    "capture starts after the SYN: (.*) taken to be in SYN_SENT")
                .matcher(text))
        .matches()) {
      return "抓包从 SYN 之后开始：认为 " + m.group(1) + " 处于 SYN_SENT 状态";
    }
    if (text.equals("capture starts mid-connection: both ends taken to be ESTABLISHED")) {
      return "抓包从连接的中途开始：认为双方都处于 ESTABLISHED 状态";
    }
    if ((m =
            java.util.regex.Pattern.compile("no listener on (.*): the reset refuses the connection")
                .matcher(text))
        .matches()) {
      return m.group(1) + " 上没有监听：RST 拒绝了这个连接";
    }
    if ((m = java.util.regex.Pattern.compile("ECN echo: cwnd reduced to (\\d+)").matcher(text))
        .matches()) {
      return "收到 ECN 拥塞回显：拥塞窗口减为 " + m.group(1);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "path MTU probe: (\\d+) bytes \\(search (\\d+)\\.\\.(\\d+)\\)")
                .matcher(text))
        .matches()) {
      return "路径 MTU 探测：" + m.group(1) + " 字节（搜索范围 " + m.group(2) + ".." + m.group(3) + "）";
    }
    if ((m =
            java.util.regex.Pattern.compile("path MTU probe acknowledged: MSS (\\d+) -> (\\d+)")
                .matcher(text))
        .matches()) {
      return "路径 MTU 探测得到确认：MSS " + m.group(1) + " -> " + m.group(2);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "path MTU probe of (\\d+) bytes lost: search (\\d+)\\.\\.(\\d+)")
                .matcher(text))
        .matches()) {
      return "路径 MTU 探测的 " + m.group(1) + " 字节丢失了：搜索范围 " + m.group(2) + ".." + m.group(3);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "path MTU black hole suspected after (\\d+) timeouts: MSS (\\d+) -> (\\d+).*")
                .matcher(text))
        .matches()) {
      return "连续 " + m.group(1) + " 次超时，怀疑路径 MTU 黑洞：MSS " + m.group(2) + " -> " + m.group(3);
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "fast open: (\\d+) bytes of the SYN's data taken before the handshake completes")
                .matcher(text))
        .matches()) {
      return "快速打开：握手完成之前就收下了 SYN 携带的 " + m.group(1) + " 字节数据";
    }
    if ((m =
            java.util.regex.Pattern.compile(
                    "fast open: the SYN-ACK acknowledged only the SYN; its (\\d+) bytes go again")
                .matcher(text))
        .matches()) {
      return "快速打开：SYN+ACK 只确认了 SYN，它携带的 " + m.group(1) + " 字节要重新发送";
    }
    if (text.equals("tail loss probe: the last segment again")) return "尾部丢失探测：再次发送最后一个报文";
    if (text.equals("tail loss probe: a new segment")) return "尾部丢失探测：发送一个新报文";
    if (text.startsWith("drop: ")) {
      String zh = reasonZh(text.substring(6));
      return zh == null ? text : "丢弃：" + zh;
    }
    return text;
  }

  /** Returns a timer event of the ladder in Chinese: {@code 重传计时器 设置，0.200 秒后到期}. */
  static String timerZh(LadderModel.TimerStep t) {
    String after = t.firesAfter() >= 0 ? "，" + duration(t.firesAfter(), "zh") + "后到期" : "";
    String name = timer(t.timer(), "zh") + "计时器";
    return switch (t.action()) {
      case SET -> name + "设置" + after;
      case RESTARTED -> name + "重新开始" + after;
      case FIRED -> name + "到期";
      case CANCELLED -> name + "取消";
    };
  }

  /**
   * Returns a sentence tidied: the spaces around a host's name collapse at the start and in runs.
   */
  static String tidy(String sentence) {
    return sentence
        .replaceAll(" {2,}", " ")
        .replace("： ", "：")
        .replace("， ", "，")
        .replace(" ，", "，")
        .replace("（ ", "（")
        .strip();
  }

  private static final Map<Say, String> EN =
      new EnumMap<>(
          Map.ofEntries(
              Map.entry(
                  Say.SYN,
                  "Handshake, step 1: {h} sends SYN with its initial sequence number ISN={seq}"),
              Map.entry(
                  Say.SYN_SIMULTANEOUS,
                  "Simultaneous open: {h} sends its own SYN, ISN={seq}, while the"
                      + " peer's SYN is on its way"),
              Map.entry(
                  Say.SYN_ACK,
                  "Handshake, step 2: {h} answers the SYN with its own SYN, ISN={seq}, and"
                      + " acknowledges the peer's ISN+1 with ack={ack}"),
              Map.entry(
                  Say.SYN_ACK_OLD,
                  "Handshake, step 2, for the old SYN: {h} cannot tell that SYN is old and answers it"
                      + " with its own SYN, ISN={seq}, ack={ack}"),
              Map.entry(
                  Say.SYN_ACK_SIMULTANEOUS,
                  "Simultaneous open: {h} got the peer's SYN in SYN_SENT and sends SYN,ACK,"
                      + " seq={seq} (its ISN again), ack={ack}"),
              Map.entry(
                  Say.HANDSHAKE_ACK,
                  "Handshake, step 3: {h} acknowledges the peer's SYN with ack={ack}"
                      + " (its ISN+1)"),
              Map.entry(
                  Say.FIN_1,
                  "Teardown, step 1: {h} sends the first FIN, seq={seq}: it will send no more data"),
              Map.entry(
                  Say.FIN_ACK_1,
                  "Teardown, step 2: {h} acknowledges the first FIN with ack={ack} (its seq+1);"
                      + " it may still send data of its own (half-close)"),
              Map.entry(
                  Say.FIN_3,
                  "Teardown, step 3: {h} has no more data either and sends the second FIN, seq={seq}"),
              Map.entry(
                  Say.FIN_2_3,
                  "Teardown, steps 2 and 3 in one segment: {h} acknowledges the first FIN with"
                      + " ack={ack} and sends the second FIN, seq={seq}, having no more data"),
              Map.entry(
                  Say.FIN_ACK_4,
                  "Teardown, step 4: {h} acknowledges the second FIN with ack={ack}"),
              Map.entry(
                  Say.FIN_SIMULTANEOUS,
                  "Simultaneous close: {h} sends its own FIN, seq={seq}, while the peer's FIN"
                      + " is on its way"),
              Map.entry(
                  Say.FIN_ACK_SIMULTANEOUS,
                  "Simultaneous close: {h} got the peer's FIN while its own is not yet"
                      + " acknowledged, and acknowledges it with ack={ack}"),
              Map.entry(Say.FIN_ACK_AGAIN, "{h} acknowledges the FIN again with ack={ack}"),
              Map.entry(Say.FIN_DATA, " (carrying its last {len} bytes)"),
              Map.entry(Say.DATA, "{h} sends {len} bytes, seq={seq}"),
              Map.entry(
                  Say.DATA_HALF_CLOSED,
                  "{h}, in CLOSE_WAIT, still sends {len} bytes, seq={seq}: the"
                      + " connection is half-closed and this direction stays open"),
              Map.entry(Say.ACK, "{h} acknowledges everything up to ack={ack}"),
              Map.entry(Say.DELAYED, " (a delayed ACK: its timer ran out before more data came)"),
              Map.entry(
                  Say.DUP_ACK,
                  "{h} sends duplicate ACK #{n}, still ack={ack}: a segment arrived, but not the one"
                      + " expected at {ack}"),
              Map.entry(Say.SACK_BLOCKS, "; its SACK blocks tell which later bytes did arrive"),
              Map.entry(
                  Say.DUP_ACK_OLD,
                  "{h} sends duplicate ACK #{n}, still ack={ack}: the segment that arrived held"
                      + " bytes it already had"),
              Map.entry(
                  Say.WINDOW_UPDATE,
                  "Window update: {h}'s receive window grows to {win} bytes; the ACK says"
                      + " nothing else, ack={ack}"),
              Map.entry(
                  Say.WINDOW_REOPENED,
                  "Window update: {h} has made room, and its window opens again to {win}"
                      + " bytes, ack={ack}"),
              Map.entry(
                  Say.ZERO_WINDOW,
                  "; its window is zero: its receive buffer is full, so the peer must stop"
                      + " sending"),
              Map.entry(Say.RST, "{h} sends RST, seq={seq}: the connection is aborted at once"),
              Map.entry(
                  Say.RST_ABORT,
                  "{h} aborts the connection: it sends RST, seq={seq}, instead of a FIN; there is no"
                      + " teardown and no TIME_WAIT, and data not yet delivered is thrown away"),
              Map.entry(
                  Say.RST_REFUSED,
                  "{h} has no listener on that port and answers the SYN with {flags}, ack={ack}:"
                      + " the connection is refused"),
              Map.entry(
                  Say.RST_NO_CONNECTION,
                  "{h} has no connection for the {flags} it got and answers RST, seq={seq}"),
              Map.entry(
                  Say.RST_OLD_DUPLICATE,
                  "{h} got a SYN,ACK for an old, delayed SYN (ack={ack}) and answers"
                      + " RST: an old duplicate SYN must not open a connection"),
              Map.entry(
                  Say.CHALLENGE_ACK,
                  "{h} sends a challenge ACK (RFC 5961), ack={ack}: the {flags} it got"
                      + " may be forged, so the peer must show it knows the sequence numbers"),
              Map.entry(Say.SEGMENT, "{h} sends {flags}, seq={seq}"),
              Map.entry(
                  Say.UNSENT,
                  "{h} receives a {flags}, seq={seq}, that its peer did not send now: an old"
                      + " duplicate, or a forgery"),
              Map.entry(
                  Say.RTO_RETRANSMIT,
                  "Retransmission after the timeout: {h} sends {len} bytes again, seq={seq}"),
              Map.entry(
                  Say.FAST_RETRANSMIT,
                  "Fast retransmit: {h} sends {len} bytes again, seq={seq}, without waiting for"
                      + " its timer"),
              Map.entry(
                  Say.RECOVERY_RETRANSMIT_SACK,
                  "SACK recovery: {h} resends the next hole the SACK blocks show,"
                      + " {len} bytes, seq={seq}"),
              Map.entry(
                  Say.RECOVERY_RETRANSMIT_AGAIN,
                  "Recovery: {h} has had no ACK for its retransmission in time"
                      + " and sends {len} bytes at seq={seq} once more"),
              Map.entry(
                  Say.RECOVERY_RETRANSMIT,
                  "Fast recovery: the partial ACK shows the next hole, and {h} resends"
                      + " {len} bytes, seq={seq} (NewReno)"),
              Map.entry(
                  Say.TLP_RETRANSMIT,
                  "Tail-loss probe: {h} sends its last segment again, {len} bytes, seq={seq}"),
              Map.entry(
                  Say.TLP_NEW,
                  "Tail-loss probe: {h} sends a new segment, {len} bytes, seq={seq}, to draw an ACK"),
              Map.entry(Say.RETRANSMIT, "Retransmission: {h} sends {flags} again, seq={seq}"),
              Map.entry(
                  Say.ZERO_WINDOW_PROBE,
                  "Window probe: {h} sends a probe of {len} bytes, seq={seq}, to learn"
                      + " whether the peer's window has opened"),
              Map.entry(
                  Say.PROBE_REPLY, "{h} answers the probe with ack={ack}, window {win} bytes"),
              Map.entry(
                  Say.KEEPALIVE_PROBE,
                  "Keep-alive probe: {h} sends seq={seq}, one below what it has sent, with"
                      + " {len} bytes of data: a live peer must answer with an ACK"),
              Map.entry(
                  Say.KEEPALIVE_REPLY,
                  "{h} answers the keep-alive probe with ack={ack}: it is still there"),
              Map.entry(Say.IN_STATE, "; {h} enters {state}"),
              Map.entry(Say.LOST, " (the segment is lost)"),
              Map.entry(Say.DROPPED, " ({h} drops it: {reason})"),
              Map.entry(Say.DROPPED_UNKNOWN, " ({h} drops it: {reason})"),
              Map.entry(Say.RECEIVED_ENTERS, "{h} receives the {flags} and enters {to}"),
              Map.entry(Say.ESTABLISHED_BOTH, ": the connection is established, both ways"),
              Map.entry(
                  Say.WAITS_FOR_FIN, ": its FIN is acknowledged, and it waits for the peer's FIN"),
              Map.entry(
                  Say.BACK_TO_LISTEN,
                  ": the half-open connection is gone, and the listener goes on listening"),
              Map.entry(
                  Say.CLOSED_AFTER_LAST_ACK, ": its FIN is acknowledged, the connection is closed"),
              Map.entry(Say.RESET_CLOSED, ": the connection was reset"),
              Map.entry(Say.REFUSED_CLOSED, ": the connection is refused"),
              Map.entry(Say.TIME_WAIT_AFTER_CLOSING, ": both FINs are acknowledged"),
              Map.entry(Say.ENTERS, "{h} goes from {from} to {to}"),
              Map.entry(
                  Say.TIME_WAIT_SET,
                  "{h} waits 2 MSL{dur} in TIME_WAIT, so that a lost last ACK can be"
                      + " resent when the FIN comes again, and old segments of this connection die out before the"
                      + " same 4-tuple is used again"),
              Map.entry(
                  Say.TIME_WAIT_RESTARTED,
                  "The FIN came again (the last ACK was lost): {h} acknowledges it"
                      + " again and restarts the 2 MSL timer"),
              Map.entry(
                  Say.TIME_WAIT_OVER, "2 MSL have passed: {h} leaves TIME_WAIT and is CLOSED"),
              Map.entry(
                  Say.RTO_FIRED,
                  "{h}'s retransmission timer fires after {dur}: no ACK came within the RTO"),
              Map.entry(
                  Say.RTO_BACKOFF,
                  "{h}'s retransmission timer fires again, after {dur}, timeout #{n} in a row: each"
                      + " timeout doubles the RTO (exponential backoff, RFC 6298 §5.5)"),
              Map.entry(
                  Say.PERSIST_FIRED,
                  "{h}'s persist timer fires: the peer's window has stayed closed (zero, or too small for a"
                      + " segment)"),
              Map.entry(
                  Say.KEEPALIVE_FIRED,
                  "{h}'s keep-alive timer fires: nothing has come from the peer for {dur}"),
              Map.entry(
                  Say.RACK_FIRED,
                  "{h}'s RACK reordering timer fires: segments sent before the last one"
                      + " acknowledged are now deemed lost"),
              Map.entry(Say.TIMER_FIRED, "{h}'s {timer} timer fires"),
              Map.entry(
                  Say.FAST_RECOVERY,
                  "{h} has received {n} duplicate ACKs for ack={ack}: it deems that segment lost,"
                      + " enters fast recovery and cuts its congestion window to {cwnd} bytes (RFC 5681, RFC 6675)"),
              Map.entry(
                  Say.FAST_RECOVERY_RACK,
                  "{h} deems the segment at ack={ack} lost (RACK: later segments were"
                      + " acknowledged long enough ago), enters fast recovery and cuts its congestion window to {cwnd}"
                      + " bytes"),
              Map.entry(
                  Say.RECOVERY_DONE,
                  "{h} receives ack={ack}, which covers everything it had sent when the loss"
                      + " was found: fast recovery ends"),
              Map.entry(
                  Say.UNDO,
                  "{h} judges its retransmission needless ({why}): to it the original looks delayed,"
                      + " not lost, so it undoes the cut, congestion window back to {cwnd} bytes (RFC 3522, RFC 2883)"),
              Map.entry(
                  Say.TLP_REPAIRED,
                  "The probe repaired a loss: {h} lowers its congestion window to {cwnd} bytes"),
              Map.entry(Say.NOTE, "{h}: {text}"),
              Map.entry(
                  Say.GIVE_UP,
                  "{h} gives up: {n} retransmissions went unanswered ({dur}), and it deletes the connection"),
              Map.entry(
                  Say.ESTABLISHED_ON_SYN,
                  "; {h} enters ESTABLISHED at once, before it hears from the client again: in a"
                      + " two-message handshake the SYN alone opens the connection, and the application is handed it"),
              Map.entry(
                  Say.RST_UNASKED_SYN_ACK,
                  "{h} never sent the SYN this SYN,ACK acknowledges (ack={ack}) and has no connection"
                      + " for it, so it answers RST, seq={seq}: the third message is where the client can refuse a connection an old"
                      + " SYN began"),
              Map.entry(
                  Say.OLD_DATA_ACCEPTED,
                  "{h} takes the old segment's bytes into the new connection, where its sequence"
                      + " numbers fall in the window, and acknowledges up to ack={ack}: a segment of the old connection has turned up"
                      + " in the new one, and the application will read its bytes as if the new one had sent them"),
              Map.entry(
                  Say.TIME_WAIT_ZERO,
                  "Lesson: {h}'s TIME_WAIT is cut to zero, so it is CLOSED at once: the same 4-tuple may"
                      + " be used again while segments of this connection are still in the network"),
              Map.entry(
                  Say.LESSON_TWO_MESSAGE,
                  "Lesson: a two-message handshake (an engine changed for this lesson only). An old"
                      + " SYN of an earlier connection, long delayed in the network, reaches the server; the client has nothing"
                      + " open and will not heed the answer"),
              Map.entry(
                  Say.REAL_THREE_WAY,
                  "The real three-way handshake, on the same network, with the same old SYN"),
              Map.entry(
                  Say.LESSON_NO_TIME_WAIT,
                  "Lesson: TIME_WAIT cut to zero (an engine changed for this lesson only; no"
                      + " timestamps, as in the articles' header). The network keeps a copy of one data segment and delivers it"
                      + " long after; which copy is staged, so that its sequence numbers land in the next connection's window"),
              Map.entry(
                  Say.REAL_TIME_WAIT,
                  "The real engine, TIME_WAIT of 2 MSL, on the same network, with the same old copy"
                      + " delivered as late")));

  private static final Map<Say, String> ZH =
      new EnumMap<>(
          Map.ofEntries(
              Map.entry(Say.SYN, "第一次握手：{h}发送 SYN 报文，指明初始化序列号 ISN={seq}"),
              Map.entry(Say.SYN_SIMULTANEOUS, "同时打开：{h}也发送自己的 SYN 报文，ISN={seq}，与对方的 SYN 在路上交错"),
              Map.entry(
                  Say.SYN_ACK,
                  "第二次握手：{h}收到 SYN 报文之后，以自己的 SYN 报文作为应答，ISN={seq}，"
                      + "并将对方的 ISN+1 作为 ACK 的值，ack={ack}"),
              Map.entry(
                  Say.SYN_ACK_OLD,
                  "对失效的 SYN 的第二次握手：{h}无法分辨这个 SYN 是失效的，照常以自己的 SYN 报文应答，" + "ISN={seq}，ack={ack}"),
              Map.entry(
                  Say.SYN_ACK_SIMULTANEOUS,
                  "同时打开：{h}在 SYN_SENT 状态收到对方的 SYN，发送 SYN+ACK 报文，"
                      + "seq={seq}（仍是自己的 ISN），ack={ack}"),
              Map.entry(
                  Say.HANDSHAKE_ACK, "第三次握手：{h}收到 SYN 报文之后，发送一个 ACK 报文，值为对方的 ISN+1，ack={ack}"),
              Map.entry(Say.FIN_1, "第一次挥手：{h}发送 FIN 报文，序列号 seq={seq}，表示不再发送数据"),
              Map.entry(
                  Say.FIN_ACK_1,
                  "第二次挥手：{h}收到 FIN 之后，发送 ACK 报文，把对方的序列号 +1 作为 ACK 的值，"
                      + "ack={ack}，表明已经收到了对方的报文；自己仍可以继续发送数据（半关闭）"),
              Map.entry(Say.FIN_3, "第三次挥手：{h}也不再发送数据，发送自己的 FIN 报文，序列号 seq={seq}"),
              Map.entry(
                  Say.FIN_2_3,
                  "第二次和第三次挥手合为一个报文：{h}确认对方的 FIN，ack={ack}，"
                      + "同时也没有数据要发送了，发送自己的 FIN，序列号 seq={seq}"),
              Map.entry(Say.FIN_ACK_4, "第四次挥手：{h}收到 FIN 之后，一样发送一个 ACK 报文作为应答，ack={ack}"),
              Map.entry(Say.FIN_SIMULTANEOUS, "同时关闭：{h}也发送自己的 FIN 报文，序列号 seq={seq}，与对方的 FIN 在路上交错"),
              Map.entry(
                  Say.FIN_ACK_SIMULTANEOUS,
                  "同时关闭：{h}自己的 FIN 尚未被确认时收到了对方的 FIN，发送 ACK 报文确认它，ack={ack}"),
              Map.entry(Say.FIN_ACK_AGAIN, "{h}再次确认 FIN，ack={ack}"),
              Map.entry(Say.FIN_DATA, "（同时带着最后的 {len} 字节数据）"),
              Map.entry(Say.DATA, "{h}发送 {len} 字节数据，seq={seq}"),
              Map.entry(
                  Say.DATA_HALF_CLOSED,
                  "{h}处于 CLOSE_WAIT 状态，仍然发送 {len} 字节数据，seq={seq}：连接处于半关闭，" + "这个方向仍然是通的"),
              Map.entry(Say.ACK, "{h}确认收到数据，ack={ack}"),
              Map.entry(Say.DELAYED, "（延迟确认：等待更多数据的计时器到期了）"),
              Map.entry(
                  Say.DUP_ACK, "{h}发送第 {n} 个重复 ACK，仍是 ack={ack}：收到了一个报文，但不是期望的序列号 {ack} 处的那个"),
              Map.entry(Say.SACK_BLOCKS, "；选择确认块指出后面哪些字节已经收到"),
              Map.entry(Say.DUP_ACK_OLD, "{h}发送第 {n} 个重复 ACK，仍是 ack={ack}：收到的报文里是已经收到过的字节"),
              Map.entry(Say.WINDOW_UPDATE, "窗口更新：{h}的接收窗口增大到 {win} 字节；这个 ACK 不带其他信息，ack={ack}"),
              Map.entry(Say.WINDOW_REOPENED, "窗口更新：{h}腾出了接收缓冲区，窗口重新打开为 {win} 字节，ack={ack}"),
              Map.entry(Say.ZERO_WINDOW, "；它的窗口为零：接收缓冲区已满，对方必须停止发送"),
              Map.entry(Say.RST, "{h}发送 RST 报文，seq={seq}：立即中止连接"),
              Map.entry(
                  Say.RST_ABORT,
                  "{h}中止连接：发送 RST 报文，seq={seq}，而不是 FIN；没有四次挥手，也没有 TIME_WAIT，" + "尚未交付的数据被丢弃"),
              Map.entry(Say.RST_REFUSED, "{h}在该端口上没有监听，以 {flags} 报文回应 SYN，ack={ack}：连接被拒绝"),
              Map.entry(Say.RST_NO_CONNECTION, "{h}没有与收到的 {flags} 报文对应的连接，回复 RST，seq={seq}"),
              Map.entry(
                  Say.RST_OLD_DUPLICATE,
                  "{h}收到的 SYN+ACK 确认的是一个旧的、延迟到达的 SYN（ack={ack}），于是回复 RST：" + "失效的连接请求报文段不能建立连接"),
              Map.entry(
                  Say.CHALLENGE_ACK,
                  "{h}回复挑战 ACK，ack={ack}：收到的 {flags} 可能是伪造的，" + "对方必须证明自己知道正确的序列号"),
              Map.entry(Say.SEGMENT, "{h}发送 {flags} 报文，seq={seq}"),
              Map.entry(Say.UNSENT, "{h}收到一个 {flags} 报文，seq={seq}，但对方此时并没有发送它：这是一个失效的旧报文，或是伪造的"),
              Map.entry(Say.RTO_RETRANSMIT, "超时重传：{h}再次发送 {len} 字节，seq={seq}"),
              Map.entry(Say.FAST_RETRANSMIT, "快速重传：{h}不等计时器到期，再次发送 {len} 字节，seq={seq}"),
              Map.entry(
                  Say.RECOVERY_RETRANSMIT_SACK, "选择确认恢复：{h}重传选择确认块指出的下一个空洞，{len} 字节，seq={seq}"),
              Map.entry(
                  Say.RECOVERY_RETRANSMIT_AGAIN,
                  "恢复中：{h}没有及时收到对这次重传的确认，再一次发送 seq={seq} 处的 {len} 字节"),
              Map.entry(Say.RECOVERY_RETRANSMIT, "快速恢复：部分确认指出了下一个空洞，{h}重传 {len} 字节，seq={seq}"),
              Map.entry(Say.TLP_RETRANSMIT, "尾部丢失探测：{h}再次发送最后一个报文，{len} 字节，seq={seq}"),
              Map.entry(Say.TLP_NEW, "尾部丢失探测：{h}发送一个新报文，{len} 字节，seq={seq}，以引出对方的确认"),
              Map.entry(Say.RETRANSMIT, "重传：{h}再次发送 {flags} 报文，seq={seq}"),
              Map.entry(
                  Say.ZERO_WINDOW_PROBE, "窗口探测：{h}发送一个 {len} 字节的探测报文，seq={seq}，询问对方的窗口是否已经打开"),
              Map.entry(Say.PROBE_REPLY, "{h}回应探测，ack={ack}，窗口 {win} 字节"),
              Map.entry(
                  Say.KEEPALIVE_PROBE,
                  "保活探测：{h}发送 seq={seq}，比已发送的序列号小一，带 {len} 字节数据：" + "对方如果还在，必须回复 ACK"),
              Map.entry(Say.KEEPALIVE_REPLY, "{h}回应保活探测，ack={ack}：它还在"),
              Map.entry(Say.IN_STATE, "，此时{h}处于 {state} 状态"),
              Map.entry(Say.LOST, "（该报文丢失了）"),
              Map.entry(Say.DROPPED, "（{h}丢弃了该报文：{reason}）"),
              Map.entry(Say.DROPPED_UNKNOWN, "（{h}丢弃了该报文）"),
              Map.entry(Say.RECEIVED_ENTERS, "{h}收到 {flags} 报文之后，进入 {to} 状态"),
              Map.entry(Say.ESTABLISHED_BOTH, "，此时双方已建立起了连接"),
              Map.entry(Say.WAITS_FOR_FIN, "：自己的 FIN 已被确认，等待对方的 FIN"),
              Map.entry(Say.BACK_TO_LISTEN, "：半打开的连接被删除，监听继续"),
              Map.entry(Say.CLOSED_AFTER_LAST_ACK, "：自己的 FIN 已被确认，连接已关闭"),
              Map.entry(Say.RESET_CLOSED, "，连接被重置"),
              Map.entry(Say.REFUSED_CLOSED, "：连接被拒绝"),
              Map.entry(Say.TIME_WAIT_AFTER_CLOSING, "：双方的 FIN 都已被确认"),
              Map.entry(Say.ENTERS, "{h}从 {from} 状态进入 {to} 状态"),
              Map.entry(
                  Say.TIME_WAIT_SET,
                  "{h}在 TIME_WAIT 状态等待 2MSL{dur}：最后的 ACK 可能丢失，对方会重发 FIN，"
                      + "需要能够再次应答；同时让本连接的旧报文在网络中消失，之后同一个四元组才能再次使用"),
              Map.entry(Say.TIME_WAIT_RESTARTED, "对方重发了 FIN（最后的 ACK 丢失了）：{h}再次发送 ACK，并重启 2MSL 计时器"),
              Map.entry(Say.TIME_WAIT_OVER, "2MSL 时间已过，{h}从 TIME_WAIT 进入 CLOSED 状态"),
              Map.entry(Say.RTO_FIRED, "{h}的重传计时器在 {dur}后超时：重传超时时间之内没有收到确认"),
              Map.entry(Say.RTO_BACKOFF, "{h}的重传计时器在 {dur}后再次超时，连续第 {n} 次：每次超时，重传超时时间加倍（指数退避）"),
              Map.entry(Say.PERSIST_FIRED, "{h}的坚持计时器到期：对方的窗口一直关闭（为零，或小得不值得发送一个报文）"),
              Map.entry(Say.KEEPALIVE_FIRED, "{h}的保活计时器到期：已经 {dur}没有收到对方的任何报文"),
              Map.entry(Say.RACK_FIRED, "{h}的乱序重传计时器到期：比最后被确认的报文更早发送的报文，现在被认为已丢失"),
              Map.entry(Say.TIMER_FIRED, "{h}的{timer}计时器到期"),
              Map.entry(
                  Say.FAST_RECOVERY,
                  "{h}收到了 {n} 个 ack={ack} 的重复 ACK：认为该报文已丢失，进入快速恢复，" + "把拥塞窗口减为 {cwnd} 字节"),
              Map.entry(
                  Say.FAST_RECOVERY_RACK,
                  "{h}认为 ack={ack} 处的报文已丢失（之后发送的报文早已被确认），进入快速恢复，" + "把拥塞窗口减为 {cwnd} 字节"),
              Map.entry(Say.RECOVERY_DONE, "{h}收到 ack={ack}，发现丢包时已发送的数据全部被确认：快速恢复结束"),
              Map.entry(
                  Say.UNDO,
                  "{h}判断这次重传是多余的（{why}）：在它看来原来的报文只是延迟了，并没有丢失，" + "于是撤销拥塞窗口的削减，拥塞窗口恢复为 {cwnd} 字节"),
              Map.entry(Say.TLP_REPAIRED, "探测修复了一次丢包：{h}把拥塞窗口降为 {cwnd} 字节"),
              Map.entry(Say.NOTE, "{h}：{text}"),
              Map.entry(Say.GIVE_UP, "{h}重传了 {n} 次都没有应答（历时 {dur}），放弃并删除这个连接"),
              Map.entry(
                  Say.ESTABLISHED_ON_SYN,
                  "；{h}不等客户端再发来任何报文，立即进入 ESTABLISHED 状态：两次握手时，"
                      + "延时到达的请求也会与服务器建立连接，并交给了应用程序，服务器会一直等待客户端发数据，浪费服务器的资源"),
              Map.entry(
                  Say.RST_UNASKED_SYN_ACK,
                  "{h}并没有发出这个 SYN+ACK 所确认的 SYN（ack={ack}），也没有对应的连接，"
                      + "于是回复 RST，seq={seq}：正是第三次握手让客户端能够拒绝失效的连接请求报文段所引起的连接"),
              Map.entry(
                  Say.OLD_DATA_ACCEPTED,
                  "{h}把旧报文的字节收进了新连接（它的序列号落在新连接的接收窗口之内），"
                      + "确认到 ack={ack}：已经失效的报文出现在了新的连接中，应用程序将读到旧连接的数据，当作新连接发来的"),
              Map.entry(
                  Say.TIME_WAIT_ZERO,
                  "课程：{h}的 TIME_WAIT 被缩短为零，立即进入 CLOSED 状态：本连接持续的时间内所产生的报文段"
                      + "还没有从网络中消失，同一个四元组就可以再次使用了"),
              Map.entry(
                  Say.LESSON_TWO_MESSAGE,
                  "课程：两次握手（只为这一课修改的协议）。一个早先连接的、在网络中滞留了很久的"
                      + "失效的连接请求报文段到达服务端；客户端此时并没有发出建立连接的请求，不会理睬服务端的确认"),
              Map.entry(Say.REAL_THREE_WAY, "真实的三次握手，同样的网络，同样的失效 SYN"),
              Map.entry(
                  Say.LESSON_NO_TIME_WAIT,
                  "课程：TIME_WAIT 被缩短为零（只为这一课修改的协议；与文章中的首部一样，"
                      + "不使用时间戳选项）。网络保留了一个数据报文的副本，很久之后才送达；选哪一个副本是安排好的，"
                      + "让它的序列号落在下一个连接的接收窗口之内"),
              Map.entry(Say.REAL_TIME_WAIT, "真实的协议，TIME_WAIT 等待 2MSL，同样的网络，同样晚到的旧报文副本")));
}
