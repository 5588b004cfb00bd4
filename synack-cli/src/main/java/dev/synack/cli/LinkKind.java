package dev.synack.cli;

import dev.synack.link.Link;
import java.io.IOException;
import java.net.InetAddress;

/**
 * One kind of link a synack host can stand on, as the command line chooses it: its options, how
 * they are checked, and how the link is opened. A new kind is a class implementing this and one
 * field in {@link LinkOptions.Choice}.
 */
sealed interface LinkKind permits TunLinkOptions, UdpLinkOptions {
  /** Which end of the conversation the command is: whether the peer speaks first. */
  enum Role {
    /** Waits for the peer to open connections ({@code serve}). */
    SERVER,
    /** Opens the connection itself ({@code connect}): it must know where the peer is. */
    CLIENT
  }

  /**
   * Checks this kind's options for a host with {@code address} playing {@code role}; a bad value is
   * a {@link Main.UsageError}.
   */
  void check(InetAddress address, Role role);

  /**
   * Opens the link (after {@link #check}).
   *
   * @throws IOException with one line saying what is wrong (no privilege, a busy device or port)
   */
  Link open() throws IOException;

  /** Returns where the opened link leads, for one line of output: "TUN synack0", "UDP a:p <-> b:q". */
  String describe();
}
