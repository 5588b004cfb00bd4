package dev.synack.cli;

import dev.synack.link.ImpairedLink;
import dev.synack.link.ImpairedLink.Impairment;
import dev.synack.link.Link;
import java.security.SecureRandom;
import picocli.CommandLine.Option;

/**
 * A bad path on purpose, for any link: a share of the packets lost, delivered twice or delivered
 * late, in both directions, drawn from a seeded random source (see {@link ImpairedLink}).
 */
final class ImpairmentOptions {
  @Option(
      names = "--loss",
      paramLabel = "P",
      defaultValue = "0",
      description = "drop this share of the packets sent and received, 0 to <1")
  double loss;

  @Option(
      names = "--reorder",
      paramLabel = "P",
      defaultValue = "0",
      description = "hold back this share of the packets behind the next one, 0 to 1")
  double reorder;

  @Option(
      names = "--dup",
      paramLabel = "P",
      defaultValue = "0",
      description = "deliver this share of the packets twice, 0 to 1")
  double duplicate;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "seed of the impairment's random choices (default: random)")
  Long seed;

  /**
   * Returns the impairment asked for each way; a share out of range is a {@link Main.UsageError}.
   */
  Impairment check() {
    share("--loss", loss, false);
    share("--reorder", reorder, true);
    share("--dup", duplicate, true);
    return new Impairment(loss, duplicate, reorder);
  }

  /** The link made by {@link #wrap} and the seed it drew with; null while nothing is impaired. */
  private ImpairedLink impaired;

  private long seedUsed;

  /** Returns {@code link} impaired as asked, both ways; the link itself when nothing is asked. */
  Link wrap(Link link) {
    Impairment each = check();
    if (each.equals(Impairment.NONE)) return link;
    seedUsed = seed != null ? seed : new SecureRandom().nextLong();
    impaired = ImpairedLink.wrap(link, each, each, seedUsed);
    return impaired;
  }

  /**
   * Returns one line saying what the impairment did to the packets so far; null when there is none.
   */
  String report() {
    if (impaired == null) return null;
    return "impaired link (--seed "
        + seedUsed
        + "): sent "
        + text(impaired.sent())
        + "; received "
        + text(impaired.received());
  }

  private static String text(ImpairedLink.Counts c) {
    return c.packets()
        + " packets, "
        + c.dropped()
        + " dropped, "
        + c.duplicated()
        + " duplicated, "
        + c.reordered()
        + " reordered";
  }

  private static void share(String option, double p, boolean oneAllowed) {
    if (!(p >= 0 && (oneAllowed ? p <= 1 : p < 1))) {
      throw new Main.UsageError(
          option + " must be from 0 to " + (oneAllowed ? "1" : "below 1") + ": " + p);
    }
  }
}
