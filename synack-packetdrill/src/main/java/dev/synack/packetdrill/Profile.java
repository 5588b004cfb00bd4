package dev.synack.packetdrill;

import dev.synack.stack.HostConfig;
import dev.synack.tcp.OptionLayout;
import dev.synack.tcp.TcpChoices;
import dev.synack.tcp.TcpConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Whose defaults the stack runs a script with: FreeBSD's (the suites' home), Linux's (synack's own
 * defaults), or RFC 9293's letter. A profile gives the TCP settings a socket starts with, the
 * sysctl values a script does not set, and the names {@code #ifdef} sees.
 */
public enum Profile {
  /**
   * FreeBSD's choices: window scale from {@code kern.ipc.maxsockbuf} (6 for 2 MiB), 64 KiB receive
   * and 32 KiB send buffers, RTO 1 s initially, at least {@code rexmit_min} (30 ms), with the
   * {@code rexmit_slop} of 200 ms added to every RTO computed, at most 64 s; 12 retransmissions of
   * a SYN or data ({@code TCP_MAXRXTSHIFT}), 3 of a SYN-ACK ({@code SYNCACHE_MAXREXMTS});
   * keep-alive timing of 2 h, 75 s and 8 probes; a connection-establishment timer ({@code
   * keepinit}) of 75 s; and FreeBSD's answer to every {@link TcpChoices} choice: SYN options in its
   * layout, SYN window not rounded to the MSS, receive buffer rounded up to it, RCV.WND the free
   * buffer space, FIN repeated on ACKs, resets signalled in CLOSING and LAST-ACK, {@code
   * tcp_twcheck}'s TIME-WAIT, SYN+FIN taken as a SYN by a listener, SYN-ACKs to a listener dropped,
   * the ACK of wholly old segments processed, text in a SYN reaching SYN-SENT kept until
   * ESTABLISHED; its delayed ACKs ({@code DELAY_ACK} in {@code sys/netinet/tcp_input.c}: every
   * second segment from the first, no quick-ACK mode, {@code net.inet.tcp.delacktime} 40 ms) and
   * its default stack's loss recovery, RFC 6675 SACK recovery without RACK or tail loss probes
   * ({@code tcp_sack.c}; RACK-TLP is the separate {@code tcp_rack} stack, not the default).
   */
  FREEBSD(Set.of("FreeBSD")),
  /**
   * Linux 6.x's defaults, which are synack's own ({@link TcpConfig#defaults()}): window scale 7
   * ({@code tcp_select_initial_window} with {@code tcp_rmem}'s 6 MiB maximum), an initial window of
   * 10 segments ({@code TCP_INIT_CWND}), 128 KiB buffers ({@code tcp_rmem}/{@code tcp_wmem}
   * defaults as synack sizes them), quick-ACK mode and 40 ms delayed ACKs ({@code TCP_DELACK_MIN},
   * {@code tcp_incr_quickack}), RACK-TLP ({@code tcp_recovery=1}), an RTO of 1 s initially and 200
   * ms at least ({@code TCP_TIMEOUT_INIT}, {@code TCP_RTO_MIN}), 6 SYN and 5 SYN-ACK
   * retransmissions, 15 of data ({@code tcp_retries2}); and, unlike synack's defaults, a window
   * announced after reads only when it doubles ({@code tcp_cleanup_rbuf}).
   */
  LINUX(Set.of("Linux")),
  /**
   * RFC 9293 and its companions to the letter where they choose: RTO bounds of RFC 6298 (1 s, 60
   * s), an MSL of 2 minutes (§3.4.2), a RST ending TIME-WAIT (§3.10.7.4 second step; RFC 1337's
   * remedy is not part of it), text in a SYN reaching SYN-SENT kept until ESTABLISHED (§3.10.7.3
   * fourth step), and segments without the negotiated timestamps dropped (RFC 7323 §3.2).
   */
  RFC(Set.of("STANDARD"));

  /** FreeBSD's {@code TCP_MAXRXTSHIFT}: a segment (a SYN too) is retransmitted at most 12 times. */
  private static final int FREEBSD_MAX_RETRANSMISSIONS = 12;

  /**
   * FreeBSD's {@code SYNCACHE_MAXREXMTS}: the syncache resends a SYN-ACK 3 times, then forgets the
   * entry.
   */
  private static final int FREEBSD_SYNCACHE_RETRANSMISSIONS = 3;

  @SuppressWarnings("ImmutableEnumChecker") // every profile passes Set.of(...), which is immutable
  private final Set<String> defines;

  Profile(Set<String> defines) {
    this.defines = defines;
  }

  /**
   * Returns the profile of a command-line name ({@code freebsd}, {@code linux}, {@code rfc}), or
   * null.
   */
  public static Profile named(String name) {
    for (Profile p : values()) if (p.cliName().equals(name)) return p;
    return null;
  }

  /** Returns the name on the command line. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns the names {@code #ifdef} sees as defined. */
  Set<String> defines() {
    return defines;
  }

  /** Returns the host settings for a link of the given MTU; {@code seed} keys ISNs and ports. */
  HostConfig hostConfig(int mtu, long seed) {
    return HostConfig.defaults(seed).withMtu(mtu).withTcp(tcp());
  }

  /** Returns the TCP settings before any sysctl or socket option. */
  TcpConfig tcp() {
    // The kernels' own default is no PLPMTUD (Linux's tcp_mtu_probing=0, FreeBSD's
    // pmtud_blackhole_detection=0), where synack's turns black-hole detection on.
    TcpConfig linux = TcpConfig.defaults().withMtuProbing(TcpConfig.MTU_PROBING_OFF);
    return switch (this) {
      // Linux's rule for window updates after reads is not synack's default
      // (TcpChoices.windowUpdateWhenDoubled).
      case LINUX -> linux.withChoices(linux.choices().withWindowUpdateWhenDoubled(true));
      case FREEBSD ->
          linux
              // cc_newreno's slow start: an ACK grows cwnd by at most abc_l_var (2) segments per
              // segment it covers; the initial window tcp_compute_initwnd's, RFC 6928's bytes.
              .withSlowStartAckLimit(2)
              .withInitialCwnd(0)
              .withWindowScale(true, 6)
              .withBuffers(65536, 32768)
              .withRack(false)
              .withDelayedAck(true, Duration.ofMillis(40))
              .withRto(Duration.ofSeconds(1), Duration.ofMillis(30), Duration.ofSeconds(64))
              .withRtoSlop(Duration.ofMillis(200))
              .withRetries(
                  FREEBSD_MAX_RETRANSMISSIONS,
                  FREEBSD_SYNCACHE_RETRANSMISSIONS,
                  FREEBSD_MAX_RETRANSMISSIONS)
              .withKeepAlive(false, Duration.ofHours(2), Duration.ofSeconds(75), 8)
              .withEstablishmentTimeout(Duration.ofSeconds(75))
              .withChoices(
                  TcpChoices.defaults()
                      .withSynOptionLayout(OptionLayout.BSD)
                      .withSynWindowRoundedToMss(false)
                      .withReceiveBufferRoundedUpToMss(true)
                      .withReceiveWindowIsBufferSpace(true)
                      .withFinRepeatedOnAcks(true)
                      .withResetSignalledAfterClose(true)
                      .withBsdTimeWait(true)
                      .withSynFinOpensLikeSyn(true)
                      .withSynAckToListenerDropped(true)
                      .withOldDuplicateAckProcessed(true)
                      .withSynTextQueuedUntilEstablished(true)
                      .withRetransmissionsBoundedInTime(false)
                      .withBsdDelayedAck(true));
      case RFC ->
          linux
              // RFC 3465 §2.3's L of 2 segments per ACK and RFC 6928's initial window in bytes.
              .withSlowStartAckLimit(2)
              .withInitialCwnd(0)
              .withRto(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(60))
              .withMsl(Duration.ofMinutes(2))
              .withRfc1337(false)
              .withChoices(
                  TcpChoices.defaults()
                      .withSynTextQueuedUntilEstablished(true)
                      .withSegmentsWithoutTimestampsDropped(true));
    };
  }

  /** Returns the sysctl values a script starts with. */
  Sysctls sysctls() {
    return new Sysctls(this);
  }
}
