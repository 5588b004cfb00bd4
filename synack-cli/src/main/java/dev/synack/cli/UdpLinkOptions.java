package dev.synack.cli;

import dev.synack.link.Link;
import dev.synack.link.UdpLink;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * A UDP tunnel to another synack: each IP packet travels in one UDP datagram between {@code --udp}
 * here and {@code --peer} there. Needs no privileges. A server may leave the peer out: the first
 * host to send becomes its peer for the life of the tunnel.
 */
final class UdpLinkOptions implements LinkKind {
  @Option(
      names = "--udp",
      required = true,
      paramLabel = "LOCAL_ADDR:PORT",
      description =
          "a UDP tunnel to another synack, IP packets sent from and received at this address (port 0: any)")
  String local;

  @Option(
      names = "--peer",
      paramLabel = "REMOTE_ADDR:PORT",
      description =
          "the other synack's --udp address (serve without it answers the first to send, and names once"
              + " each other sender it ignores; connect stops at once when nothing listens there)")
  String peer;

  private InetSocketAddress localEndpoint;

  /** The peer once checked; null when it is to be learnt from the first datagram. */
  private InetSocketAddress peerEndpoint;

  private UdpLink opened;

  /**
   * Completed with one line when the peer answers with ICMP port unreachable (nothing listens
   * there).
   */
  private final CompletableFuture<String> peerUnreachable = new CompletableFuture<>();

  @Override
  public void check(InetAddress address, Role role) {
    localEndpoint = AddressArguments.endpoint("--udp", local, 0);
    if (peer == null) {
      if (role == Role.CLIENT) {
        throw new Main.UsageError(
            "--udp needs --peer REMOTE_ADDR:PORT, the other synack's --udp address");
      }
      return;
    }
    peerEndpoint = AddressArguments.endpoint("--peer", peer, 1);
    // One socket speaks one IP version (UdpLink opens it for the local address's family).
    if ((peerEndpoint.getAddress() instanceof Inet4Address)
        != (localEndpoint.getAddress() instanceof Inet4Address)) {
      throw new Main.UsageError(
          "--udp " + local + " and --peer " + peer + " are not of one IP version");
    }
  }

  @Override
  public Link open(Consumer<String> notes) throws IOException {
    try {
      opened = UdpLink.open(localEndpoint, peerEndpoint);
    } catch (BindException e) {
      throw new IOException("synack: cannot use UDP " + local + ": " + e.getMessage(), e);
    }
    UdpLink link = opened;
    // Once per sender, rate-limited by the link: a stranger's datagrams are dropped, and the user
    // learns whose.
    link.onIgnoredSender(
        from ->
            notes.accept(
                "synack: ignoring UDP datagrams from "
                    + text(from)
                    + " (the tunnel's peer is "
                    + text(link.peer())
                    + ")"));
    link.onPeerUnreachable(
        to ->
            peerUnreachable.complete(
                "UDP peer "
                    + text(to)
                    + " answered ICMP port unreachable: no synack listens there (is serve --udp running?)"));
    return opened;
  }

  /**
   * Returns a future completed with one line when the fixed peer answers with ICMP port
   * unreachable.
   */
  CompletableFuture<String> peerUnreachable() {
    return peerUnreachable;
  }

  @Override
  public String describe() {
    InetSocketAddress here = localEndpoint;
    InetSocketAddress there = peerEndpoint;
    if (opened != null) {
      there = opened.peer();
      try {
        here = opened.localAddress(); // With the port the kernel picked for port 0.
      } catch (IOException e) {
        // Closed already: the address as given says enough.
      }
    }
    return "UDP " + text(here) + " <-> " + (there == null ? "the first to send" : text(there));
  }

  private static String text(InetSocketAddress endpoint) {
    return Addresses.endpoint(endpoint.getAddress(), endpoint.getPort());
  }
}
