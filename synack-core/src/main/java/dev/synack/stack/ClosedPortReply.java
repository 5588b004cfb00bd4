package dev.synack.stack;

import dev.synack.tcp.Lesson;
import dev.synack.tcp.TcpChoices;
import dev.synack.tcp.TcpConnection;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;

/**
 * What a host answers to a segment that no connection owns: RFC 9293 §3.10.7.1 for a port in the
 * CLOSED state, and the RST and ACK checks of §3.10.7.2 for a listener's port. The RST itself is
 * built by the engine's {@link TcpConnection#resetFor}, the one place that rule is written.
 */
final class ClosedPortReply {
  private ClosedPortReply() {}

  /**
   * Returns the RST for a segment that reached a CLOSED port, or null for a RST (never answered).
   */
  static TcpSegment forClosed(TcpSegment seg) {
    return TcpConnection.resetFor(seg);
  }

  /**
   * Returns the RST for a segment that reached a CLOSED port, or null: a RST is never answered, and
   * in the lesson of a two-message handshake neither is a SYN-ACK (the articles' client "will not
   * heed" a confirmation it did not ask for).
   */
  static TcpSegment forClosed(TcpSegment seg, Lesson lesson) {
    if (lesson == Lesson.TWO_MESSAGE_HANDSHAKE && seg.has(TcpFlags.SYN | TcpFlags.ACK)) return null;
    return forClosed(seg);
  }

  /**
   * Returns the RST for a non-SYN segment that reached a listening port, or null when it is only
   * dropped. §3.10.7.2: "an incoming RST should be ignored"; "any acknowledgment is bad if it
   * arrives on a connection still in the LISTEN state. An acceptable reset segment should be formed
   * for any arriving ACK-bearing segment: {@code <SEQ=SEG.ACK><CTL=RST>}"; other segments are
   * dropped ("Fourth, other data or control"). A SYN-ACK is dropped too when the listener's choices
   * say so ({@link TcpChoices#synAckToListenerDropped}, FreeBSD's answer).
   */
  static TcpSegment forListen(TcpSegment seg, TcpChoices choices) {
    if (choices.synAckToListenerDropped()
        && seg.has(TcpFlags.SYN | TcpFlags.ACK)
        && !seg.has(TcpFlags.RST)) return null;
    return seg.has(TcpFlags.ACK) ? TcpConnection.resetFor(seg) : null;
  }
}
