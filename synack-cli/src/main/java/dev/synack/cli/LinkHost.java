package dev.synack.cli;

import dev.synack.link.Link;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * A synack host with one address on one link, run by its own event loop: what {@code serve} and
 * {@code connect} stand on, and what the interop tests build on a link of their choosing.
 */
final class LinkHost implements AutoCloseable {
  private final HostDriver driver;
  private final InetAddress address;

  /** Closed after the loop has stopped, in reverse order: the outputs the loop wrote to. */
  private final List<AutoCloseable> afterwards;

  private boolean closed;

  private LinkHost(HostDriver driver, InetAddress address, List<AutoCloseable> afterwards) {
    this.driver = driver;
    this.address = address;
    this.afterwards = afterwards;
  }

  /**
   * Starts a host named {@code name} with {@code address} on {@code link}; the host owns the link
   * from now on, and closes it and then {@code afterwards} when closed.
   */
  static LinkHost start(
      String name,
      Link link,
      InetAddress address,
      HostConfig config,
      TraceSink trace,
      AutoCloseable... afterwards) {
    Host host = new Host(name, config, trace);
    host.addAddress(address);
    return new LinkHost(new HostDriver(host, link), address, List.of(afterwards));
  }

  /**
   * Starts a host as {@link #start(String, Link, InetAddress, HostConfig, TraceSink,
   * AutoCloseable...)} does, whose loop gives {@code notes} one line when the link starts failing
   * and one when it works again (a device taken down and up, deleted and reopened).
   */
  static LinkHost start(
      String name,
      Link link,
      InetAddress address,
      HostConfig config,
      TraceSink trace,
      Consumer<String> notes,
      AutoCloseable... afterwards) {
    Host host = new Host(name, config, trace);
    host.addAddress(address);
    return new LinkHost(new HostDriver(host, link, notes), address, List.of(afterwards));
  }

  /** Returns the event loop; calls on the host go through it. */
  HostDriver driver() {
    return driver;
  }

  /** Returns the host; touch it only from tasks given to the driver. */
  Host host() {
    return driver.host();
  }

  /** Returns the host's address. */
  InetAddress address() {
    return address;
  }

  /**
   * Returns the message of what stopped the loop when it stopped by itself (its link closed under
   * it), or null.
   */
  String failure() {
    Throwable t = driver.failure();
    if (t == null) return null;
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  /** Stops the loop (closing the link), then closes the outputs; twice does nothing. */
  @Override
  public synchronized void close() throws Exception {
    if (closed) return;
    closed = true;
    Exception first = null;
    try {
      driver.close();
    } catch (Exception e) {
      first = e;
    }
    for (AutoCloseable c : afterwards.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) first = e;
      }
    }
    if (first != null) throw first;
  }
}
