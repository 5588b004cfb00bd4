package dev.synack.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * The TCP control bits (RFC 9293 §3.1, with CWR and ECE from RFC 3168 and AE from RFC 9768 §3.2.1,
 * the low bit of the header's byte 12), as bits of an {@code int}.
 *
 * <p>Flags are kept as a bit set rather than an {@code EnumSet} so that a parsed segment keeps
 * every combination seen on the wire, odd ones included (SYN+FIN, RST+SYN...), and RFC 9293 can say
 * what to do with each.
 */
public final class TcpFlags {
  public static final int FIN = 0x01;
  public static final int SYN = 0x02;
  public static final int RST = 0x04;
  public static final int PSH = 0x08;
  public static final int ACK = 0x10;
  public static final int URG = 0x20;
  public static final int ECE = 0x40;
  public static final int CWR = 0x80;

  /**
   * Accurate ECN (RFC 9768 §3.2.1): the formerly reserved bit beside the data offset, above CWR in
   * the ACE field.
   */
  public static final int AE = 0x100;

  /** The ACE field of AccECN (RFC 9768 §3.2.1): AE, CWR and ECE as one 3-bit counter. */
  public static final int ACE = AE | CWR | ECE;

  /**
   * Order of names in traces and JSON, the order of the header's bits from the most significant.
   */
  private static final int[] BITS = {AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN};

  private static final String[] NAMES = {
    "AE", "CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"
  };

  private TcpFlags() {}

  /** Returns whether every bit of {@code mask} is set in {@code flags}. */
  public static boolean has(int flags, int mask) {
    return (flags & mask) == mask;
  }

  /**
   * Returns the names of the bits set, e.g. {@code ["ACK", "SYN"]}, as the trace's {@code flags}
   * list.
   */
  public static List<String> names(int flags) {
    List<String> names = new ArrayList<>(2);
    for (int i = 0; i < BITS.length; i++) {
      if ((flags & BITS[i]) != 0) {
        names.add(NAMES[i]);
      }
    }
    return names;
  }

  /** Returns the flags of the given names ("SYN", "ACK"...); unknown names throw. */
  public static int parse(List<String> names) {
    int flags = 0;
    for (String name : names) {
      int i = List.of(NAMES).indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException("unknown TCP flag: " + name);
      }
      flags |= BITS[i];
    }
    return flags;
  }

  /**
   * Returns the flags the way tcpdump prints them: {@code S} SYN, {@code F} FIN, {@code R} RST,
   * {@code P} PSH, {@code U} URG, {@code E} ECE, {@code W} CWR, {@code e} AE, {@code .} ACK, {@code
   * none} when no bit is set.
   */
  public static String tcpdump(int flags) {
    StringBuilder b = new StringBuilder(4);
    if ((flags & SYN) != 0) b.append('S');
    if ((flags & FIN) != 0) b.append('F');
    if ((flags & RST) != 0) b.append('R');
    if ((flags & PSH) != 0) b.append('P');
    if ((flags & URG) != 0) b.append('U');
    if ((flags & ECE) != 0) b.append('E');
    if ((flags & CWR) != 0) b.append('W');
    if ((flags & AE) != 0) b.append('e');
    if ((flags & ACK) != 0) b.append('.');
    return b.isEmpty() ? "none" : b.toString();
  }

  /**
   * Returns the ACE field (RFC 9768 §3.2.1) of {@code flags}: AE, CWR and ECE read as a number from
   * 0 to 7.
   */
  public static int ace(int flags) {
    return (flags & ACE) >>> 6;
  }

  /** Returns {@code flags} with its ACE field (RFC 9768 §3.2.1) set to {@code ace} mod 8. */
  public static int withAce(int flags, int ace) {
    return (flags & ~ACE) | ((ace & 7) << 6);
  }
}
