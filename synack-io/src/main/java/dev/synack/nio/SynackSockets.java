package dev.synack.nio;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/**
 * Puts {@code java.net.Socket} and {@code ServerSocket} made with {@code new} on synack, through
 * the JDK's {@link Socket#setSocketImplFactory} and {@link ServerSocket#setSocketFactory}
 * (deprecated since JDK 17, still honoured by JDK 25): each socket opens on the host {@link
 * HostScope} gives for the thread that creates it. The factories can be set once per JVM, before
 * the program makes its first socket, so {@code synack run} starts programs through {@link #main},
 * which installs them and then calls the program's own {@code main}.
 *
 * <p>What cannot be had this way: datagram sockets ({@code DatagramSocket} and {@code
 * MulticastSocket} take no factory since JDK 15 — use {@code DatagramChannel}), urgent data, and
 * sockets a library makes through a {@code SocketImpl} of its own.
 */
public final class SynackSockets {
  private static boolean installed;

  private SynackSockets() {}

  /**
   * Makes every {@code new Socket()} and {@code new ServerSocket()} of this JVM synack's from now
   * on; a second call does nothing.
   *
   * @throws IOException when another factory was set first
   */
  @SuppressWarnings("deprecation")
  public static synchronized void install() throws IOException {
    if (installed) return;
    SynackSelectorProvider provider = new SynackSelectorProvider();
    Socket.setSocketImplFactory(() -> new SynackSocketImpl(provider, false));
    ServerSocket.setSocketFactory(() -> new SynackSocketImpl(provider, true));
    installed = true;
  }

  /**
   * Installs the factories, then runs the program: {@code args[0]} is its main class, the rest its
   * arguments.
   */
  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      System.err.println("usage: dev.synack.nio.SynackSockets MAIN-CLASS [ARGS...]");
      System.exit(2);
    }
    install();
    Class<?> main = Class.forName(args[0], true, ClassLoader.getSystemClassLoader());
    MethodHandles.publicLookup()
        .findStatic(main, "main", MethodType.methodType(void.class, String[].class))
        .invoke((Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
