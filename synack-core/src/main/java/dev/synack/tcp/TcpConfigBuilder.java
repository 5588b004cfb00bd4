package dev.synack.tcp;

import java.time.Duration;

/**
 * The one place a {@link TcpConfig} is made: settings set one by one, then checked together by
 * {@link #build()}. Start from {@link TcpConfig#builder()} (the Linux-like defaults of {@link
 * TcpConfig#defaults()}) or from {@link TcpConfig#toBuilder()}. Each setter is named after the
 * {@code withX} method of {@link TcpConfig} that calls it, and the accessor of that name documents
 * the value. A builder is for one thread; the configurations it builds never change.
 */
public final class TcpConfigBuilder implements Cloneable {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  /** Stands for a null {@link Duration} given to a setter; {@link #build()} reports it. */
  private static final long NULL_DURATION = Long.MIN_VALUE;

  // The defaults, as TcpConfig.defaults() lists them. TcpConfig reads these fields of its own
  // private copy, which nothing changes after build().
  int mss = 1460;
  boolean mssOption = true;
  boolean windowScale = true;
  int windowScaleShift = 7;
  boolean sackPermitted = true;
  boolean timestamps = true;
  int timestampOffset;
  long msl = 30 * S;
  long finWait2Timeout = 60 * S;
  int synRetries = 6;
  int synAckRetries = 5;
  int retries2 = 15;
  long initialRto = 1 * S;
  long minRto = 200 * MS;
  long maxRto = 120 * S;
  long rtoSlop;
  long userTimeout;
  long establishmentTimeout;
  int challengeAckLimit = 1000;
  boolean rfc1337 = true;
  int receiveBuffer = 128 * 1024;
  int sendBuffer = 128 * 1024;
  IsnGenerator isnGenerator = new IsnGenerator(new byte[16]);
  String congestionControl = "cubic";
  boolean rack = true;
  boolean tsoDeferral;
  boolean noDelay;
  int maxSendBuffer = 4 << 20;
  TcpChoices choices = TcpChoices.defaults();
  boolean delayedAck = true;
  long delayedAckTimeout = 40 * MS;
  boolean receiveBufferAutoTuning = true;
  int receiveBufferMax = 6 * 1024 * 1024;
  boolean keepAlive;
  long keepAliveIdle = 7200 * S;
  long keepAliveInterval = 75 * S;
  int keepAliveCount = 9;
  int ecn = TcpConfig.ECN_ANSWER;
  int accEcnOption = 2;
  int accEcnBeacon = 3;
  Lesson lesson = Lesson.NONE;
  boolean pacing;
  int initialCwnd = 10;
  int slowStartAckLimit;
  int mtuProbing = TcpConfig.MTU_PROBING_BLACK_HOLE;
  int baseMss = 1024;
  long notSentLowat = 0xffff_ffffL;

  TcpConfigBuilder() {}

  /** Sets {@link TcpConfig#mss()}, 1 to 65535. */
  public TcpConfigBuilder mss(int mss) {
    this.mss = mss;
    return this;
  }

  /** Sets {@link TcpConfig#mssOption()}. */
  public TcpConfigBuilder mssOption(boolean on) {
    this.mssOption = on;
    return this;
  }

  /** Sets {@link TcpConfig#windowScale()} and its shift count, 0 to 14. */
  public TcpConfigBuilder windowScale(boolean on, int shift) {
    this.windowScale = on;
    this.windowScaleShift = shift;
    return this;
  }

  /** Sets {@link TcpConfig#sackPermitted()}. */
  public TcpConfigBuilder sackPermitted(boolean on) {
    this.sackPermitted = on;
    return this;
  }

  /** Sets {@link TcpConfig#timestamps()} and the clock's offset. */
  public TcpConfigBuilder timestamps(boolean on, int offset) {
    this.timestamps = on;
    this.timestampOffset = offset;
    return this;
  }

  /** Sets {@link TcpConfig#msl()}, positive. */
  public TcpConfigBuilder msl(Duration msl) {
    this.msl = nanos(msl);
    return this;
  }

