package dev.synack.wire;

import java.util.List;
import java.util.StringJoiner;

/**
 * The options of one TCP header, in wire order, with accessors for the ones the engine uses.
 *
 * @param list every option as it appears on the wire, padding NOPs and EOL included
 */
public record TcpOptions(List<TcpOption> list) {
  /** No options. */
  public static final TcpOptions NONE = new TcpOptions(List.of());

  public TcpOptions {
    list = List.copyOf(list);
  }

  /** Returns options holding the given ones, in that order. */
  public static TcpOptions of(TcpOption... options) {
    return new TcpOptions(List.of(options));
  }

  /** Returns the number of bytes the options take, before padding to a multiple of four. */
  public int encodedLength() {
    int n = 0;
    for (TcpOption o : list) n += o.encodedLength();
    return n;
  }

  /** Returns the MSS option's value, or -1 when there is none. */
  public int mss() {
    for (TcpOption o : list) if (o instanceof TcpOption.MaximumSegmentSize m) return m.mss();
    return -1;
  }

  /** Returns the window scale option's shift count, or -1 when there is none. */
  public int windowScale() {
    for (TcpOption o : list) if (o instanceof TcpOption.WindowScale w) return w.shiftCount();
    return -1;
  }

  /** Returns whether SACK-permitted is present. */
  public boolean sackPermitted() {
    for (TcpOption o : list) if (o instanceof TcpOption.SackPermitted) return true;
    return false;
  }

  /** Returns the SACK blocks, empty when there is no SACK option. */
  public List<SackBlock> sackBlocks() {
    for (TcpOption o : list) if (o instanceof TcpOption.Sack s) return s.blocks();
    return List.of();
  }

  /** Returns the timestamps option, or {@code null} when there is none. */
  public TcpOption.Timestamps timestamps() {
    for (TcpOption o : list) if (o instanceof TcpOption.Timestamps t) return t;
    return null;
  }

  /** Returns the AccECN option (RFC 9768 §3.2.3), or {@code null} when absent. */
  public TcpOption.AccEcn accEcn() {
    for (TcpOption o : list) if (o instanceof TcpOption.AccEcn a) return a;
    return null;
  }

  /**
   * Returns the Fast Open option (RFC 7413 §4.1.1, either form), or {@code null} when there is
   * none.
   */
  public TcpOption.FastOpen fastOpen() {
    for (TcpOption o : list) if (o instanceof TcpOption.FastOpen f) return f;
    return null;
  }

  /** Returns whether there are no options. */
  public boolean isEmpty() {
    return list.isEmpty();
  }

  /**
   * Returns the options as tcpdump prints them, comma-separated, e.g. {@code mss 1460,sackOK,TS val
   * 1 ecr 0,nop,wscale 7}; empty when there are none. This is the {@code options} field of trace
   * events and of {@code synack decode --json}.
   */
  public String describe() {
    StringJoiner j = new StringJoiner(",");
    for (TcpOption o : list) j.add(o.describe());
    return j.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
