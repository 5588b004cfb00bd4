package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.Ecn;
import dev.synack.wire.TcpOption;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The AccECN counters (RFC 9768 §3.2.2) between a Data Receiver and a Data Sender, one {@link
 * AccEcn} each: what the receiver counts and shows (ACE mod 8, the option's 24-bit fields) is what
 * the sender adds up, across wraps of both.
 */
class AccEcnPropertiesTest {
  private static final int MSS = 1000;

  /**
   * One ACK's worth: {@code packets} data packets delivered, the first {@code marked} of them CE.
   */
  record Ack(int packets, int marked) {}

  private static int receive(AccEcn receiver, int packets, int marked) {
    for (int p = 0; p < packets; p++) receiver.onReceived(p < marked ? Ecn.CE : Ecn.ECT_0, MSS);
    return receiver.nextAce();
  }

  @Property
  void aceAlone_countsExactly_whenEachAckCoversAtMostSevenPackets(
      @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 1, max = 7) Integer> packets,
      @ForAll long seed) {
    AccEcn receiver = new AccEcn(Ecn.NOT_ECT, false);
    AccEcn sender = new AccEcn(Ecn.NOT_ECT, false);
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    long marks = 0;
    long counted = 0;
    for (int n : packets) {
      int marked = random.nextInt(n + 1);
      marks += marked;
      int ace = receive(receiver, n, marked);
      assertEquals((AccEcn.CEP_INIT + marks) & 7, ace, "ACE = r.cep mod 8, r.cep from 5");
      counted += sender.onAck(ace, -1, n, (long) n * MSS, MSS);
      assertEquals(marks, counted, "s.cep follows r.cep across every wrap of the 3-bit field");
    }
    assertEquals(marks, Integer.toUnsignedLong(sender.deliveredCe));
    assertEquals(marks, receiver.receivedCe);
  }

  @Property
  void wrappedAceWithoutOption_neverCountsFewerMarksThanThereWere(
      @ForAll @IntRange(min = 8, max = 200) int packets,
      @ForAll @IntRange(min = 0, max = 200) int marked) {
    int m = Math.min(marked, packets);
    AccEcn receiver = new AccEcn(Ecn.NOT_ECT, false);
    AccEcn sender = new AccEcn(Ecn.NOT_ECT, false);
    int counted =
        sender.onAck(receive(receiver, packets, m), -1, packets, (long) packets * MSS, MSS);
    assertTrue(
        counted >= m && counted <= packets,
        "RFC 9768 §3.2.2.5.2: the safe guess " + counted + " for " + m);
    assertEquals(m & 7, counted & 7, "and the same count mod 8");
  }

  @Property
  void wrappedAceWithTheOption_countsExactly(
      @ForAll @IntRange(min = 1, max = 200) int packets,
      @ForAll @IntRange(min = 0, max = 200) int marked) {
    int m = Math.min(marked, packets);
    AccEcn receiver = new AccEcn(Ecn.NOT_ECT, false);
    AccEcn sender = new AccEcn(Ecn.NOT_ECT, false);
    int ace = receive(receiver, packets, m);
    TcpOption.AccEcn option = receiver.option(40, 0);
    long ceBytes = sender.onOption(option);
    assertEquals((long) m * MSS, ceBytes, "ECEB: the CE payload bytes");
    assertEquals(
        m,
        sender.onAck(ace, ceBytes, packets, (long) packets * MSS, MSS),
        "the option's bytes settle the ACE's wraps");
  }

  @Property
  void optionField_deltaMod2To24_readsBackSigned(
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int kept,
      @ForAll @IntRange(min = -(1 << 23), max = (1 << 23) - 1) int delta) {
    int field = (int) ((kept + (long) delta + AccEcn.BYTES_INIT) & 0xffffff);
    assertEquals(delta, AccEcn.fieldDelta(field, AccEcn.BYTES_INIT, kept));
  }
}
