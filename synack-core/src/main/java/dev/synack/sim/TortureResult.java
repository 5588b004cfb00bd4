package dev.synack.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one torture run did and whether it passed.
 *
 * @param parameters the run's parameters (its seed among them)
 * @param passed whether every check held
 * @param reason why it failed, every failed check separated by "; ", or "ok"
 * @param virtualNanos virtual time from the first SYN to the last thing that happened
 * @param steps steps the network took, a measure of the work the run cost
 * @param bytesToServer bytes the server read
 * @param bytesToClient bytes the client read
 * @param clientToServer what the link from the client to the server did
 * @param serverToClient what the link from the server to the client did
 * @param caughtAtServer corrupted packets the server dropped (a checksum or a header check caught
 *     them)
 * @param caughtAtClient corrupted packets the client dropped
 */
public record TortureResult(
    TortureParameters parameters,
    boolean passed,
    String reason,
    long virtualNanos,
    long steps,
    long bytesToServer,
    long bytesToClient,
    LinkStats clientToServer,
    LinkStats serverToClient,
    long caughtAtServer,
    long caughtAtClient) {

  /** Returns the run's seed. */
  public long seed() {
    return parameters.seed();
  }

  /** Returns the run as lines of text: parameters, then what happened, then the verdict. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>(parameters.describe());
    lines.add(
        "client>server: "
            + traffic(clientToServer, caughtAtServer)
            + "; server read "
            + bytesToServer
            + " B");
    lines.add(
        "server>client: "
            + traffic(serverToClient, caughtAtClient)
            + "; client read "
            + bytesToClient
            + " B");
    lines.add(
        String.format(Locale.ROOT, "virtual time %.3f s, %d steps", virtualNanos / 1e9, steps));
    lines.add(passed ? "PASS" : "FAIL: " + reason);
    return lines;
  }

  private static String traffic(LinkStats s, long caught) {
    return s.sent()
        + " packets sent, "
        + s.delivered()
        + " delivered, "
        + s.droppedTotal()
        + " dropped "
        + s.dropped()
        + ", "
        + s.duplicated()
        + " duplicated, "
        + s.reordered()
        + " reordered, "
        + s.corrupted()
        + " corrupted ("
        + caught
        + " caught)";
  }
}
