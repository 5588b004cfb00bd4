package dev.synack.tcp;

import java.util.function.Consumer;

/**
 * Where stacks answer differently and RFC 9293 allows it (or an older RFC did), as knobs of one
 * immutable value; {@link #defaults()} is synack's own answer, Linux's. Change one with a
 * {@code withX} method, which returns a copy. The other answers are FreeBSD's, so that the
 * conformance suites written for it can check the behaviour behind each choice.
 */
public final class TcpChoices {
  private OptionLayout synOptionLayout;
  private boolean synWindowRoundedToMss;
  private boolean receiveBufferRoundedUpToMss;
  private boolean receiveWindowIsBufferSpace;
  private boolean inWindowRstResets;
  private boolean inWindowSynResets;

  private TcpChoices() {}

  private TcpChoices with(Consumer<TcpChoices> change) {
    TcpChoices c = new TcpChoices();
    c.synOptionLayout = synOptionLayout;
    c.synWindowRoundedToMss = synWindowRoundedToMss;
    c.receiveBufferRoundedUpToMss = receiveBufferRoundedUpToMss;
    c.receiveWindowIsBufferSpace = receiveWindowIsBufferSpace;
    c.inWindowRstResets = inWindowRstResets;
    c.inWindowSynResets = inWindowSynResets;
    change.accept(c);
    return c;
  }

  /** Returns Linux's answers: its SYN option layout, a SYN window rounded to the MSS, buffers as set, RCV.WND as announced. */
  public static TcpChoices defaults() {
    return new TcpChoices().with(c -> {
      c.synOptionLayout = OptionLayout.LINUX;
      c.synWindowRoundedToMss = true;
    });
  }

  /** Returns how SYN and SYN-ACK options are laid out. */
  public OptionLayout synOptionLayout() { return synOptionLayout; }

  /** Returns a copy with another SYN option layout. */
  public TcpChoices withSynOptionLayout(OptionLayout layout) {
    if (layout == null) throw new IllegalArgumentException("layout is null");
    return with(c -> c.synOptionLayout = layout);
  }

  /**
   * Returns whether the window of a SYN or SYN-ACK is rounded down to a multiple of the MSS, as
   * Linux's {@code tcp_select_initial_window} does (64240 from 64 KiB for an MSS of 1460). FreeBSD
   * announces the free buffer space, at most 65535.
   */
  public boolean synWindowRoundedToMss() { return synWindowRoundedToMss; }

  /** Returns a copy that rounds the SYN window to the MSS, or not. */
  public TcpChoices withSynWindowRoundedToMss(boolean on) {
    return with(c -> c.synWindowRoundedToMss = on);
  }

  /**
   * Returns whether the receive buffer grows to a multiple of the MSS once the handshake settles
   * it, as FreeBSD's {@code tcp_mss} does with {@code so_rcv} (64 KiB becomes 65700 for an MSS of
   * 1460), so that the window holds whole segments.
   */
  public boolean receiveBufferRoundedUpToMss() { return receiveBufferRoundedUpToMss; }

  /** Returns a copy that rounds the receive buffer up to the MSS, or not. */
  public TcpChoices withReceiveBufferRoundedUpToMss(boolean on) {
    return with(c -> c.receiveBufferRoundedUpToMss = on);
  }

  /**
   * Returns whether RCV.WND, against which arriving segments are tested (RFC 9293 §3.10.7.4
   * first step), is the free buffer space even where the window field could not announce it all,
   * as FreeBSD's {@code rcv_wnd} (the larger of {@code sbspace} and what was announced): with a
   * 65700-byte buffer and no window scaling it accepts 65700 bytes though it announced 65535.
   * Linux (and synack by default) test against the window announced.
   */
  public boolean receiveWindowIsBufferSpace() { return receiveWindowIsBufferSpace; }

  /** Returns a copy that tests arriving segments against the free buffer space, or not. */
  public TcpChoices withReceiveWindowIsBufferSpace(boolean on) {
    return with(c -> c.receiveWindowIsBufferSpace = on);
  }

  /**
   * Returns whether any RST inside the receive window resets the connection, as RFC 793 said
   * (FreeBSD's {@code net.inet.tcp.insecure_rst=1}), instead of only one at exactly RCV.NXT, with
   * a challenge ACK for the others (RFC 5961 §3.2, RFC 9293 §3.10.7.4 second step; the default).
   */
  public boolean inWindowRstResets() { return inWindowRstResets; }

  /** Returns a copy that lets any in-window RST reset the connection (RFC 793), or not (RFC 5961). */
  public TcpChoices withInWindowRstResets(boolean on) {
    return with(c -> c.inWindowRstResets = on);
  }

  /**
   * Returns whether a SYN inside the receive window of a synchronized connection resets it, as
   * RFC 793 said ("If the SYN is in the window it is an error, send a reset"; FreeBSD's
   * {@code net.inet.tcp.insecure_syn=1}), instead of drawing a challenge ACK whatever its sequence
   * number (RFC 5961 §4, RFC 9293 §3.10.7.4 fourth step; the default).
   */
  public boolean inWindowSynResets() { return inWindowSynResets; }

  /** Returns a copy that lets an in-window SYN reset the connection (RFC 793), or not (RFC 5961). */
  public TcpChoices withInWindowSynResets(boolean on) {
    return with(c -> c.inWindowSynResets = on);
  }

  @Override
  public String toString() {
    return "TcpChoices[synOptions=" + synOptionLayout + ", synWindowRounded=" + synWindowRoundedToMss
        + ", rcvbufRoundedUp=" + receiveBufferRoundedUpToMss + ", rcvWndIsBufferSpace=" + receiveWindowIsBufferSpace
        + ", inWindowRstResets=" + inWindowRstResets + ", inWindowSynResets=" + inWindowSynResets + "]";
  }
}
