package dev.synack.stack;

/**
 * What a host does with a SYN that no connection or listener takes: the embedder's decision, made
 * now or later (gVisor's {@code tcp.Forwarder} handler). A forwarder opens its own connection to
 * the SYN's destination and answers once it knows whether that worked.
 *
 * <p>The host holds the SYN until the answer ({@link HeldSyn#accept}, {@link HeldSyn#refuse},
 * {@link HeldSyn#drop} or {@link HeldSyn#unreachable}); the peer's retransmissions of it are
 * absorbed meanwhile. At most {@link HostConfig#heldSynLimit()} SYNs are held at once; a SYN beyond
 * that is dropped and counted ({@code syn-held-limit}), and the peer retransmits it.
 */
@FunctionalInterface
public interface SynPolicy {
  /**
   * Hears of a new SYN. Called on the host's thread, inside {@code handlePacket}; the answer may be
   * given in the call or any time later on the same thread.
   */
  void decide(HeldSyn syn, long now);
}
