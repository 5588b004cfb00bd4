package dev.synack.cli;

import dev.synack.link.Link;
import dev.synack.link.PcapTap;
import dev.synack.stack.HostConfig;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options {@code serve} and {@code connect} share: the link the host stands on (exactly one
 * kind, see {@link Choice}), synack's own address, an impairment of the path, and the trace and
 * pcap outputs.
 */
final class LinkOptions {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Choice choice;

  @Option(
      names = "--addr",
      required = true,
      paramLabel = "IP",
      description = "synack's own IP address on the link")
  String addr;

  @Mixin ImpairmentOptions impairment;

  @Option(
      names = "--trace",
      paramLabel = "FILE.jsonl",
      description = "write the trace as JSON lines")
  Path traceFile;

  @Option(
      names = "--pcap",
      paramLabel = "FILE.pcap",
      description = "write every packet sent and received as pcap")
  Path pcapFile;

  /** The kinds of link; picocli fills exactly one field. */
  static final class Choice {
    @ArgGroup(
        exclusive = false,
        multiplicity = "1",
        order = 1,
        heading =
            "The link, one of: a TUN device, the kernel on the other side (root or a persistent device)%n")
    TunLinkOptions tun;

    @ArgGroup(
        exclusive = false,
        multiplicity = "1",
        order = 2,
        heading = "or a UDP tunnel to another synack (no privileges)%n")
    UdpLinkOptions udp;

    LinkKind chosen() {
      return tun != null ? tun : udp;
    }
  }

  /**
   * Checks the values for a host playing {@code role} and returns synack's address; a bad value is
   * a {@link Main.UsageError}.
   */
  InetAddress check(LinkKind.Role role) {
    InetAddress address = AddressArguments.literal("--addr", addr);
    choice.chosen().check(address, role);
    impairment.check();
    return address;
  }

  /**
   * Returns one line saying what the impairment did to the packets so far; null when there is none.
   */
  String impairmentReport() {
    return impairment.report();
  }

  /**
   * Returns a future completed with one line when the link's peer says nothing listens at its
   * address (a UDP tunnel's ICMP port unreachable); never completed for a TUN device.
   */
  java.util.concurrent.CompletableFuture<String> peerUnreachable() {
    return choice.udp != null
        ? choice.udp.peerUnreachable()
        : new java.util.concurrent.CompletableFuture<>();
  }

  /** Returns where the link leads, for one line of output. */
  String describe() {
    return choice.chosen().describe();
  }

  /**
   * Opens the link and its host as {@link #open} does, or writes the one line saying why not to
   * {@code err} and returns null; the link's notes (errors of the moment, a device reopened) go to
   * {@code err} too, one line each.
   */
  LinkHost openOrReport(String name, InetAddress address, PrintWriter err) {
    return openOrReport(name, address, err, TraceSink.NONE);
  }

  /**
   * Opens the link and its host as {@link #openOrReport(String, InetAddress, PrintWriter)} does,
   * its trace fed to {@code also} too.
   */
  LinkHost openOrReport(String name, InetAddress address, PrintWriter err, TraceSink also) {
    try {
      return open(
          name,
          address,
          also,
          line -> {
            err.println(line);
            err.flush();
          });
    } catch (IOException e) {
      err.println(e.getMessage());
      return null;
    }
  }

  /**
   * Opens the link (impaired when asked), the pcap and trace outputs, and starts a host named
   * {@code name} with {@code address} on it, whose loop gives {@code notes} a line when the link
   * fails and when it works again.
   *
   * @throws IOException with one line saying what is wrong (no privilege, a busy device or port, an
   *     output that cannot be written)
   */
  LinkHost open(String name, InetAddress address, Consumer<String> notes) throws IOException {
    return open(name, address, TraceSink.NONE, notes);
  }

  /**
   * Opens the link and its host as {@link #open(String, InetAddress, Consumer)} does, its trace fed
   * to {@code also} too.
   */
  LinkHost open(String name, InetAddress address, TraceSink also, Consumer<String> notes)
      throws IOException {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Link link = choice.chosen().open(notes);
      opened.add(link);
      link = impairment.wrap(link);
      opened.set(0, link);
      if (pcapFile != null) {
        // Outside the impairment: the capture shows what the host sent and what reached it.
        Link inner = link;
        link = output(pcapFile, () -> PcapTap.open(inner, pcapFile));
        opened.set(0, link);
      }
      TraceSink trace = TraceSink.NONE;
      Writer traceWriter = null;
      if (traceFile != null) {
        traceWriter =
            output(traceFile, () -> Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8));
        opened.add(traceWriter);
        trace = new JsonLinesSink(traceWriter);
      }
      trace = TraceSink.both(trace, also);
      HostConfig config = HostConfig.defaults(new SecureRandom().nextLong()).withMtu(link.mtu());
      return traceWriter == null
          ? LinkHost.start(name, link, address, config, trace, notes)
          : LinkHost.start(name, link, address, config, trace, notes, traceWriter);
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
      String why =
          e instanceof NoSuchFileException
              ? "no such directory"
              : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
      throw new IOException("synack: cannot write " + file + ": " + why, e);
    }
  }
}
