package dev.synack.cli;

import dev.synack.link.KernelInterface;
import dev.synack.link.Link;
import dev.synack.link.ReopeningLink;
import dev.synack.link.TunLink;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * A TUN device: the Linux kernel is the host on the other side. Needs CAP_NET_ADMIN to create the
 * device or give it an address, or a device made persistent for the user.
 *
 * <p>The device is opened as the bench opens it, with checksum and segmentation offload ({@link
 * TunLink#openWithOffloads}), or without and a note saying why; and it is reopened, and configured
 * again, if it is deleted while synack runs ({@link ReopeningLink}).
 */
final class TunLinkOptions implements LinkKind {
  @Option(
      names = "--tun",
      required = true,
      paramLabel = "NAME",
      description =
          "a TUN device, the kernel on the other side: attached to if it exists, created if not")
  String device;

  @Option(
      names = "--host-addr",
      paramLabel = "IP/PREFIX",
      description =
          "give the kernel's side of the TUN device this address and bring it up (else do it with ip);"
              + " twice for one IPv4 and one IPv6 address")
  List<String> hostAddrs = new ArrayList<>();

  /**
   * The kernel side's addresses and prefix lengths once checked (one per IP version at most); empty
   * when synack is not to set them.
   */
  private final List<InetAddress> hostAddresses = new ArrayList<>();

  private final List<Integer> prefixLengths = new ArrayList<>();

  /** The device opened last, for {@link #describe}; null before {@link #open}. */
  private volatile TunLink opened;

  @Override
  public void check(InetAddress address, Role role) {
    checkAlone();
    if (hostAddresses.isEmpty()) return;
    int i = 0;
    while (i < hostAddresses.size()
        && (hostAddresses.get(i) instanceof Inet4Address) != (address instanceof Inet4Address)) i++;
    if (i == hostAddresses.size()) {
      throw new Main.UsageError(
          "--addr "
              + address.getHostAddress()
              + " and --host-addr "
              + String.join(", ", hostAddrs)
              + " are not of one IP version");
    }
    InetAddress hostAddress = hostAddresses.get(i);
    if (hostAddress.equals(address)) {
      throw new Main.UsageError(
          "--addr and --host-addr must differ: the kernel and synack are two hosts");
    }
    if (!samePrefix(hostAddress, address, prefixLengths.get(i))) {
      throw new Main.UsageError(
          "--addr "
              + address.getHostAddress()
              + " is outside --host-addr "
              + hostAddrs.get(i)
              + ": the kernel would not route to it through the device");
    }
  }

  /**
   * Checks the device name and {@code --host-addr} by themselves, for a command with no address of
   * its own ({@code forward}).
   */
  void checkAlone() {
    try {
      TunLink.checkName(device);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError("--tun: " + e.getMessage().replaceFirst("^synack: ", ""));
    }
    hostAddresses.clear();
    prefixLengths.clear();
    for (String hostAddr : hostAddrs) {
      int slash = hostAddr.indexOf('/');
      if (slash < 0)
        throw new Main.UsageError("--host-addr needs a prefix length, as 10.0.0.1/24: " + hostAddr);
      InetAddress host = AddressArguments.literal("--host-addr", hostAddr.substring(0, slash));
      int max = host instanceof Inet4Address ? 32 : 128;
      int prefix;
      try {
        prefix = Integer.parseInt(hostAddr.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > max) {
        throw new Main.UsageError("--host-addr prefix length must be 0.." + max + ": " + hostAddr);
      }
      for (InetAddress other : hostAddresses) {
        if ((other instanceof Inet4Address) == (host instanceof Inet4Address)) {
          throw new Main.UsageError(
              "--host-addr is given twice for IP"
                  + (host instanceof Inet4Address ? "v4" : "v6")
                  + ": one IPv4 and one IPv6 address at most");
        }
      }
      hostAddresses.add(host);
      prefixLengths.add(prefix);
    }
  }

  /**
   * Opens the device, configuring the kernel's side when asked; reopens it the same way if it is
   * deleted.
   */
  @Override
  public Link open(Consumer<String> notes) throws IOException {
    return ReopeningLink.open(() -> openDevice(notes));
  }

  /**
   * Opens the device inside network namespace {@code ns} ({@code forward --netns}), and reopens it
   * there too if it is deleted, while the caller's sockets stay where they are.
   */
  Link openIn(dev.synack.link.NetworkNamespace ns, Consumer<String> notes) throws IOException {
    return ReopeningLink.open(() -> ns.call(() -> openDevice(notes)));
  }

  /**
   * Opens {@code queues} queues of the device ({@code forward --loops}; multiqueue, {@link
   * TunLink#openQueues}), inside {@code ns} when it is not null, and configures the kernel's side
   * when asked. A device that cannot have several queues gives one, and {@code notes} hears why.
   * The queues are not reopened if the device is deleted.
   */
  List<TunLink> openQueues(dev.synack.link.NetworkNamespace ns, int queues, Consumer<String> notes)
      throws IOException {
    TunLink.Queues opened =
        ns == null ? openQueuesHere(queues) : ns.call(() -> openQueuesHere(queues));
    if (opened.note() != null) notes.accept(opened.note());
    TunLink first = opened.links().get(0);
    if (first.offloadNote() != null) notes.accept(first.offloadNote());
    this.opened = first;
    return opened.links();
  }

  private TunLink.Queues openQueuesHere(int queues) throws IOException {
    TunLink.Queues q = TunLink.openQueues(device, 0, queues);
    try {
      TunLink first = q.links().get(0);
      configureKernelSide(first.name());
      checkMtu(first);
      return q;
    } catch (IOException | RuntimeException e) {
      for (TunLink t : q.links()) t.close();
      throw e;
    }
  }

  /**
   * Opens the device with offloads if it can (else notes why not), and configures the kernel's side
   * when asked.
   */
  private TunLink openDevice(Consumer<String> notes) throws IOException {
    TunLink tun = TunLink.openWithOffloads(device, 0);
    try {
      if (tun.offloadNote() != null) notes.accept(tun.offloadNote());
      configureKernelSide(tun.name());
      checkMtu(tun);
      opened = tun;
      return tun;
    } catch (IOException | RuntimeException e) {
      tun.close();
      throw e;
    }
  }

  /** Refuses a device whose MTU is below 576. */
  private static void checkMtu(TunLink tun) throws IOException {
    // RFC 791: every IPv4 host must take a 576-byte datagram; a smaller device MTU breaks TCP's
    // MSS.
    if (tun.mtu() < 576) {
      throw new IOException(
          "synack: the MTU of "
              + tun.name()
              + " is "
              + tun.mtu()
              + "; IPv4 hosts need at least 576 (ip link set "
              + tun.name()
              + " mtu 1500)");
    }
  }

  /**
   * Gives the kernel's side of device {@code name} its address and brings it up, when {@code
   * --host-addr} asks.
   */
  void configureKernelSide(String name) throws IOException {
    if (hostAddresses.isEmpty()) return;
    for (int i = 0; i < hostAddresses.size(); i++) {
      KernelInterface.addAddress(name, hostAddresses.get(i), prefixLengths.get(i));
    }
    KernelInterface.up(name);
  }

  @Override
  public String describe() {
    TunLink tun = opened;
    return tun == null ? "TUN " + device : "TUN " + tun.name() + ", " + tun.mode();
  }

  private static boolean samePrefix(InetAddress a, InetAddress b, int prefix) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) return false;
    }
    return true;
  }
}
