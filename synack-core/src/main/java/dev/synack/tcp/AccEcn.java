package dev.synack.tcp;

import dev.synack.wire.Ecn;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;

/**
 * One AccECN connection's feedback (RFC 9768), once the handshake agreed on it: as Data Receiver,
 * the counters of what arrived (r.cep of CE-marked packets, shown mod 8 in the ACE field; r.e0b,
 * r.ceb, r.e1b of payload bytes, in the AccECN option); as Data Sender, what the peer's counters
 * say was delivered CE (Linux's {@code delivered_ce}), with the rules that keep a wrapped ACE field
 * from hiding marks (§3.2.2.5).
 *
 * <p>Counters are kept as Linux keeps them: from 0, with the RFC's initial values (r.cep = 5, r.e0b
 * = r.e1b = 1) added on the wire only ({@code TCP_ACCECN_CEP_INIT_OFFSET}, {@code
 * E0B_INIT_OFFSET}).
 */
final class AccEcn {
  /**
   * RFC 9768 §3.2.2.1: r.cep and s.cep start at 5, so a zeroed ACE field is never a valid count.
   */
  static final int CEP_INIT = 5;

  /**
   * RFC 9768 §3.2.2.1: r.e0b and r.e1b start at 1 (r.ceb at 0), so a zeroed option is seen as such.
   */
  static final int BYTES_INIT = 1;

  private static final int ACE_MASK = 7;
  private static final int FIELD_MASK = 0xffffff;

  /**
   * Linux's {@code TCP_ACCECN_SAFETY_SHIFT}: how much below the safe count the option's CE bytes
   * must be to trust the ACE.
   */
  private static final int SAFETY_SHIFT = 1;

  /**
   * The ECN codepoint of the peer's SYN (server) or SYN-ACK (client), which the handshake echoes.
   */
  final int synEctReceived;

  /**
   * Client: the next segment echoes the SYN-ACK's codepoint in its ACE field (the handshake's third
   * ACK, §3.1.3).
   */
  private boolean echoSynAck;

  /** r.cep less its initial 5: CE-marked packets received (Linux's {@code received_ce}). */
  int receivedCe;

  /**
   * Payload bytes received as ECT(0), CE and ECT(1) (r.e0b, r.ceb, r.e1b less their initial
   * values).
   */
  long receivedE0Bytes;

  long receivedCeBytes;
  long receivedE1Bytes;

  /** s.cep less 5: CE-marked packets the peer reported (Linux's {@code delivered_ce}). */
  int deliveredCe;

  /**
   * The peer's byte counters as its options reported them, less their initial values (24-bit,
   * extended).
   */
  long deliveredE0Bytes;

  long deliveredCeBytes;
  long deliveredE1Bytes;

  /** Whether a packet with ECT or CE arrived (Linux's {@code TCP_ECN_SEEN}). */
  boolean ectSeen;

  /**
   * The ACE field cannot be trusted (zeroed on the third ACK, or a SYN echo no path could make,
   * §3.2.2.1): no response to it, no ECT sent.
   */
  boolean aceFailed;

  /**
   * An AccECN option with counters arrived (Linux's {@code saw_accecn_opt}): options may be sent
   * back.
   */
  boolean sawOption;

  /**
   * The peer's options were zeroed on the path (an initial EE0B or EE1B of 0, §3.2.3.2): they are
   * ignored and none are sent.
   */
  boolean optionFailed;

  /** How many segments still owe an option (Linux's {@code accecn_opt_demand}). */
  private int optionDemand;

  /** When an option last left, ns, for the beacon. */
  private long optionSentAt = Long.MIN_VALUE / 2;

  /**
   * The IP-ECN field of the last segment received, to notice a change (Linux's {@code
   * prev_ecnfield}).
   */
  private int previousEcn;

  AccEcn(int synEctReceived, boolean client) {
    this.synEctReceived = synEctReceived & 0x3;
    this.echoSynAck = client;
    this.previousEcn = this.synEctReceived;
  }

  /**
   * Returns the ACE codepoints that echo the ECN field {@code ect} of a SYN (on the SYN-ACK) or of
   * a SYN-ACK (on the third ACK): 010 not-ECT, 011 ECT(1), 100 ECT(0), 110 CE (RFC 9768 §3.1.2
   * Table 2, §3.2.2.1 Table 4).
   */
  static int handshakeAce(int ect) {
    return switch (ect & 0x3) {
      case Ecn.NOT_ECT -> 0b010;
      case Ecn.ECT_1 -> 0b011;
      case Ecn.ECT_0 -> 0b100;
      default -> 0b110;
    };
  }

  /**
   * Returns the codepoint a handshake ACE value says the packet carried (Linux's {@code
   * tcp_accecn_extract_syn_ect}).
   */
  static int handshakeEct(int ace) {
    return switch (ace & ACE_MASK) {
      case 0b010 -> Ecn.NOT_ECT;
      case 0b100, 0b000 -> Ecn.ECT_0;
      case 0b110 -> Ecn.CE;
      default -> Ecn.ECT_1;
    };
  }

