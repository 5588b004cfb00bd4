package dev.synack.stack;

import dev.synack.tcp.TcpConfig;

/**
 * How a {@link Host} behaves. Immutable; the defaults follow Linux where RFCs leave a choice.
 *
 * @param mtu the link MTU in bytes; the MSS we announce is derived from it (RFC 9293 §3.7.1)
 * @param hopLimit TTL / hop limit of packets we send (Linux's ip_default_ttl is 64)
 * @param tcp the TCP settings every connection starts with
 * @param somaxconn upper bound of any listen backlog (Linux net.core.somaxconn, 4096)
 * @param ephemeralPortLow first port of the ephemeral range (Linux ip_local_port_range 32768)
 * @param ephemeralPortHigh last port of the ephemeral range (Linux 60999)
 * @param fragmentTimeoutNanos how long an incomplete IPv4 datagram is kept (Linux ipfrag_time, 30
 *     s)
 * @param fragmentMemoryLimit bytes all incomplete datagrams may hold together (Linux
 *     ipfrag_high_thresh, 4 MiB)
 * @param secretSeed seeds the ISN, port-selection and SYN-cookie keys (RFC 6528, RFC 6056, RFC
 *     4987); random per host in production, fixed in tests so that runs replay
 * @param synCookies when listeners answer with SYN cookies (Linux's tcp_syncookies, 1 by default)
 * @param anyDestination whether packets to any unicast address are taken in, not only to the host's
 *     own (gVisor's promiscuous NIC, smoltcp's any_ip): replies leave from the address the peer
 *     used, which is how a forwarder terminates every connection on its link
 * @param heldSynLimit how many SYNs may wait for the {@link SynPolicy}'s answer at once; more are
 *     dropped and counted ({@code syn-held-limit})
 */
