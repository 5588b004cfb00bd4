package dev.synack.tcp;

/**
 * What packetization-layer path MTU discovery (RFC 4821, RFC 8899) is doing on a connection, as
 * {@link TcpInfo} shows it: Linux keeps the same in {@code icsk_mtup} but shows only {@code
 * tcpi_pmtu}; synack shows the search too.
 *
 * @param state {@link #OFF} ({@code tcp_mtu_probing} = 0), {@link #WAITING} (on, for a black hole
 *     to start the search), {@link #SEARCHING}, {@link #PROBING} (a probe is in flight) or {@link
 *     #COMPLETE} (the bounds are closer than {@code tcp_probe_threshold}; a new search starts 600 s
 *     after the last began)
 * @param searchLow the largest MTU shown to work (RFC 8899's PLPMTU), 0 before a search
 * @param searchHigh the largest MTU not yet shown to fail, 0 before a search
 * @param probeSize the MTU of the probe in flight, 0 for none
 */
public record Plpmtud(String state, int searchLow, int searchHigh, int probeSize) {
  public static final String OFF = "off";
  public static final String WAITING = "waiting";
  public static final String SEARCHING = "searching";
  public static final String PROBING = "probing";
  public static final String COMPLETE = "complete";
  static final Plpmtud OFF_INFO = new Plpmtud(OFF, 0, 0, 0);
  static final Plpmtud WAITING_INFO = new Plpmtud(WAITING, 0, 0, 0);
}