  /**
   * Returns whether the echo of a packet we sent as {@code sent} that says {@code received} could
   * come from a path (Linux's {@code tcp_ect_transition_valid}): the same codepoint, or ECT turned
   * into another ECT or CE; never from or to not-ECT, never from CE.
   */
  static boolean validTransition(int sent, int received) {
    if (sent == received) return true;
    return sent != Ecn.NOT_ECT && received != Ecn.NOT_ECT && sent != Ecn.CE;
  }

  /**
   * Takes the counters of an arriving non-SYN segment with IP-ECN {@code ipEcn} and {@code payload}
   * bytes (RFC 9768 §3.2.1: r.cep for each CE-marked packet; the byte counters of its payload). A
   * CE mark or a change of codepoint makes the next two segments carry the option (Linux's {@code
   * tcp_ecn_received_counters}).
   */
  void onReceived(int ipEcn, int payload) {
    int ecn = ipEcn & 0x3;
    if (ecn != Ecn.NOT_ECT) ectSeen = true;
    if (ecn == Ecn.CE) receivedCe++;
    if (payload > 0) {
      long before;
      switch (ecn) {
        case Ecn.ECT_0 -> {
          before = receivedE0Bytes;
          receivedE0Bytes += payload;
        }
        case Ecn.ECT_1 -> {
          before = receivedE1Bytes;
          receivedE1Bytes += payload;
        }
        case Ecn.CE -> {
          before = receivedCeBytes;
          receivedCeBytes += payload;
        }
        default -> before = -1;
      }
      long after = before + payload;
      // Linux: a counter about to pass a quarter of its 24-bit field owes the peer an option.
      if (before >= 0 && ((before ^ after) & ~((1L << 22) - 1)) != 0)
        optionDemand = Math.max(optionDemand, 1);
    }
    if (ecn != previousEcn || ecn == Ecn.CE) {
      previousEcn = ecn;
      optionDemand = 2;
    }
  }

  /**
   * Takes the handshake's third ACK as a server in SYN-RECEIVED (RFC 9768 §3.2.2.1, Linux's {@code
   * tcp_accecn_third_ack}): an ACE of 0 on a pure ACK means a middlebox zeroed the field (the ACE
   * and the option are given up as Data Sender); an echo of our SYN-ACK's not-ECT that no path
   * could make is given up too.
   */
  void onThirdAck(int ace, boolean pureAck, int synAckSent) {
    if (ace == 0) {
      if (pureAck) {
        aceFailed = true;
        optionFailed = true;
      }
      return;
    }
    if (ace == 0b111 || ace == 0b101 || ace == 0b001 || !pureAck) return;
    if (!validTransition(synAckSent, handshakeEct(ace))) aceFailed = true;
  }

  /**
   * Takes an AccECN option from the peer: the first one with counters must have a nonzero first
   * field (EE0B or EE1B start at 1: a zero means the option was zeroed on the path, §3.2.3.2); the
   * fields present update the delivered byte counters. Returns the CE bytes it reported, or -1 when
   * it said nothing of them.
   */
  long onOption(TcpOption.AccEcn o) {
    if (optionFailed || o.fields() == 0) return -1;
    if (!sawOption) {
      int first = o.order1() ? o.e1b() : o.e0b();
      int third = o.order1() ? o.e0b() : o.e1b();
      if (first == 0 || third == 0) {
        optionFailed = true;
        return -1;
      }
      sawOption = true;
      optionDemand = Math.max(optionDemand, 2); // Linux answers the first option it sees at once
    }
    long ceBefore = deliveredCeBytes;
    if (o.e0b() >= 0) deliveredE0Bytes += fieldDelta(o.e0b(), BYTES_INIT, deliveredE0Bytes);
    if (o.e1b() >= 0) deliveredE1Bytes += fieldDelta(o.e1b(), BYTES_INIT, deliveredE1Bytes);
    if (o.ceb() < 0) return -1;
    deliveredCeBytes += fieldDelta(o.ceb(), 0, deliveredCeBytes);
    return deliveredCeBytes - ceBefore;
  }

  /**
   * Returns how much a 24-bit option field moved the counter {@code kept}: the difference mod 2^24,
   * read as signed so that a reordered older option moves it back (Linux's {@code
   * tcp_update_ecn_bytes}).
   */
  static long fieldDelta(int field, int init, long kept) {
    int delta = (field - init - (int) kept) & FIELD_MASK;
    int signed = (delta << 8) >> 8; // sign-extend the 24-bit difference
    return signed;
  }

