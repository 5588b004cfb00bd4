package dev.synack.link;

import java.lang.reflect.InvocationTargetException;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own {@link SelectorProvider}, the kernel's sockets, even in a JVM whose provider is
 * synack's ({@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.synack.nio.SynackSelectorProvider}): the UDP tunnel
 * must reach the real network, and synack's provider hands UDP and pipes to it. The JDK keeps that
 * provider in {@code sun.nio.ch}, so such a JVM needs {@code --add-exports
 * java.base/sun.nio.ch=ALL-UNNAMED} ({@code synack run} adds it).
 */
public final class PlatformChannels {
  private static final String SYNACK_PROVIDER = "dev.synack.nio.SynackSelectorProvider";

  private PlatformChannels() {}

  /**
   * Returns the JDK's provider.
   *
   * @throws UnsupportedOperationException with one line saying which flag is missing, when the
   *     JVM's provider is synack's and {@code sun.nio.ch} is not exported
   */
  public static SelectorProvider provider() {
    SelectorProvider p = SelectorProvider.provider();
    if (!p.getClass().getName().equals(SYNACK_PROVIDER)) return p;
    return Holder.PLATFORM;
  }

  /** Looked up once, on first use. */
  private static final class Holder {
    static final SelectorProvider PLATFORM = lookUp();

    private static SelectorProvider lookUp() {
      try {
        return (SelectorProvider)
            Class.forName("sun.nio.ch.DefaultSelectorProvider").getMethod("get").invoke(null);
      } catch (ClassNotFoundException
          | NoSuchMethodException
          | IllegalAccessException
          | InvocationTargetException
          | IllegalAccessError e) {
        throw new UnsupportedOperationException(
            "synack: the JDK's own sockets are needed beside synack's provider: "
                + "start java with --add-exports java.base/sun.nio.ch=ALL-UNNAMED ("
                + e
                + ")");
      }
    }
  }
}
