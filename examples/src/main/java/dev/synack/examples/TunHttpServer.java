package dev.synack.examples;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.synack.link.KernelInterface;
import dev.synack.link.TunLink;
import dev.synack.runtime.HostDriver;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.security.SecureRandom;

/** An HTTP server on a TUN device: synack is 192.0.2.2, the kernel 192.0.2.1 (run as root). */
public final class TunHttpServer {
  public static void main(String[] args) throws IOException {
    String device = args.length > 0 ? args[0] : "synack0";
    InetAddress synack = InetAddress.ofLiteral("192.0.2.2");
    Host host = new Host("server", HostConfig.defaults(new SecureRandom().nextLong()), null);
    host.addAddress(synack);

    TunLink tun = TunLink.open(device); // creates the device, or attaches to it
    KernelInterface.addAddress(device, InetAddress.ofLiteral("192.0.2.1"), 24); // the kernel's side
    KernelInterface.up(device);
    try (HostDriver driver =
            new HostDriver(host, tun); // one thread: the link, the stack, the timers
        TcpServerSocket listener = TcpServerSocket.bind(driver, host, synack, 80, 128)) {
      System.out.println("listening on http://192.0.2.2/ (" + device + ")");
      while (true) {
        TcpSocket socket = listener.accept();
        Thread.startVirtualThread(() -> answer(socket)); // blocking calls, one virtual thread each
      }
    }
  }

  /** Reads one request and answers it with a line of text, then closes. */
  private static void answer(TcpSocket socket) {
    try (socket) {
      var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));
      String request = in.readLine();
      for (String header = request; header != null && !header.isEmpty(); header = in.readLine()) {}
      byte[] body = ("Hello from synack; you sent " + request + "\n").getBytes(US_ASCII);
      socket
          .getOutputStream()
          .write(
              ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                      + body.length
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(US_ASCII));
      socket.getOutputStream().write(body);
    } catch (IOException e) {
      System.err.println("request failed: " + e.getMessage());
    }
  }
}