  /** Sets {@link TcpConfig#lesson()}, not null. */
  public TcpConfigBuilder lesson(Lesson lesson) {
    this.lesson = lesson;
    return this;
  }

  /** Sets {@link TcpConfig#finWait2Timeout()}, positive. */
  public TcpConfigBuilder finWait2Timeout(Duration timeout) {
    this.finWait2Timeout = nanos(timeout);
    return this;
  }

  /** Sets the retry limits of {@link TcpConfig#synRetries()} and the next two, each 0 to 255. */
  public TcpConfigBuilder retries(int synRetries, int synAckRetries, int retries2) {
    this.synRetries = synRetries;
    this.synAckRetries = synAckRetries;
    this.retries2 = retries2;
    return this;
  }

  /** Sets the RTO bounds; {@link #build()} requires {@code 0 < min <= initial <= max}. */
  public TcpConfigBuilder rto(Duration initial, Duration min, Duration max) {
    this.initialRto = nanos(initial);
    this.minRto = nanos(min);
    this.maxRto = nanos(max);
    return this;
  }

  /** Sets {@link TcpConfig#rtoSlop()}, {@link Duration#ZERO} for none. */
  public TcpConfigBuilder rtoSlop(Duration slop) {
    this.rtoSlop = slop.toNanos();
    return this;
  }

  /** Sets {@link TcpConfig#establishmentTimeout()}, {@link Duration#ZERO} for off. */
  public TcpConfigBuilder establishmentTimeout(Duration timeout) {
    this.establishmentTimeout = timeout.toNanos();
    return this;
  }

  /** Sets {@link TcpConfig#userTimeout()}, {@link Duration#ZERO} for off. */
  public TcpConfigBuilder userTimeout(Duration timeout) {
    this.userTimeout = timeout.toNanos();
    return this;
  }

  /** Sets {@link TcpConfig#challengeAckLimit()}, at least 1 a second. */
  public TcpConfigBuilder challengeAckLimit(int perSecond) {
    this.challengeAckLimit = perSecond;
    return this;
  }

  /** Sets {@link TcpConfig#rfc1337()}. */
  public TcpConfigBuilder rfc1337(boolean on) {
    this.rfc1337 = on;
    return this;
  }

  /**
   * Sets both buffer sizes, 1 byte to 1 GiB each; the send buffer then stays at its size, as a size
   * set explicitly is not tuned (Linux's {@code SO_SNDBUF} locks it).
   */
  public TcpConfigBuilder buffers(int receive, int send) {
    this.receiveBuffer = receive;
    this.sendBuffer = send;
    this.maxSendBuffer = send;
    return this;
  }

  /** Sets {@link TcpConfig#receiveBufferAutoTuning()} and its maximum, 1 byte to 1 GiB. */
  public TcpConfigBuilder receiveBufferAutoTuning(boolean on, int max) {
    this.receiveBufferAutoTuning = on;
    this.receiveBufferMax = max;
    return this;
  }

  /** Sets keep-alive on or off and its timing (positive durations, a count of 1 to 127). */
  public TcpConfigBuilder keepAlive(boolean on, Duration idle, Duration interval, int count) {
    this.keepAlive = on;
    this.keepAliveIdle = nanos(idle);
    this.keepAliveInterval = nanos(interval);
    this.keepAliveCount = count;
    return this;
  }

  /** Sets keep-alive on or off, its timing unchanged. */
  public TcpConfigBuilder keepAlive(boolean on) {
    this.keepAlive = on;
    return this;
  }

  /** Sets {@link TcpConfig#isnGenerator()}, not null. */
  public TcpConfigBuilder isnGenerator(IsnGenerator generator) {
    this.isnGenerator = generator;
    return this;
  }

  /** Sets {@link TcpConfig#pacing()}. */
  public TcpConfigBuilder pacing(boolean on) {
    this.pacing = on;
    return this;
  }

