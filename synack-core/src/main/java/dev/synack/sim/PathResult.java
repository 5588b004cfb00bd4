package dev.synack.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link PathExperiment} measured.
 *
 * @param path the path
 * @param bytes bytes the client was to send
 * @param delivered bytes the server read
 * @param completed whether every byte was read within the experiment's time limit
 * @param durationNanos virtual time from the client's SYN to the server reading the last byte
 * @param slowStartEndNanos when slow start ended: the start of the first round trip in which the
 *     bytes delivered grew by less than a quarter over the round trip before (exponential growth
 *     over; the path full, a loss, or a window limit)
 * @param goodputAfterSlowStart bits per second read by the server from {@code slowStartEndNanos} to
 *     the end
 * @param linkUtilisation fraction of the bottleneck's capacity the data direction carried on the
 *     wire (headers, retransmissions and all) from {@code slowStartEndNanos} to the end
 * @param segmentsSent data segments the client sent, resent ones included
 * @param retransmissions data segments the client sent again (their start below the highest byte
 *     already sent)
 * @param perRoundTrip bits per second read by the server in each round trip from the SYN on
 * @param dataLink the data direction's counters (packets, drops by reason)
 * @param queueDelayMedianNanos the median time data packets waited in the bottleneck queue, from
 *     {@code slowStartEndNanos} on
 * @param queueDelayPerRoundTrip the mean time data packets delivered in each round trip waited in
 *     the queue, in ms
 * @param inFlightMedianBytes the median of the bytes in flight (highest sent − highest
 *     acknowledged) as each data segment left, from {@code slowStartEndNanos} on
 */
public record PathResult(
    PathConfig path,
    long bytes,
    long delivered,
    boolean completed,
    long durationNanos,
    long slowStartEndNanos,
    double goodputAfterSlowStart,
    double linkUtilisation,
    long segmentsSent,
    long retransmissions,
    List<Double> perRoundTrip,
    LinkStats dataLink,
    long queueDelayMedianNanos,
    List<Double> queueDelayPerRoundTrip,
    long inFlightMedianBytes) {

  public PathResult {
    perRoundTrip = List.copyOf(perRoundTrip);
    queueDelayPerRoundTrip = List.copyOf(queueDelayPerRoundTrip);
  }

  /** Returns the goodput over the whole transfer, SYN to last byte, in bits per second. */
  public double goodput() {
    return durationNanos == 0 ? 0 : delivered * 8e9 / durationNanos;
  }

  /** Returns the result as lines of text. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("path: " + path + " (BDP " + path.bdpBytes() + " B)");
    lines.add(
        String.format(
            Locale.ROOT,
            "%d of %d bytes in %.3f s%s: goodput %.3f Mbit/s",
            delivered,
            bytes,
            durationNanos / 1e9,
            completed ? "" : " (NOT COMPLETED)",
            goodput() / 1e6));
    lines.add(
        String.format(
            Locale.ROOT,
            "after slow start (from %.3f s): goodput %.3f Mbit/s, link %.1f %% full",
            slowStartEndNanos / 1e9,
            goodputAfterSlowStart / 1e6,
            linkUtilisation * 100));
    lines.add(
        String.format(
            Locale.ROOT,
            "%d data segments sent, %d retransmitted (%.2f %%), %d dropped %s",
            segmentsSent,
            retransmissions,
            segmentsSent == 0 ? 0.0 : 100.0 * retransmissions / segmentsSent,
            dataLink.droppedTotal(),
            dataLink.dropped()));
    lines.add(
        String.format(
            Locale.ROOT,
            "after slow start: median queue delay %.3f ms, median in flight %d B (%.2f BDP)",
            queueDelayMedianNanos / 1e6,
            inFlightMedianBytes,
            path.bdpBytes() == 0 ? 0.0 : (double) inFlightMedianBytes / path.bdpBytes()));
    return lines;
  }
}