public record HostConfig(
    int mtu,
    int hopLimit,
    TcpConfig tcp,
    int somaxconn,
    int ephemeralPortLow,
    int ephemeralPortHigh,
    long fragmentTimeoutNanos,
    int fragmentMemoryLimit,
    long secretSeed,
    SynCookiePolicy synCookies,
    boolean anyDestination,
    int heldSynLimit) {

  public HostConfig {
    if (mtu < 576 || mtu > 65535)
      throw new IllegalArgumentException("mtu out of range 576..65535: " + mtu);
    if (hopLimit < 1 || hopLimit > 255)
      throw new IllegalArgumentException("hop limit out of range 1..255: " + hopLimit);
    if (somaxconn < 1)
      throw new IllegalArgumentException("somaxconn must be positive: " + somaxconn);
    if (ephemeralPortLow < 1 || ephemeralPortHigh > 65535 || ephemeralPortLow > ephemeralPortHigh) {
      throw new IllegalArgumentException(
          "bad ephemeral port range: " + ephemeralPortLow + ".." + ephemeralPortHigh);
    }
    if (tcp == null) throw new IllegalArgumentException("tcp config is null");
    if (synCookies == null) throw new IllegalArgumentException("SYN cookie policy is null");
    if (heldSynLimit < 0)
      throw new IllegalArgumentException("held SYN limit is negative: " + heldSynLimit);
  }

  /** Returns Linux-like defaults with the given secret seed. */
  public static HostConfig defaults(long secretSeed) {
    return new Builder().secretSeed(secretSeed).build();
  }

  /** Returns a builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder().from(this);
  }

  /** Returns this configuration with another MTU. */
  public HostConfig withMtu(int newMtu) {
    return toBuilder().mtu(newMtu).build();
  }

  /** Returns this configuration with other TCP settings. */
  public HostConfig withTcp(TcpConfig newTcp) {
    return toBuilder().tcp(newTcp).build();
  }

  /** Returns this configuration with another somaxconn. */
  public HostConfig withSomaxconn(int newSomaxconn) {
    return toBuilder().somaxconn(newSomaxconn).build();
  }

  /** Returns this configuration with another ephemeral port range. */
  public HostConfig withEphemeralPorts(int low, int high) {
    return toBuilder().ephemeralPorts(low, high).build();
  }

  /** Returns this configuration with another SYN cookie policy. */
  public HostConfig withSynCookies(SynCookiePolicy policy) {
    return toBuilder().synCookies(policy).build();
  }

  /** Returns this configuration with any-destination mode on or off. */
  public HostConfig withAnyDestination(boolean on) {
    return toBuilder().anyDestination(on).build();
  }

  /** Returns this configuration with another bound on SYNs held for the SYN policy. */
  public HostConfig withHeldSynLimit(int limit) {
    return toBuilder().heldSynLimit(limit).build();
  }

  /**
   * The values of a {@link HostConfig} set one by one, from the defaults of {@link
   * HostConfig#defaults} or from {@link HostConfig#toBuilder()}; {@link #build()} checks them all
   * (in the record's constructor). Each setter's value is documented on the record's component.
   */
  public static final class Builder {
    private int mtu = 1500;
    private int hopLimit = 64;
    private TcpConfig tcp = TcpConfig.defaults();
    private int somaxconn = 4096;
    private int ephemeralPortLow = 32768;
    private int ephemeralPortHigh = 60999;
    private long fragmentTimeoutNanos = 30_000_000_000L;
    private int fragmentMemoryLimit = 4 << 20;
    private long secretSeed;
    private SynCookiePolicy synCookies = SynCookiePolicy.WHEN_SYN_QUEUE_FULL;
    private boolean anyDestination;
    private int heldSynLimit = 1024;

    private Builder() {}

    private Builder from(HostConfig c) {
      return mtu(c.mtu)
          .hopLimit(c.hopLimit)
          .tcp(c.tcp)
          .somaxconn(c.somaxconn)
          .ephemeralPorts(c.ephemeralPortLow, c.ephemeralPortHigh)
          .fragmentTimeoutNanos(c.fragmentTimeoutNanos)
          .fragmentMemoryLimit(c.fragmentMemoryLimit)
          .secretSeed(c.secretSeed)
          .synCookies(c.synCookies)
          .anyDestination(c.anyDestination)
          .heldSynLimit(c.heldSynLimit);
    }

    /** Sets {@link HostConfig#mtu()}. */
    public Builder mtu(int mtu) {
      this.mtu = mtu;
      return this;
    }

    /** Sets {@link HostConfig#hopLimit()}. */
    public Builder hopLimit(int hopLimit) {
      this.hopLimit = hopLimit;
      return this;
    }

    /** Sets {@link HostConfig#tcp()}. */
    public Builder tcp(TcpConfig tcp) {
      this.tcp = tcp;
      return this;
    }

    /** Sets {@link HostConfig#somaxconn()}. */
    public Builder somaxconn(int somaxconn) {
      this.somaxconn = somaxconn;
      return this;
    }

    /** Sets the ephemeral port range, {@code low} to {@code high} inclusive. */
    public Builder ephemeralPorts(int low, int high) {
      this.ephemeralPortLow = low;
      this.ephemeralPortHigh = high;
      return this;
    }

    /** Sets {@link HostConfig#fragmentTimeoutNanos()}. */
    public Builder fragmentTimeoutNanos(long nanos) {
      this.fragmentTimeoutNanos = nanos;
      return this;
    }

    /** Sets {@link HostConfig#fragmentMemoryLimit()}. */
    public Builder fragmentMemoryLimit(int bytes) {
      this.fragmentMemoryLimit = bytes;
      return this;
    }

    /** Sets {@link HostConfig#secretSeed()}. */
    public Builder secretSeed(long seed) {
      this.secretSeed = seed;
      return this;
    }

    /** Sets {@link HostConfig#synCookies()}. */
    public Builder synCookies(SynCookiePolicy policy) {
      this.synCookies = policy;
      return this;
    }

    /** Sets {@link HostConfig#anyDestination()}. */
    public Builder anyDestination(boolean on) {
      this.anyDestination = on;
      return this;
    }

    /** Sets {@link HostConfig#heldSynLimit()}. */
    public Builder heldSynLimit(int limit) {
      this.heldSynLimit = limit;
      return this;
    }

    /** Returns the configuration, after the record's constructor has checked every value. */
    public HostConfig build() {
      return new HostConfig(
          mtu,
          hopLimit,
          tcp,
          somaxconn,
          ephemeralPortLow,
          ephemeralPortHigh,
          fragmentTimeoutNanos,
          fragmentMemoryLimit,
          secretSeed,
          synCookies,
          anyDestination,
          heldSynLimit);
    }
  }
}
