package dev.synack.lesson;

import java.util.Map;

/** The words of the HTML page around the narration, in English and in Chinese. */
final class HtmlWords {
  private HtmlWords() {}

  static Map<String, String> of(String lang) {
    return switch (lang) {
      case "en" -> EN;
      case "zh" -> ZH;
      default -> throw new IllegalArgumentException("language must be en or zh: " + lang);
    };
  }

  private static final Map<String, String> EN =
      Map.ofEntries(
          Map.entry(
              "summary",
              "{hosts} hosts, {segments} segments, {events} events. Click an arrow for its sentence,"
                  + " a sentence for its arrow; hover an arrow for its fields."),
          Map.entry("prev", "◀ previous"),
          Map.entry("next", "next ▶"),
          Map.entry("play", "play"),
          Map.entry("pause", "pause"),
          Map.entry("absolute", "absolute sequence numbers"),
          Map.entry("narration", "What happens"),
          Map.entry("diagram", "Both ends on the state diagram (RFC 9293, figure 5)"),
          Map.entry("segment", "segment"),
          Map.entry("rtx", "retransmission"),
          Map.entry("lost", "lost or dropped"),
          Map.entry("unsent", "not sent in this trace"),
          Map.entry("tsg", "Time–sequence graph"),
          Map.entry("nodata", "No segment carried data."),
          Map.entry("sender", "Sender state"),
          Map.entry("nosamples", "No samples in this trace."),
          Map.entry("cwnd", "Congestion window"),
          Map.entry("srtt", "Smoothed RTT"),
          Map.entry("inflight", "Bytes in flight"),
          Map.entry("bytes", "bytes"),
          Map.entry("events", "Events"),
          Map.entry("relseq", "sequence number relative to the ISN"),
          Map.entry("time", "time (s)"),
          Map.entry("win", "receive window: ACK + window"),
          Map.entry("ackline", "ACK"),
          Map.entry("tskey", "| segment, R retransmission, — ACK, — window, | SACK"),
          Map.entry("rtxmark", " (retransmit)"),
          Map.entry("lostwhy", "lost"),
          Map.entry("droppedwhy", "dropped"),
          Map.entry("tipabs", "absolute: "),
          Map.entry("tipwin", "raw window field: "),
          Map.entry("tipoptions", "options: "),
          Map.entry("tipconn", "connection: "),
          Map.entry("tipsent", "sent +"),
          Map.entry("tipdropped", "dropped +"),
          Map.entry("tipreceived", "received +"),
          Map.entry("tiplost", "lost: never received"),
          Map.entry("tipreason", "reason: "),
          Map.entry("tipunsent", "not sent by {h} in this trace"),
          Map.entry("th_time", "time"),
          Map.entry("th_host", "host"),
          Map.entry("th_conn", "connection"),
          Map.entry("th_event", "event"),
          Map.entry("th_details", "details"),
          Map.entry("inflightkey", "inflight"));

  private static final Map<String, String> ZH =
      Map.ofEntries(
          Map.entry(
              "summary",
              "{hosts} 个主机，{segments} 个报文段，{events} 个事件。点击箭头查看对应的说明，点击说明查看对应的箭头；"
                  + "鼠标停在箭头上可以看到各字段。"),
          Map.entry("prev", "◀ 上一步"),
          Map.entry("next", "下一步 ▶"),
          Map.entry("play", "播放"),
          Map.entry("pause", "暂停"),
          Map.entry("absolute", "绝对序列号"),
          Map.entry("narration", "过程说明"),
          Map.entry("diagram", "双方在状态图中的位置（RFC 9293 图 5）"),
          Map.entry("segment", "报文段"),
          Map.entry("rtx", "重传"),
          Map.entry("lost", "丢失或被丢弃"),
          Map.entry("unsent", "本次追踪中对方并未发送"),
          Map.entry("tsg", "时间–序列号图"),
          Map.entry("nodata", "没有携带数据的报文段。"),
          Map.entry("sender", "发送方状态"),
          Map.entry("nosamples", "本次追踪没有采样。"),
          Map.entry("cwnd", "拥塞窗口"),
          Map.entry("srtt", "平滑往返时间"),
          Map.entry("inflight", "在途字节"),
          Map.entry("bytes", "字节"),
          Map.entry("events", "事件"),
          Map.entry("relseq", "相对于初始序列号的序列号"),
          Map.entry("time", "时间（秒）"),
          Map.entry("win", "接收窗口：确认号 + 窗口"),
          Map.entry("ackline", "确认号"),
          Map.entry("tskey", "| 报文段，R 重传，— 确认号，— 窗口，| 选择确认"),
          Map.entry("rtxmark", "（重传）"),
          Map.entry("lostwhy", "丢失"),
          Map.entry("droppedwhy", "被丢弃"),
          Map.entry("tipabs", "绝对值："),
          Map.entry("tipwin", "窗口字段的原值："),
          Map.entry("tipoptions", "选项："),
          Map.entry("tipconn", "连接："),
          Map.entry("tipsent", "发送 +"),
          Map.entry("tipdropped", "丢弃 +"),
          Map.entry("tipreceived", "收到 +"),
          Map.entry("tiplost", "丢失：对方从未收到"),
          Map.entry("tipreason", "原因："),
          Map.entry("tipunsent", "本次追踪中 {h} 并未发送它"),
          Map.entry("th_time", "时间"),
          Map.entry("th_host", "主机"),
          Map.entry("th_conn", "连接"),
          Map.entry("th_event", "事件"),
          Map.entry("th_details", "内容"),
          Map.entry("inflightkey", "在途"),
          Map.entry("ev_send", "发送"),
          Map.entry("ev_recv", "接收"),
          Map.entry("ev_drop", "丢弃"),
          Map.entry("ev_retransmit", "重传"),
          Map.entry("ev_state", "状态"),
          Map.entry("ev_timer", "计时器"),
          Map.entry("ev_note", "注释"),
          Map.entry("ev_sample", "采样"),
          Map.entry("timer_set", "计时器设置"),
          Map.entry("timer_fired", "计时器到期"),
          Map.entry("timer_cancelled", "计时器取消"));
}