  /**
   * Returns how many CE marks an ACK reports (RFC 9768 §3.2.2.5, as Linux's {@code
   * __tcp_accecn_process}), and adds them to {@link #deliveredCe}. The ACE field holds s.cep mod 8,
   * so its change is the count mod 8; when an ACK covers more than 7 packets the count may have
   * wrapped, and then the option's CE bytes decide, or else the safe guess that every wrap
   * happened. An ACK that acknowledges nothing new says nothing (it may be reordered).
   *
   * @param ace the ACK's ACE field
   * @param ceBytes the CE bytes its option reported ({@link #onOption}), -1 without
   * @param deliveredPkts packets the ACK newly acknowledged or SACKed, at least 1 when it
   *     progressed
   * @param deliveredBytes bytes the ACK newly acknowledged or SACKed
   * @param mss the sender's MSS
   */
  int onAck(int ace, long ceBytes, int deliveredPkts, long deliveredBytes, int mss) {
    if (aceFailed || deliveredPkts <= 0) return 0;
    int d = count(ace, ceBytes, deliveredPkts, deliveredBytes, mss);
    deliveredCe += d;
    return d;
  }

  private int count(int ace, long ceBytes, int deliveredPkts, long deliveredBytes, int mss) {
    int delta = (ace - (deliveredCe + CEP_INIT)) & ACE_MASK;
    if (deliveredPkts <= ACE_MASK) return delta;
    int safeDelta = deliveredPkts - ((deliveredPkts - delta) & ACE_MASK);
    if (ceBytes >= 0 && !optionFailed) {
      if (ceBytes == 0) return delta;
      if (deliveredPkts >= (ACE_MASK + 1) * 2) {
        if (deliveredBytes <= ceBytes) return safeDelta;
        long estimate = Math.ceilDiv(ceBytes * deliveredPkts, deliveredBytes);
        return (int) Math.min(safeDelta, delta + (estimate & ~ACE_MASK));
      }
      if (ceBytes > (long) delta * mss) return safeDelta;
      if (ceBytes < ((long) safeDelta * mss) >> SAFETY_SHIFT) return delta;
    }
    return safeDelta;
  }

  /**
   * Returns the ACE field of the next segment we send: the echo of the SYN-ACK on the client's
   * first segment after it (§3.2.2.1), else r.cep mod 8 (§3.2.2.2), also when the peer's ACE
   * failed: "as a Data Receiver it MUST NOT disable AccECN feedback" (§3.2.2.1).
   */
  int nextAce() {
    if (echoSynAck) {
      echoSynAck = false;
      return handshakeAce(synEctReceived);
    }
    return (receivedCe + CEP_INIT) & ACE_MASK;
  }

  /**
   * Returns whether the next non-SYN segment carries an AccECN option (Linux's {@code
   * tcp_established_options}): only once the peer showed it sends options, never after they were
   * zeroed, and then on every segment in mode 2, else when a change is owed or the beacon is due
   * ({@code beacon} times per {@code srtt}).
   */
  boolean optionDue(int mode, int beacon, long srtt, long now) {
    if (mode == 0 || !sawOption || optionFailed) return false;
    if (mode >= 2 || optionDemand > 0) return true;
    return beacon > 0 && (now - optionSentAt) * beacon >= srtt;
  }

  /**
   * Returns the option with up to {@code room} bytes (its NOP padding included), in order 1 as
   * Linux sends it (EE1B, ECEB, EE0B), or {@code null} when not even one field fits; notes it sent.
   */
  TcpOption.AccEcn option(int room, long now) {
    int fields = fields(room);
    if (fields == 0) return null;
    optionSentAt = now;
    if (optionDemand > 0) optionDemand--;
    return TcpOption.AccEcn.of(
        true,
        fields,
        (int) (receivedE0Bytes + BYTES_INIT),
        (int) receivedCeBytes,
        (int) (receivedE1Bytes + BYTES_INIT));
  }

  /**
   * Returns how many counters an option with {@code room} bytes carries: three (11 bytes and a NOP)
   * or two (8 bytes); none below, where Linux would cut to one or none only for a SYN-ACK.
   */
  private static int fields(int room) {
    return room >= 12 ? 3 : room >= 8 ? 2 : 0;
  }

  /** Returns the option bytes, padded to a word, that {@link #option} takes in {@code room}. */
  static int optionBytes(int room) {
    int fields = fields(room);
    return fields == 0 ? 0 : (2 + 3 * fields + 3) & ~3;
  }

  /**
   * Returns the option of a SYN-ACK: every counter at its initial value (a SYN carries no payload).
   */
  static TcpOption.AccEcn synAckOption() {
    return TcpOption.AccEcn.of(true, 3, BYTES_INIT, 0, BYTES_INIT);
  }

  /** Returns {@code flags} with the ACE field set to {@code ace}. */
  static int withAce(int flags, int ace) {
    return TcpFlags.withAce(flags, ace);
  }
}
