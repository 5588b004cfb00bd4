package dev.synack.lesson;

import java.util.EnumMap;
import java.util.Map;

/**
 * The words of every {@link Sentence.Kind}, in English and in Chinese: the demo's headers and
 * titles, the scenarios' names and what they show, the page's and the congestion-control
 * comparison's labels. Placeholders in braces are the sentence's named values. The narration of
 * trace events has its own tables ({@link NarrationText}).
 *
 * <p>The Chinese holds no English words but flag names, state names, numbers, units and the
 * articles' own abbreviations: a test checks it on every scenario.
 */
final class SentenceText {
  private SentenceText() {}

  /**
   * Returns the words of a {@link Sentence} in {@code lang}.
   *
   * @throws IllegalArgumentException for another language
   */
  static String sentence(Sentence.Kind kind, String lang) {
    return switch (lang) {
      case "en" -> SENTENCES_EN.get(kind);
      case "zh" -> SENTENCES_ZH.get(kind);
      default -> throw new IllegalArgumentException("language must be en or zh: " + lang);
    };
  }

  private static final Map<Sentence.Kind, String> SENTENCES_EN =
      complete(
          Map.ofEntries(
              Map.entry(Sentence.Kind.DEMO_HEADER, "synack demo: {name} ({what})"),
              Map.entry(Sentence.Kind.DEMO_TITLE, "synack demo: {name}"),
              Map.entry(Sentence.Kind.DECODE_TITLE, "synack decode: {file}"),
              Map.entry(
                  Sentence.Kind.SCENARIO_CONNECTION,
                  "handshake, a little data each way, and the four-way teardown with TIME-WAIT"),
              Map.entry(
                  Sentence.Kind.SCENARIO_HANDSHAKE, "the three-way handshake: SYN, SYN+ACK, ACK"),
              Map.entry(
                  Sentence.Kind.SCENARIO_TEARDOWN,
                  "the four-way teardown, the client closing first, through TIME-WAIT"),
              Map.entry(
                  Sentence.Kind.SCENARIO_HALF_CLOSE,
                  "the client shuts down its sending side; the server goes on sending, then closes"),
              Map.entry(
                  Sentence.Kind.SCENARIO_SIMULTANEOUS_OPEN,
                  "both sides send SYN at once: SYN_SENT -> SYN_RECEIVED -> ESTABLISHED"),
              Map.entry(
                  Sentence.Kind.SCENARIO_SIMULTANEOUS_CLOSE,
                  "both sides send FIN at once: FIN_WAIT_1 -> CLOSING -> TIME_WAIT"),
              Map.entry(
                  Sentence.Kind.SCENARIO_LOST_FINAL_ACK,
                  "the last ACK is lost: the server resends its FIN, TIME-WAIT answers"
                      + " and restarts 2 MSL"),
              Map.entry(
                  Sentence.Kind.SCENARIO_OLD_DUPLICATE_SYN,
                  "why not two-way: an old duplicate SYN is refused by the client, and one"
                      + " reaching an open connection gets a challenge ACK"),
              Map.entry(
                  Sentence.Kind.SCENARIO_RESET, "the client aborts an open connection with RST"),
              Map.entry(
                  Sentence.Kind.SCENARIO_REFUSED,
                  "SYN to a port nobody listens on: RST, connection refused"),
              Map.entry(
                  Sentence.Kind.SCENARIO_TRANSFER,
                  "bytes each way over an impaired path, checked with SHA-256"),
              Map.entry(
                  Sentence.Kind.SCENARIO_FAST_RETRANSMIT,
                  "one data segment is lost: duplicate ACKs, fast retransmit and SACK recovery"),
              Map.entry(
                  Sentence.Kind.SCENARIO_TIMEOUT,
                  "a lone segment is lost four times: the tail-loss probe, then retransmission"
                      + " timeouts, each twice as long (backoff)"),
              Map.entry(
                  Sentence.Kind.SCENARIO_TAIL_LOSS,
                  "the last two segments of a burst are lost: a tail-loss probe brings the loss to"
                      + " light before any timeout"),
              Map.entry(
                  Sentence.Kind.SCENARIO_SPURIOUS_RETRANSMIT,
                  "a segment is only delayed: a needless fast retransmit, then its undo"),
              Map.entry(
                  Sentence.Kind.SCENARIO_ZERO_WINDOW,
                  "the server reads nothing for a while: its window closes, the client probes,"
                      + " the window opens"),
              Map.entry(
                  Sentence.Kind.SCENARIO_KEEP_ALIVE,
                  "an idle connection with keep-alive: after two hours of silence a probe, and its"
                      + " answer"),
              Map.entry(
                  Sentence.Kind.SCENARIO_WHY_THREE_WAY,
                  "why three messages: an old SYN opens a connection with a two-message handshake"
                      + " (a lesson-only engine), not with the real one"),
              Map.entry(
                  Sentence.Kind.SCENARIO_WHY_TIME_WAIT,
                  "why TIME-WAIT: with it cut to zero an old segment corrupts the next"
                      + " connection on the same 4-tuple; with 2 MSL it cannot"),
              Map.entry(Sentence.Kind.FAILED, "FAILED: {what}"),
              Map.entry(Sentence.Kind.CHECK, "{en}"),
              Map.entry(
                  Sentence.Kind.SHA_CLIENT_SERVER,
                  "sha256 client->server sent={sent} received={got}"),
              Map.entry(
                  Sentence.Kind.SHA_SERVER_CLIENT,
                  "sha256 server->client sent={sent} received={got}"),
              Map.entry(
                  Sentence.Kind.TRANSFER,
                  "transfer: {intact}, {bytes} bytes each way in {s} s (virtual time), {rtx}"),
              Map.entry(Sentence.Kind.INTACT_BOTH_WAYS, "intact both ways"),
              Map.entry(Sentence.Kind.NOT_INTACT, "NOT INTACT"),
              Map.entry(Sentence.Kind.RETRANSMISSIONS, "{n} retransmission{n:s}"),
              Map.entry(
                  Sentence.Kind.WHY_TWO_MESSAGE_COST,
                  "two-message handshake: the old SYN opened a connection; the server was"
                      + " ESTABLISHED and its application accepted it; it held it {held} s, sending {n} SYN-ACKs ({bytes} bytes) into"
                      + " the void, until it gave up"),
              Map.entry(
                  Sentence.Kind.WHY_THREE_WAY_COST,
                  "three-way handshake: the server never reached ESTABLISHED; it held a"
                      + " half-open connection {held} s, sent {n} SYN-ACK ({bytes} bytes), and the client's RST sent it back to LISTEN;"
                      + " the application saw nothing"),
              Map.entry(Sentence.Kind.RUN_NO_TIME_WAIT, "no TIME-WAIT"),
              Map.entry(Sentence.Kind.RUN_TIME_WAIT, "TIME-WAIT"),
              Map.entry(
                  Sentence.Kind.WHY_REOPENED,
                  "{run}: the client opened the same 4-tuple again at {t} s"),
              Map.entry(
                  Sentence.Kind.WHY_REFUSED_REOPEN,
                  "TIME-WAIT: at {t} s the client's own stack refused to open the same 4-tuple"
                      + " again ({why}); it waits out 2 MSL"),
              Map.entry(
                  Sentence.Kind.WHY_OLD_COPY,
                  "no TIME-WAIT: the new ISN is {isn}; the old copy seq={from}..{to} holds it"),
              Map.entry(
                  Sentence.Kind.WHY_CHECKSUMS,
                  "{run}: sent {n} bytes, sha256 {sent}; the server's application read {m} bytes,"
                      + " sha256 {got}: {verdict}"),
              Map.entry(Sentence.Kind.READ_INTACT, "intact"),
              Map.entry(
                  Sentence.Kind.READ_CORRUPTED,
                  "CORRUPTED, the checksums differ ({count} bytes differ from byte {first} on)"),
              Map.entry(Sentence.Kind.DECODE_CONNECTION, "connection {n}: {a} <-> {b}"),
              Map.entry(
                  Sentence.Kind.DECODE_SUMMARY,
                  "{packets} packet{packets:s}, {segments} TCP segment{segments:s},"
                      + " {connections} connection{connections:s}, {malformed} malformed"),
              Map.entry(
                  Sentence.Kind.DECODE_BAD_CHECKSUMS,
                  "{n} segment{n:s} with a bad TCP checksum: normal in a capture taken on the"
                      + " machine that sent them (loopback, or a device with checksum offload), which sees a packet before its checksum"
                      + " is filled in; on loopback it never is, and the receiving kernel does not check it"),
              Map.entry(Sentence.Kind.RENDER_CONNECTION, "connection {n}: {key}"),
              Map.entry(
                  Sentence.Kind.RENDER_ONE_SIDE,
                  "  (traced at {host}; the peer's states are not in the trace)"),
              Map.entry(Sentence.Kind.RENDER_TITLE, "synack trace: {file}"),
              Map.entry(Sentence.Kind.WROTE_TRACE, "trace: {file}"),
              Map.entry(Sentence.Kind.WROTE_PCAP, "pcap: {file}"),
              Map.entry(Sentence.Kind.WROTE_HTML, "html: {file}"),
              Map.entry(Sentence.Kind.CC_HEADER, "synack demo: congestion control, {names}"),
              Map.entry(
                  Sentence.Kind.CC_PATH,
                  "path: {path} (BDP {bdp} B, the queue {queue} ms at the bottleneck rate)"),
              Map.entry(
                  Sentence.Kind.CC_RUN,
                  "{name} goodput {goodput} Mbit/s ({share} % of the link), median queue delay {delay} ms,"
                      + " median in flight {flight} BDP, {rtx} retransmitted{unfinished}"),
              Map.entry(
                  Sentence.Kind.CC_PATH_CONFIG,
                  "{mbit} Mbit/s, RTT {rtt} ms, loss {loss} %, queue {queue} B, mtu {mtu}"),
              Map.entry(Sentence.Kind.CC_NOT_COMPLETED, " (NOT COMPLETED)"),
              Map.entry(Sentence.Kind.CC_TIME_COLUMN, "time s"),
              Map.entry(Sentence.Kind.CC_RUN_COLUMNS, "{name} Mbit/s  queue ms"),
              Map.entry(Sentence.Kind.CC_THROUGHPUT_PLOT, "throughput per round trip"),
              Map.entry(Sentence.Kind.CC_DELAY_PLOT, "queue delay at the bottleneck")));

