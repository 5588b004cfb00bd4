package dev.synack.packetdrill;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Linux's {@code struct tcp_info} (include/uapi/linux/tcp.h) as packetdrill's Python variables: the
 * bytes getsockopt(TCP_INFO) wrote, field by field at their offsets, in the machine's order.
 */
final class TcpInfoFields {
  /**
   * The 32-bit fields from offset 8 on, in the struct's order (tcpi_fackets and the last_* times
   * included).
   */
  private static final String[] U32 = {
    "rto",
    "ato",
    "snd_mss",
    "rcv_mss",
    "unacked",
    "sacked",
    "lost",
    "retrans",
    "fackets",
    "last_data_sent",
    "last_ack_sent",
    "last_data_recv",
    "last_ack_recv",
    "pmtu",
    "rcv_ssthresh",
    "rtt",
    "rttvar",
    "snd_ssthresh",
    "snd_cwnd",
    "advmss",
    "reordering",
    "rcv_rtt",
    "rcv_space",
    "total_retrans"
  };

  private TcpInfoFields() {}

  /** Puts the {@code tcpi_*} variables of {@code info} (at least 232 bytes) into {@code v}. */
  static void put(byte[] info, Map<String, String> v) {
    ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder());
    v.put("tcpi_state", Integer.toString(b.get(0) & 0xff));
    v.put("tcpi_ca_state", Integer.toString(b.get(1) & 0xff));
    v.put("tcpi_retransmits", Integer.toString(b.get(2) & 0xff));
    v.put("tcpi_probes", Integer.toString(b.get(3) & 0xff));
    v.put("tcpi_backoff", Integer.toString(b.get(4) & 0xff));
    v.put("tcpi_options", Integer.toString(b.get(5) & 0xff));
    v.put("tcpi_snd_wscale", Integer.toString(b.get(6) & 0x0f));
    v.put("tcpi_rcv_wscale", Integer.toString((b.get(6) >> 4) & 0x0f));
    for (int i = 0; i < U32.length; i++)
      v.put("tcpi_" + U32[i], Integer.toUnsignedString(b.getInt(8 + 4 * i)));
    v.put("tcpi_pacing_rate", Long.toUnsignedString(b.getLong(104)));
    v.put("tcpi_max_pacing_rate", Long.toUnsignedString(b.getLong(112)));
    v.put("tcpi_bytes_acked", Long.toUnsignedString(b.getLong(120)));
    v.put("tcpi_bytes_received", Long.toUnsignedString(b.getLong(128)));
    v.put("tcpi_segs_out", Integer.toUnsignedString(b.getInt(136)));
    v.put("tcpi_segs_in", Integer.toUnsignedString(b.getInt(140)));
    v.put("tcpi_notsent_bytes", Integer.toUnsignedString(b.getInt(144)));
    v.put("tcpi_min_rtt", Integer.toUnsignedString(b.getInt(148)));
    v.put("tcpi_data_segs_in", Integer.toUnsignedString(b.getInt(152)));
    v.put("tcpi_data_segs_out", Integer.toUnsignedString(b.getInt(156)));
    v.put("tcpi_delivery_rate", Long.toUnsignedString(b.getLong(160)));
    v.put("tcpi_busy_time", Long.toUnsignedString(b.getLong(168)));
    v.put("tcpi_rwnd_limited", Long.toUnsignedString(b.getLong(176)));
    v.put("tcpi_sndbuf_limited", Long.toUnsignedString(b.getLong(184)));
    v.put("tcpi_delivered", Integer.toUnsignedString(b.getInt(192)));
    v.put("tcpi_delivered_ce", Integer.toUnsignedString(b.getInt(196)));
    v.put("tcpi_bytes_sent", Long.toUnsignedString(b.getLong(200)));
    v.put("tcpi_bytes_retrans", Long.toUnsignedString(b.getLong(208)));
    v.put("tcpi_dsack_dups", Integer.toUnsignedString(b.getInt(216)));
    v.put("tcpi_reord_seen", Integer.toUnsignedString(b.getInt(220)));
    v.put("tcpi_rcv_ooopack", Integer.toUnsignedString(b.getInt(224)));
    v.put("tcpi_snd_wnd", Integer.toUnsignedString(b.getInt(228)));
  }
}
