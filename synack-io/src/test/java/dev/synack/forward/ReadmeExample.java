package dev.synack.forward;

import dev.synack.link.Link;
import dev.synack.link.TunLink;
import java.io.IOException;

/**
 * The Java example of the README's "Forward a namespace's traffic", compiled by the build; {@link
 * ForwarderTest} runs it on a TUN descriptor and checks that the README shows these lines.
 */
final class ReadmeExample {
  private ReadmeExample() {}

  /** What Android's {@code ParcelFileDescriptor} gives the example. */
  interface ParcelFileDescriptor {
    int detachFd();
  }

  static Forwarder start(ParcelFileDescriptor vpnInterface) throws IOException {
    // README begin
    Link tun = TunLink.fromDescriptor(vpnInterface.detachFd(), 1500); // or TunLink.open("synack0")
    Forwarder forwarder = Forwarder.start(tun, ForwarderOptions.defaults());
    // README end
    return forwarder;
  }
}