  private static final Map<Sentence.Kind, String> SENTENCES_ZH =
      complete(
          Map.ofEntries(
              Map.entry(Sentence.Kind.DEMO_HEADER, "synack 演示：{name}（{what}）"),
              Map.entry(Sentence.Kind.DEMO_TITLE, "synack 演示：{name}"),
              Map.entry(Sentence.Kind.DECODE_TITLE, "synack 解码：{file}"),
              Map.entry(Sentence.Kind.SCENARIO_CONNECTION, "三次握手，双方各发送一点数据，然后四次挥手，经过 TIME_WAIT"),
              Map.entry(Sentence.Kind.SCENARIO_HANDSHAKE, "三次握手：SYN，SYN+ACK，ACK"),
              Map.entry(Sentence.Kind.SCENARIO_TEARDOWN, "四次挥手，客户端先关闭，经过 TIME_WAIT（2MSL）"),
              Map.entry(Sentence.Kind.SCENARIO_HALF_CLOSE, "客户端关闭自己的发送方向；服务端继续发送数据，然后关闭（半关闭）"),
              Map.entry(
                  Sentence.Kind.SCENARIO_SIMULTANEOUS_OPEN,
                  "双方同时发送 SYN：SYN_SENT -> SYN_RECEIVED -> ESTABLISHED"),
              Map.entry(
                  Sentence.Kind.SCENARIO_SIMULTANEOUS_CLOSE,
                  "双方同时发送 FIN：FIN_WAIT_1 -> CLOSING -> TIME_WAIT"),
              Map.entry(
                  Sentence.Kind.SCENARIO_LOST_FINAL_ACK,
                  "最后的 ACK 丢失了：服务端重发 FIN，处于 TIME_WAIT 的一方再次应答，" + "并重启 2MSL 计时器"),
              Map.entry(
                  Sentence.Kind.SCENARIO_OLD_DUPLICATE_SYN,
                  "为什么不是两次握手：失效的连接请求报文段被客户端拒绝，" + "到达已打开连接的失效 SYN 只换来一个挑战 ACK"),
              Map.entry(Sentence.Kind.SCENARIO_RESET, "客户端用 RST 中止一个已建立的连接"),
              Map.entry(Sentence.Kind.SCENARIO_REFUSED, "SYN 发往一个没有监听的端口：RST，连接被拒绝"),
              Map.entry(Sentence.Kind.SCENARIO_TRANSFER, "在有损伤的路径上双向传输数据，用 SHA-256 校验"),
              Map.entry(Sentence.Kind.SCENARIO_FAST_RETRANSMIT, "一个数据报文丢失：重复 ACK，快速重传，选择确认恢复"),
              Map.entry(
                  Sentence.Kind.SCENARIO_TIMEOUT,
                  "一个单独的报文连续丢失四次：先是尾部丢失探测，然后是超时重传，" + "每次等待的时间加倍（指数退避）"),
              Map.entry(Sentence.Kind.SCENARIO_TAIL_LOSS, "一串报文的最后两个丢失：尾部丢失探测在任何超时之前发现了丢包"),
              Map.entry(Sentence.Kind.SCENARIO_SPURIOUS_RETRANSMIT, "一个报文只是延迟了：一次多余的快速重传，然后撤销"),
              Map.entry(Sentence.Kind.SCENARIO_ZERO_WINDOW, "服务端有一段时间不读数据：它的窗口关闭，客户端发送窗口探测，窗口再次打开"),
              Map.entry(Sentence.Kind.SCENARIO_KEEP_ALIVE, "一个开启了保活的空闲连接：沉默两个小时后发送一个探测，对方应答"),
              Map.entry(
                  Sentence.Kind.SCENARIO_WHY_THREE_WAY,
                  "为什么是三次握手：用两次握手（只为这一课修改的协议）时，" + "失效的 SYN 会建立连接，用真实的协议则不会"),
              Map.entry(
                  Sentence.Kind.SCENARIO_WHY_TIME_WAIT,
                  "为什么要有 TIME_WAIT：把它缩短为零时，旧报文会破坏同一个四元组上的下一个连接；" + "等待 2MSL 时则不会"),
              Map.entry(Sentence.Kind.FAILED, "失败：{what}"),
              Map.entry(Sentence.Kind.CHECK, "{zh}"),
              Map.entry(Sentence.Kind.SHA_CLIENT_SERVER, "sha256 客户端→服务端：发送 {sent}，收到 {got}"),
              Map.entry(Sentence.Kind.SHA_SERVER_CLIENT, "sha256 服务端→客户端：发送 {sent}，收到 {got}"),
              Map.entry(Sentence.Kind.TRANSFER, "传输：{intact}，每个方向 {bytes} 字节，用时 {s} 秒（虚拟时间），{rtx}"),
              Map.entry(Sentence.Kind.INTACT_BOTH_WAYS, "两个方向的数据都完好无损"),
              Map.entry(Sentence.Kind.NOT_INTACT, "数据不完整"),
              Map.entry(Sentence.Kind.RETRANSMISSIONS, "重传 {n} 次"),
              Map.entry(
                  Sentence.Kind.WHY_TWO_MESSAGE_COST,
                  "两次握手：失效的 SYN 建立了连接；服务端进入了 ESTABLISHED 状态，"
                      + "它的应用程序接受了这个连接；服务端维持它 {held} 秒，向不存在的对方发送了 {n} 个 SYN+ACK（{bytes} 字节），"
                      + "直到放弃，白白浪费了服务端的资源"),
              Map.entry(
                  Sentence.Kind.WHY_THREE_WAY_COST,
                  "三次握手：服务端从未进入 ESTABLISHED 状态；它维持一个半打开的连接 {held} 秒，"
                      + "发送了 {n} 个 SYN+ACK（{bytes} 字节），客户端的 RST 让它回到 LISTEN 状态；应用程序什么也没有看到"),
              Map.entry(Sentence.Kind.RUN_NO_TIME_WAIT, "没有 TIME_WAIT"),
              Map.entry(Sentence.Kind.RUN_TIME_WAIT, "有 TIME_WAIT"),
              Map.entry(Sentence.Kind.WHY_REOPENED, "{run}：客户端在 {t} 秒时再次使用同一个四元组建立连接"),
              Map.entry(
                  Sentence.Kind.WHY_REFUSED_REOPEN,
                  "有 TIME_WAIT：在 {t} 秒时，客户端自己的协议栈拒绝再次使用同一个四元组"
                      + "（原来的连接还处于 TIME_WAIT 状态）；它要等待 2MSL"),
              Map.entry(
                  Sentence.Kind.WHY_OLD_COPY,
                  "没有 TIME_WAIT：新连接的 ISN 是 {isn}；旧报文的副本 seq={from}..{to} 覆盖了它"),
              Map.entry(
                  Sentence.Kind.WHY_CHECKSUMS,
                  "{run}：发送了 {n} 字节，sha256 {sent}；服务端的应用程序读到 {m} 字节，" + "sha256 {got}：{verdict}"),
              Map.entry(Sentence.Kind.READ_INTACT, "完好无损"),
              Map.entry(
                  Sentence.Kind.READ_CORRUPTED, "数据被破坏了，两个校验和不同（从第 {first} 字节起，有 {count} 字节不同）"),
              Map.entry(Sentence.Kind.DECODE_CONNECTION, "连接 {n}：{a} <-> {b}"),
              Map.entry(
                  Sentence.Kind.DECODE_SUMMARY,
                  "{packets} 个数据包，{segments} 个 TCP 报文段，{connections} 个连接，" + "{malformed} 个格式错误"),
              Map.entry(
                  Sentence.Kind.DECODE_BAD_CHECKSUMS,
                  "{n} 个报文段的 TCP 校验和错误：在发送这些报文的机器上抓包时（回环接口，"
                      + "或由网卡计算校验和时）这是正常的，抓到的报文还没有填好校验和；回环接口上校验和永远不会被填上，接收方的内核也不检查它"),
              Map.entry(Sentence.Kind.RENDER_CONNECTION, "连接 {n}：{key}"),
              Map.entry(Sentence.Kind.RENDER_ONE_SIDE, "（只在{host}上追踪；追踪中没有对端的状态）"),
              Map.entry(Sentence.Kind.RENDER_TITLE, "synack 追踪：{file}"),
              Map.entry(Sentence.Kind.WROTE_TRACE, "追踪文件：{file}"),
              Map.entry(Sentence.Kind.WROTE_PCAP, "抓包文件：{file}"),
              Map.entry(Sentence.Kind.WROTE_HTML, "网页：{file}"),
              Map.entry(Sentence.Kind.CC_HEADER, "synack 演示：拥塞控制，{names}"),
              Map.entry(Sentence.Kind.CC_PATH, "路径：{path}（BDP {bdp} B，按瓶颈速率，队列为 {queue} ms）"),
              Map.entry(
                  Sentence.Kind.CC_RUN,
                  "{name} 有效吞吐量 {goodput} Mbit/s（链路的 {share} %），排队时延中位数 {delay} ms，"
                      + "在途数据中位数 {flight} BDP，重传 {rtx} 个{unfinished}"),
              Map.entry(
                  Sentence.Kind.CC_PATH_CONFIG,
                  "{mbit} Mbit/s，RTT {rtt} ms，丢包率 {loss} %，队列 {queue} B，MTU {mtu}"),
              Map.entry(Sentence.Kind.CC_NOT_COMPLETED, "（没有完成）"),
              Map.entry(Sentence.Kind.CC_TIME_COLUMN, "时间 s"),
              Map.entry(Sentence.Kind.CC_RUN_COLUMNS, "{name} Mbit/s  排队 ms"),
              Map.entry(Sentence.Kind.CC_THROUGHPUT_PLOT, "每个往返时间的吞吐量"),
              Map.entry(Sentence.Kind.CC_DELAY_PLOT, "瓶颈处的排队时延")));

  /** Returns the table as an enum map, after checking that it has every kind of sentence. */
  private static Map<Sentence.Kind, String> complete(Map<Sentence.Kind, String> table) {
    for (Sentence.Kind k : Sentence.Kind.values()) {
      if (!table.containsKey(k)) throw new IllegalStateException("no words for " + k);
    }
    return new EnumMap<>(table);
  }
}
