package dev.synack.cli;

import dev.synack.link.KernelInterface;
import dev.synack.link.Link;
import dev.synack.link.PcapTap;
import dev.synack.link.TunLink;
import dev.synack.stack.HostConfig;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.Writer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options {@code serve} and {@code connect} share: the TUN device, synack's address on it, the
 * kernel side's address when synack is to set it, and the trace and pcap outputs.
 */
final class TunOptions {
  @Option(names = "--tun", required = true, paramLabel = "NAME",
      description = "the TUN device: attached to if it exists, created if not")
  String tun;

  @Option(names = "--addr", required = true, paramLabel = "IP", description = "synack's own address on the device")
  String addr;

  @Option(names = "--host-addr", paramLabel = "IP/PREFIX",
      description = "give the kernel's side of the device this address and bring it up (else do it with ip)")
  String hostAddr;

  @Option(names = "--trace", paramLabel = "FILE.jsonl", description = "write the trace as JSON lines")
  Path traceFile;

  @Option(names = "--pcap", paramLabel = "FILE.pcap", description = "write every packet sent and received as pcap")
  Path pcapFile;

  /** The options checked: synack's address, and the kernel side's (null when not asked). */
  record Checked(String device, InetAddress address, InetAddress hostAddress, int prefixLength) {}

  /** Checks the values; a bad one is a {@link Main.UsageError}. */
  Checked check() {
    try {
      TunLink.checkName(tun);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError("--tun: " + e.getMessage().replaceFirst("^synack: ", ""));
    }
    InetAddress address = literal("--addr", addr);
    if (hostAddr == null) return new Checked(tun, address, null, 0);
    int slash = hostAddr.indexOf('/');
    if (slash < 0) throw new Main.UsageError("--host-addr needs a prefix length, as 10.0.0.1/24: " + hostAddr);
    InetAddress host = literal("--host-addr", hostAddr.substring(0, slash));
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
    if ((host instanceof Inet4Address) != (address instanceof Inet4Address)) {
      throw new Main.UsageError("--addr " + addr + " and --host-addr " + hostAddr + " are not of one IP version");
    }
    if (host.equals(address)) {
      throw new Main.UsageError("--addr and --host-addr must differ: the kernel and synack are two hosts");
    }
    if (!samePrefix(host, address, prefix)) {
      throw new Main.UsageError("--addr " + addr + " is outside --host-addr " + hostAddr
          + ": the kernel would not route to it through the device");
    }
    return new Checked(tun, address, host, prefix);
  }

  /**
   * Opens the device (configuring the kernel's side when asked), the pcap and trace outputs, and
   * starts a host named {@code name} on it.
   *
   * @throws IOException with one line saying what is wrong (no CAP_NET_ADMIN, no /dev/net/tun, a
   *     busy device, an output that cannot be written)
   */
  LinkHost open(String name, Checked checked) throws IOException {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      TunLink tunLink = TunLink.open(checked.device());
      opened.add(tunLink);
      if (checked.hostAddress() != null) {
        KernelInterface.addAddress(tunLink.name(), checked.hostAddress(), checked.prefixLength());
        KernelInterface.up(tunLink.name());
      }
      if (tunLink.mtu() < 576) {
        throw new IOException("synack: the MTU of " + tunLink.name() + " is " + tunLink.mtu()
            + "; IPv4 hosts need at least 576 (ip link set " + tunLink.name() + " mtu 1500)");
      }
      Link link = tunLink;
      if (pcapFile != null) {
        link = output(pcapFile, () -> PcapTap.open(tunLink, pcapFile));
        opened.set(0, link);
      }
      TraceSink trace = TraceSink.NONE;
      Writer traceWriter = null;
      if (traceFile != null) {
        traceWriter = output(traceFile, () -> Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8));
        opened.add(traceWriter);
        trace = new JsonLinesSink(traceWriter);
      }
      HostConfig config = HostConfig.defaults(new SecureRandom().nextLong()).withMtu(tunLink.mtu());
      return traceWriter == null ? LinkHost.start(name, link, checked.address(), config, trace)
          : LinkHost.start(name, link, checked.address(), config, trace, traceWriter);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : opened.reversed()) {
        try {
          c.close();
        } catch (Exception ignored) {
          // Already failing; the first error is the one to report.
        }
      }
      throw e;
    }
  }

  /** Something that opens an output file. */
  private interface Opener<T> {
    T open() throws IOException;
  }

  /** Opens an output file, saying in one line which file could not be written and why. */
  private static <T> T output(Path file, Opener<T> opener) throws IOException {
    try {
      return opener.open();
    } catch (IOException e) {
      String why = e instanceof NoSuchFileException ? "no such directory"
          : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
      throw new IOException("synack: cannot write " + file + ": " + why, e);
    }
  }

  /** Parses an IP address literal; host names are refused, since resolving them would ask the kernel's network. */
  static InetAddress literal(String option, String text) {
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(option + " must be an IP address, as 10.0.0.2 or fd00::2: " + text);
    }
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