  /** Sets {@link TcpConfig#initialCwnd()}, 0 (RFC 6928's bound) or 1 to 1024 segments. */
  public TcpConfigBuilder initialCwnd(int segments) {
    this.initialCwnd = segments;
    return this;
  }

  /** Sets {@link TcpConfig#slowStartAckLimit()}, 0 (none) or 1 to 1024 segments. */
  public TcpConfigBuilder slowStartAckLimit(int segments) {
    this.slowStartAckLimit = segments;
    return this;
  }

  /** Sets {@link TcpConfig#congestionControl()}, one of {@link TcpConfig#congestionControls()}. */
  public TcpConfigBuilder congestionControl(String name) {
    this.congestionControl = name;
    return this;
  }

  /** Sets {@link TcpConfig#accEcnOption()} (0, 1 or 2) and its beacon (0 to 255). */
  public TcpConfigBuilder accEcnOption(int option, int beacon) {
    this.accEcnOption = option;
    this.accEcnBeacon = beacon;
    return this;
  }

  /** Sets {@link TcpConfig#notSentLowat()}, 1 to 0xffffffff bytes. */
  public TcpConfigBuilder notSentLowat(long bytes) {
    this.notSentLowat = bytes;
    return this;
  }

  /** Sets {@link TcpConfig#ecn()}, 0 to 5. */
  public TcpConfigBuilder ecn(int mode) {
    this.ecn = mode;
    return this;
  }

  /** Sets {@link TcpConfig#rack()}. */
  public TcpConfigBuilder rack(boolean on) {
    this.rack = on;
    return this;
  }

  /** Sets {@link TcpConfig#tsoDeferral()}. */
  public TcpConfigBuilder tsoDeferral(boolean on) {
    this.tsoDeferral = on;
    return this;
  }

  /** Sets {@link TcpConfig#maxSendBuffer()}, from the send buffer's size to 1 GiB. */
  public TcpConfigBuilder maxSendBuffer(int max) {
    this.maxSendBuffer = max;
    return this;
  }

  /** Sets {@link TcpConfig#noDelay()}. */
  public TcpConfigBuilder noDelay(boolean on) {
    this.noDelay = on;
    return this;
  }

  /** Sets {@link TcpConfig#choices()}, not null. */
  public TcpConfigBuilder choices(TcpChoices choices) {
    this.choices = choices;
    return this;
  }

  /** Sets {@link TcpConfig#delayedAck()} and its timeout, over 0 and under 500 ms. */
  public TcpConfigBuilder delayedAck(boolean on, Duration timeout) {
    this.delayedAck = on;
    this.delayedAckTimeout = nanos(timeout);
    return this;
  }

  /** Sets {@link TcpConfig#mtuProbing()}, 0 to 2. */
  public TcpConfigBuilder mtuProbing(int mode) {
    this.mtuProbing = mode;
    return this;
  }

  /** Sets {@link TcpConfig#baseMss()}, 48 to 65535. */
  public TcpConfigBuilder baseMss(int mss) {
    this.baseMss = mss;
    return this;
  }

  /**
   * Returns the configuration set so far, after checking every value.
   *
   * @throws IllegalArgumentException naming the first value out of range, and the value
   */
  public TcpConfig build() {
    check();
    return new TcpConfig(copy());
  }

