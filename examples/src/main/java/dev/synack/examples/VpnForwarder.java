package dev.synack.examples;

import dev.synack.forward.Forwarder;
import dev.synack.forward.ForwarderOptions;
import dev.synack.link.Link;
import dev.synack.link.TunLink;
import java.io.IOException;

/**
 * A VPN app's network, the way an Android {@code VpnService} gets it: the platform makes the TUN
 * device and hands the app an open descriptor ({@code ParcelFileDescriptor.detachFd()}); the app
 * starts a forwarder on it, and every connection, UDP flow and ping of the device's side goes out
 * through the app's own sockets. Here the descriptor comes as an inherited file descriptor number
 * (and the MTU the platform set); the forwarder runs until the process is stopped, then prints its
 * counters.
 */
public final class VpnForwarder {
  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 1
        || args.length > 2
        || !args[0].matches("\\d{1,9}")
        || (args.length == 2 && !args[1].matches("\\d{2,5}"))) {
      System.err.println(
          "usage: VpnForwarder FD [MTU]  (FD: an open TUN descriptor this process inherited)");
      System.exit(2);
    }
    int fd = Integer.parseInt(args[0]);
    int mtu = args.length > 1 ? Integer.parseInt(args[1]) : 1500;

    Link tun = TunLink.fromDescriptor(fd, mtu);
    Forwarder forwarder =
        Forwarder.start(tun, ForwarderOptions.defaults().withLog(System.out::println));
    System.out.println("forwarding on descriptor " + fd + "; " + forwarder.icmpNote());

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    forwarder.close();
                  } catch (IOException e) {
                    System.err.println("closing: " + e.getMessage());
                  }
                  System.out.println("stopped; " + forwarder.counters());
                }));
    Thread.currentThread().join(); // until SIGTERM or SIGINT: the app's service is stopped
  }
}
