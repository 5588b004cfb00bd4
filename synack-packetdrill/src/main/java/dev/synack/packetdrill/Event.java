package dev.synack.packetdrill;

import java.util.List;

/**
 * One line of a script that does something at a time: a packet, a system call, a shell command or
 * Python code.
 */
sealed interface Event {
  /** Returns when the event happens. */
  EventTime time();

  /** Returns the script line the event starts on, from 1. */
  int line();

  /** Returns the event's text as written, without its time. */
  String text();

  /** A packet the script injects ({@code <}) or expects the stack to send ({@code >}). */
  record Packet(EventTime time, int line, String text, ScriptPacket packet) implements Event {}

  /**
   * A system call and what it must return: {@code connect(3, ..., ...) = -1 EINPROGRESS (...)}.
   *
   * @param name the call's name
   * @param args its arguments
   * @param result the expected return value
   * @param errno the expected errno name when the call fails, else null
   * @param end for a blocking call written {@code start...end}, when it must return; else null
   */
  record Syscall(
      EventTime time,
      int line,
      String text,
      String name,
      List<Expr> args,
      Expr result,
      String errno,
      EventTime end)
      implements Event {}

  /** A shell command in backquotes: {@code `sysctl -w net.inet.tcp.sack.enable=1`}. */
  record Command(EventTime time, int line, String text, String command) implements Event {}

  /** Python code between {@code %{} and {@code }%}, run against the socket's TCP_INFO. */
  record Code(EventTime time, int line, String text, String code) implements Event {}
}
