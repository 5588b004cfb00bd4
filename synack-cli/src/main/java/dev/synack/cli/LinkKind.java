package dev.synack.cli;

import dev.synack.link.Link;
import java.io.IOException;
import java.net.InetAddress;
import java.util.function.Consumer;

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
   * Opens the link (after {@link #check}), giving {@code notes} one line for what the user should
   * know but need not act on (offloads the kernel refused, say).
   *
   * @throws IOException with one line saying what is wrong (no privilege, a busy device or port)
   */
  Link open(Consumer<String> notes) throws IOException;

  /**
   * Returns where the opened link leads and how, for one line of output: "TUN synack0, checksum and
   * segmentation offload", "UDP a:p <-> b:q".
   */
  String describe();
}