  /** Returns a copy of this builder, which the copy's changes do not reach. */
  TcpConfigBuilder copy() {
    try {
      // A shallow copy is whole: every field is a primitive or refers to an immutable object.
      return (TcpConfigBuilder) super.clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  private void check() {
    if (mss < 1 || mss > 0xffff) fail("mss out of range 1..65535: " + mss);
    if (windowScaleShift < 0 || windowScaleShift > 14)
      fail("window scale shift out of range 0..14: " + windowScaleShift);
    positive("msl", msl);
    if (lesson == null) fail("lesson is null");
    positive("finWait2Timeout", finWait2Timeout);
    for (int n : new int[] {synRetries, synAckRetries, retries2}) {
      if (n < 0 || n > 255) fail("retry count out of range 0..255: " + n);
    }
    positive("initialRto", initialRto);
    positive("minRto", minRto);
    positive("maxRto", maxRto);
    if (minRto > initialRto || initialRto > maxRto) {
      fail(
          "need minRto <= initialRto <= maxRto: "
              + show(minRto)
              + ", "
              + show(initialRto)
              + ", "
              + show(maxRto));
    }
    if (rtoSlop < 0) fail("rtoSlop is negative: " + show(rtoSlop));
    if (establishmentTimeout < 0)
      fail("establishmentTimeout is negative: " + show(establishmentTimeout));
    if (userTimeout < 0) fail("userTimeout is negative: " + show(userTimeout));
    if (challengeAckLimit < 1) fail("challengeAckLimit must be at least 1: " + challengeAckLimit);
    for (int n : new int[] {receiveBuffer, sendBuffer}) {
      if (n < 1 || n > (1 << 30)) fail("buffer size out of range 1..2^30: " + n);
    }
    if (receiveBufferMax < 1 || receiveBufferMax > (1 << 30))
      fail("receiveBufferMax out of range 1..2^30: " + receiveBufferMax);
    positive("keepAliveIdle", keepAliveIdle);
    positive("keepAliveInterval", keepAliveInterval);
    if (keepAliveCount < 1 || keepAliveCount > 127)
      fail("keepAliveCount out of range 1..127: " + keepAliveCount);
    if (isnGenerator == null) fail("isnGenerator is null");
    if (congestionControl == null || !CongestionControl.NAMES.contains(congestionControl)) {
      fail(
          "unknown congestion control "
              + congestionControl
              + ", expected one of "
              + CongestionControl.NAMES);
    }
    if (initialCwnd < 0 || initialCwnd > 1024)
      fail("initialCwnd out of range 0..1024 segments: " + initialCwnd);
    if (slowStartAckLimit < 0 || slowStartAckLimit > 1024)
      fail("slowStartAckLimit out of range 0..1024 segments: " + slowStartAckLimit);
    if (accEcnOption < 0 || accEcnOption > 2)
      fail("AccECN option mode must be 0, 1 or 2: " + accEcnOption);
    if (accEcnBeacon < 0 || accEcnBeacon > 255)
      fail("AccECN option beacon out of range 0..255: " + accEcnBeacon);
    if (notSentLowat < 1 || notSentLowat > 0xffff_ffffL)
      fail("notSentLowat out of range 1..2^32-1: " + notSentLowat);
    if (ecn < TcpConfig.ECN_OFF || ecn > TcpConfig.ECN_ACCECN_ANSWER)
      fail("ecn mode must be 0 to 5: " + ecn);
    if (maxSendBuffer < sendBuffer || maxSendBuffer > (1 << 30))
      fail("max send buffer out of range " + sendBuffer + "..2^30: " + maxSendBuffer);
    if (choices == null) fail("choices is null");
    positive("delayedAckTimeout", delayedAckTimeout);
    if (delayedAckTimeout >= 500 * MS) {
      fail(
          "delayedAckTimeout must be under 500 ms (RFC 1122 §4.2.3.2): " + show(delayedAckTimeout));
    }
    if (mtuProbing < TcpConfig.MTU_PROBING_OFF || mtuProbing > TcpConfig.MTU_PROBING_ALWAYS)
      fail("mtu probing mode out of range 0..2: " + mtuProbing);
    if (baseMss < 48 || baseMss > 0xffff) fail("base mss out of range 48..65535: " + baseMss);
  }

  private static long nanos(Duration d) {
    return d == null ? NULL_DURATION : d.toNanos();
  }

  /** Shows a duration as the caller gave it: {@code PT0.2S}, or {@code null}. */
  private static String show(long nanos) {
    return nanos == NULL_DURATION ? "null" : Duration.ofNanos(nanos).toString();
  }

  private static void positive(String name, long nanos) {
    if (nanos <= 0) fail(name + " must be positive: " + show(nanos));
  }

  private static void fail(String message) {
    throw new IllegalArgumentException(message);
  }
}
