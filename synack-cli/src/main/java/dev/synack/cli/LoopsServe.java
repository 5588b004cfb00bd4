package dev.synack.cli;

import dev.synack.cli.serve.Server;
import dev.synack.cli.serve.Service;
import dev.synack.link.TunLink;
import dev.synack.runtime.Stack;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code synack serve --loops N}: the service on a {@link Stack} of N loops, one per queue of a
 * multiqueue TUN device, until SIGINT or SIGTERM. What the one-loop serve adds around its host (a
 * trace, a capture, an impaired path, {@code synack ss}, a device reopened when deleted) is not
 * offered here yet, and asking for it with several loops is refused.
 */
final class LoopsServe {
  private LoopsServe() {}

  /**
   * Returns the number of loops {@code --loops} asks for, or throws the usage error that says why
   * not.
   */
  static int check(int loops, LinkOptions link) {
    if (loops < 0 || loops > TunLink.MAX_QUEUES) {
      throw new Main.UsageError("--loops must be 0.." + TunLink.MAX_QUEUES + ": " + loops);
    }
    if (link.choice.tun == null)
      throw new Main.UsageError("--loops above 1 needs --tun (one queue per loop)");
    if (link.traceFile != null
        || link.pcapFile != null
        || link.impairment.loss > 0
        || link.impairment.reorder > 0
        || link.impairment.duplicate > 0) {
      throw new Main.UsageError(
          "--loops above 1 takes no --trace, --pcap, --loss, --reorder or --dup yet");
    }
    return loops == 0 ? Runtime.getRuntime().availableProcessors() : loops;
  }

  /** Serves until asked to stop; returns the exit code. */
  static int run(
      TunLinkOptions tun,
      InetAddress address,
      int loops,
      int port,
      String name,
      Service service,
      PrintWriter out,
      PrintWriter err)
      throws InterruptedException {
    Stack stack;
    try {
      stack =
          Stack.builder()
              .name("synack")
              .tun(tun.device)
              .loops(loops)
              .address(address)
              .notes(
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .build();
    } catch (IOException | IllegalArgumentException e) {
      err.println(e.getMessage());
      return 1;
    }
    try (stack) {
      TunLink first = (TunLink) stack.link(0);
      tun.configureKernelSide(first.name());
      if (stack.note() != null) err.println(stack.note());
      if (first.offloadNote() != null) err.println(first.offloadNote());
      Server server;
      try {
        server = Server.start(stack, address, port, service, line -> log(out, line));
      } catch (BindException e) {
        err.println("synack serve: port " + port + ": " + e.getMessage());
        return 1;
      }
      err.println(
          "synack serve: "
              + name
              + " on "
              + Addresses.endpoint(address, port)
              + " (TUN "
              + first.name()
              + ", "
              + first.mode()
              + ", "
              + stack.loopCount()
              + " loops); Ctrl-C stops");
      err.flush();
      CountDownLatch stopAsked = new CountDownLatch(1);
      Thread hook = new Thread(() -> stop(server, err), "synack-serve-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      StopSignals.install(stopAsked::countDown);
      while (!stopAsked.await(200, TimeUnit.MILLISECONDS)) {
        if (!stack.isRunning()) {
          StopSignals.removeShutdownHook(hook);
          err.println("synack serve: stopped: a loop ended");
          return 1;
        }
      }
      if (!StopSignals.removeShutdownHook(hook)) return 0;
      stop(server, err);
      return 0;
    } catch (IOException e) {
      err.println(e.getMessage());
      return 1;
    }
  }

  private static void stop(Server server, PrintWriter err) {
    try {
      int open = server.openConnections();
      int inOrder = server.stop(ServeCommand.STOP_GRACE);
      err.println(
          "synack serve: stopped; "
              + server.accepted()
              + " connections served, "
              + inOrder
              + " of "
              + open
              + " open ones closed in order"
              + (inOrder < open ? ", the rest reset" : ""));
    } catch (IOException e) {
      err.println("synack serve: stopping: " + e.getMessage());
    }
    err.flush();
  }

  private static void log(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
