package dev.synack.runtime;

import dev.synack.link.Link;
import dev.synack.stack.Host;
import dev.synack.stack.StrayHandoff;
import dev.synack.stack.Transmit;
import dev.synack.tcp.FourTuple;
import dev.synack.wire.GsoPacket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one {@link Host} on a real {@link Link} (TUN, UDP tunnel): packets read from the link go to
 * the host, packets the host makes go to the link, and the host's deadlines fire on time.
 *
 * <p>Packets are taken in batches: one wait, then every packet already queued, up to {@link
 * #BATCH}; they go to the host straight from reused direct buffers (a TUN device reads into them
 * without a copy, and the host copies only what it keeps), and what the host answers is sent once
 * the whole batch is in, so that its output reflects all of it, and goes to the link as a batch
 * too. The host writes it straight into a direct buffer the driver lends, with a run of one
 * connection's segments as one GSO super-packet when the link has segmentation offload ({@link
 * Link#maxSegments()}; a TUN device cuts it in the kernel): no array per packet, and each payload
 * byte copied once on its way out. A link that vouches for a packet's checksums ({@link
 * Link#receiveBatch(ByteBuffer[], boolean[], long)}) spares the host verifying them.
 *
 * <p>A link error never stops the loop, as a kernel keeps its sockets while a link is down: a send
 * that fails drops its packets (TCP resends them), a receive that fails is retried after a pause
 * that grows to a second while the errors go on, and every error is counted ({@link #linkErrors})
 * and noted once per episode, when it starts and when the link works again. A link that is gone for
 * good ({@link dev.synack.link.LinkGoneException}) is waited for in the same way; wrapped in a
 * {@link dev.synack.link.ReopeningLink} it is reopened. Only a link closed under the loop stops it.
 *
 * <p>In a group of loops ({@link Stack}) each driver reads its own link (a TUN queue), and a packet
 * whose flow another loop owns ({@link Shards}) is copied onto that loop's inbox, a lock-free
 * queue, and the owner woken once per batch; the owner takes its inbox before it waits again. On a
 * link that steers flows ({@link Link#steersFlows}: a multiqueue TUN device) a TCP connection is
 * owned by the loop that read its SYN, where the kernel keeps sending the flow: TCP is handled
 * where it is read, and a segment no connection there holds goes on to the next loop ({@link
 * dev.synack.stack.StrayHandoff}), the last of which answers it.
 */
public final class HostDriver extends EventLoop {
  /** Packets taken per wait: enough to amortise a wakeup, few enough to answer soon. */
  static final int BATCH = 16;

  /**
   * SYN cookies the host may answer in a turn whose read came back full ({@link
   * Host#limitSynCookies}): a full batch means the link's queue is backed up, and under a SYN flood
   * every cookie's work and write keeps it so, while the device drops at its tail the connections'
   * ACKs and data behind the flood. A quarter of a batch still lets new clients in. Only when the
   * link cannot shed SYNs before its queue ({@link SynShedding#cookieLimit}).
   */
  static final int COOKIES_PER_FULL_BATCH = BATCH / 4;

  /** Bytes the host may write a batch of packets into. */
  private static final int SEND_AREA = 256 * 1024;

  private final Host host;
  private final Link link;
  private final ByteBuffer[] receiveBuffers;

  /** Whether the link vouched for the checksums of each packet of the batch received. */
  private final boolean[] checksumUnnecessary = new boolean[BATCH];

  /**
   * Where the host writes the packets it answers with, one after another, lent to it ({@link
   * Host#pollTransmit(long, ByteBuffer, int, Transmit)}) and sent together: room for a batch of 64
   * full packets at MTU 1500, or three 64 KiB super-packets, with 64 KiB to spare.
   */
  private final ByteBuffer sendArea = ByteBuffer.allocateDirect(SEND_AREA);

  /** Views of {@link #sendArea}, one per packet of a batch, made once and moved over it. */
  private final ByteBuffer[] sendBuffers = new ByteBuffer[64];

  /** Each packet's segment size, 0 for a whole packet ({@link Transmit#segmentSize()}). */
  private final int[] segmentSizes = new int[64];

  /** What the host says it wrote; refilled for every packet. */
  private final Transmit transmit = new Transmit();

  /**
   * How many SYNs the link sheds before its queue under a flood; only loop 0 of a group decides, as
   * a TUN device's filter is one for all its queues (the device spreads flows over its queues by
   * hash, so loop 0's share of the flood and its capacity stand for each loop's). Loop thread only.
   */
  private final SynShedding shedding;

  /** {@link #shedding}'s shift, published for other threads. */
  private volatile int shedShift;

  /**
   * Whether {@link #shedding}'s link refused to shed, published for the group's other loops: they
   * then limit the cookies of their full batches themselves.
   */
  private volatile boolean shedRefused;

  /** The link's errors, counted and noted; loop thread only, but for its snapshot. */
  private final LinkTrouble trouble;

  /**
   * Set by {@link #wakeup()} and cleared once the loop has noticed; closes the race of a pause
   * after a failed receive.
   */
  private volatile boolean woken;

  /**
   * Whether the loop waits in the link, or is about to (it checks for work after setting this):
   * only then does {@link #wakeup()} signal the link, a system call each; a loop that runs or
   * busy-polls sees the work itself.
   */
  private volatile boolean parked;

  /**
   * When the loop's wait in its link ends at the latest, in loop time: a caller that claimed the
   * waiting loop and made an earlier deadline wakes it.
   */
  private volatile long waitUntil;

  /** The busy-poll before the loop waits in the link; loop thread only. */
  private final BusyPoll busyPoll;

  /** Polls the link once without waiting, for {@link #busyPoll}; made once. */
  private final java.util.function.BooleanSupplier pollOnce = this::pollOnce;

  /** Packets the last {@link #pollOnce} took, or -1 when the link failed; loop thread only. */
  private int polled;

  /** Wake-ups that signalled the link, and those spared because the loop was not waiting. */
  private volatile long linkWakeups;

  private volatile Thread loopThread;

  /** Packets other loops of the group read for this one; many producers, this loop the consumer. */
  private final ConcurrentLinkedQueue<HandedOver> inbox = new ConcurrentLinkedQueue<>();

  /**
   * The group's shards and loops, and this loop's index in them; null and 0 for a loop alone. Set
   * before start.
   */
  private Shards shards;

  private HostDriver[] group;
  private int index;

  /**
   * Which loops of the group were handed packets this batch and are to be woken; loop thread only.
   */
  private boolean[] toWake;

  /** Packets handed to other loops, and taken from them; loop thread only but for reading. */
  private volatile long handedOut;

  private volatile long handedIn;

  /** SYNs handed to the loop holding their 4-tuple ({@link #handSyn}); loop thread but reading. */
  private volatile long synsHandedToOwner;

  /** Packets read from this loop's own link (its TUN queue); loop thread only but for reading. */
  private volatile long packetsRead;

  /**
   * Whether the link steers flows ({@link Link#steersFlows}): TCP is then handled on the loop that
   * read it, and a segment no connection here holds goes on to the next loop ({@link #handStray}).
   */
  private boolean tcpWhereRead;

  /**
   * Loops the packet being handled from the inbox has been handed through (0 for one read here);
   * loop thread only.
   */
  private int hops;

  /**
   * A packet read on another loop of the group, copied, with what its link vouched for and how many
   * loops handed it on.
   */
  private record HandedOver(byte[] packet, boolean checksumUnnecessary, int hops) {}

  /**
   * Starts a driver thread for {@code host} on {@code link}; the driver owns both from now on. Link
   * errors are noted on the {@code System.Logger} named after this class.
   */
  public HostDriver(Host host, Link link) {
    this(
        host,
        link,
        note ->
            System.getLogger(HostDriver.class.getName()).log(System.Logger.Level.WARNING, note));
  }

  /**
   * Starts a driver thread for {@code host} on {@code link}, as {@link #HostDriver(Host, Link)},
   * giving {@code notes} one line when a run of link errors starts and one when it ends (called on
   * the loop thread).
   */
  public HostDriver(Host host, Link link, Consumer<String> notes) {
    this(host, link, notes, "synack-" + host.name());
    start();
  }

  /**
   * Makes a driver without starting it: a loop of a group, started once the whole group is made.
   */
  HostDriver(Host host, Link link, Consumer<String> notes, String threadName) {
    this(host, link, notes, threadName, BusyPoll.LOOP_BUDGET_NANOS);
  }

  /**
   * Makes a driver without starting it, busy-polling its link for up to {@code busyPollNanos}
   * before it waits (0: never).
   */
  HostDriver(Host host, Link link, Consumer<String> notes, String threadName, long busyPollNanos) {
    super(threadName);
    this.busyPoll = new BusyPoll(busyPollNanos, System::nanoTime);
    this.host = host;
    this.link = link;
    this.trouble = new LinkTrouble(link.toString(), notes);
    this.shedding = new SynShedding(link);
    // A packet longer than its buffer would be cut: each holds the largest IPv4 packet, or the MTU
    // if larger.
    int size = Math.max(link.mtu(), 65535);
    this.receiveBuffers = new ByteBuffer[BATCH];
    for (int i = 0; i < BATCH; i++) receiveBuffers[i] = ByteBuffer.allocateDirect(size);
    for (int i = 0; i < sendBuffers.length; i++) sendBuffers[i] = sendArea.duplicate();
  }

  /**
   * Makes this driver loop {@code index} of {@code loops}, sharded by {@code shards}; before it
   * starts.
   */
  void joinGroup(Shards shards, HostDriver[] loops, int index, HeldFlows flows) {
    this.shards = shards;
    this.group = loops;
    this.index = index;
    this.toWake = new boolean[loops.length];
    host.setReassembledHandoff(this::handReassembled);
    this.tcpWhereRead = link.steersFlows();
    if (tcpWhereRead) {
      host.setStrayHandoff(
          new StrayHandoff() {
            @Override
            public boolean handOff(ByteBuffer datagram, long now) {
              return handStray(datagram);
            }

            @Override
            public boolean handOffSyn(FourTuple id, ByteBuffer datagram, long now) {
              return handSyn(flows.ownerOf(id), datagram);
            }

            @Override
            public void held(FourTuple id) {
              flows.held(id, index);
            }

            @Override
            public void released(FourTuple id) {
              flows.released(id, index);
            }
          });
    }
  }

  /**
   * Hands a SYN to loop {@code owner} (-1: none), which holds its 4-tuple: the device moved the
   * flow to this loop's queue, and a second connection here would answer the peer with a second
   * handshake. False when no other loop holds it, or it has been handed through every loop.
   */
  @SuppressWarnings(
      "NonAtomicVolatileUpdate") // one writer (the loop thread); other threads only read the count
  private boolean handSyn(int owner, ByteBuffer datagram) {
    if (owner < 0 || owner == index || hops >= group.length - 1) return false;
    byte[] copy = new byte[datagram.remaining()];
    datagram.get(datagram.position(), copy);
    group[owner].handOver(copy, true, hops + 1);
    toWake[owner] = true;
    handedOut++;
    synsHandedToOwner++;
    return true;
  }

  /** Returns how many SYNs this loop read for a 4-tuple another loop holds and handed to it. */
  long synsHandedToOwner() {
    return synsHandedToOwner;
  }

  /** Returns the loop that must handle {@code packet}, or {@link Shards#ANY} for this one. */
  private int ownerOf(ByteBuffer packet) {
    return tcpWhereRead ? shards.ofArrival(packet) : shards.ofPacket(packet);
  }

  /**
   * Hands a TCP segment (or an ICMP error about one) that this loop's host holds no connection for
   * to the next loop of the group, which may: the device put it on another queue than its SYN's
   * (the flow left the kernel's flow table, or it is the answer to an active open). After every
   * other loop has had it, the last one answers it as a host alone would (a RST). Loop thread,
   * inside {@code handlePacket}.
   */
  @SuppressWarnings(
      "NonAtomicVolatileUpdate") // one writer (the loop thread); other threads only read the count
  private boolean handStray(ByteBuffer datagram) {
    if (hops >= group.length - 1) return false;
    int next = (index + 1) % group.length;
    byte[] copy = new byte[datagram.remaining()];
    datagram.get(datagram.position(), copy);
    // Its checksums were verified here or vouched for by the link: the next loop need not again.
    group[next].handOver(copy, true, hops + 1);
    toWake[next] = true;
    handedOut++;
    return true;
  }

  /**
   * Hands a datagram the host put back together to the loop owning its flow, if not this one:
   * fragments have no ports, so the loop that read them reassembles (loop thread, inside {@code
   * handlePacket}).
   */
  @SuppressWarnings(
      "NonAtomicVolatileUpdate") // one writer (the loop thread); other threads only read the count
  private boolean handReassembled(byte[] datagram, long now) {
    int owner = ownerOf(ByteBuffer.wrap(datagram));
    if (owner == Shards.ANY || owner == index) return false;
    group[owner].handOver(datagram, false, 0);
    toWake[owner] = true;
    handedOut++;
    return true;
  }

  /** Returns how many packets this loop read that another loop of its group owned. */
  public long handedOut() {
    return handedOut;
  }

  /** Returns how many packets other loops of the group read for this one and it took. */
  public long handedIn() {
    return handedIn;
  }

  /** Returns how many packets this loop read from its own link: how the kernel spread the flows. */
  public long packetsRead() {
    return packetsRead;
  }

  /**
   * Returns the loop thread's id once it has run a turn, or -1: for the scaling bench, which reads
   * the thread's CPU time.
   */
  public long threadId() {
    Thread t = loopThread;
    return t == null ? -1 : t.threadId();
  }

  /** Queues a packet another loop read for this one; the caller wakes this loop. Any thread. */
  private void handOver(byte[] packet, boolean checksumUnnecessary, int hops) {
    inbox.add(new HandedOver(packet, checksumUnnecessary, hops));
  }

  /** Returns the host; touch it only from tasks given to {@link #call}. */
  public Host host() {
    return host;
  }

  /** Returns the link the driver owns. */
  Link link() {
    return link;
  }

  /** Returns the link errors met so far; any thread. */
  public LinkErrors linkErrors() {
    return trouble.snapshot();
  }

  /**
   * Returns {busy-polls that found work, busy-polls that ran out and waited, wake-ups that
   * signalled the link}; any thread, for tests and the bench.
   */
  public long[] wakeCounts() {
    return new long[] {busyPoll.won(), busyPoll.lost(), linkWakeups};
  }

  /**
   * Returns how many SYNs the link sheds before its queue: one in 2^shift kept (0: none shed); any
   * thread, for the bench.
   */
  public int synShedShift() {
    return shedShift;
  }

  /** Returns whether the loop waits in its link (or is about to): for tests. */
  boolean waitsInLink() {
    return parked;
  }

  @Override
  @SuppressWarnings("NonAtomicVolatileUpdate") // a count for tests: a lost increment is harmless
  protected void wakeup() {
    woken = true;
    if (parked) {
      linkWakeups++;
      link.wakeup();
    }
    Thread t = loopThread;
    if (t != null) LockSupport.unpark(t);
  }

  @Override
  @SuppressWarnings(
      "NonAtomicVolatileUpdate") // one writer (the loop thread); other threads only read the counts
  protected void turn(long now) throws IOException {
    if (loopThread == null) loopThread = Thread.currentThread();
    flush(now);
    dispatchEvents(host, now);
    long deadline = host.pollTimeout();
    long wait = deadline == Long.MAX_VALUE ? 1_000_000_000L : Math.max(0, deadline - now);
    // While the link sheds SYNs the loop looks again each window, traffic or not: a filter that
    // drops every SYN that would have woken it must still be eased once the flood is over.
    if (index == 0) wait = shedding.boundWait(wait);
    for (ByteBuffer b : receiveBuffers) b.clear();
    long before = index == 0 ? now() : 0;
    int n = wait == 0 || !inbox.isEmpty() ? 0 : await(now, wait);
    long after = now();
    if (n > 0) packetsRead += n;
    boolean refused = index == 0 ? shedding.refused() : group[0].shedRefused;
    host.limitSynCookies(SynShedding.cookieLimit(n == BATCH, refused, COOKIES_PER_FULL_BATCH));
    if (index == 0) {
      // A batch that came back full found packets waiting: the loop did not wait for it.
      shedding.afterRead(n == BATCH ? 0 : after - before, host.counters().syncookiesSent(), after);
      if (shedding.shift() != shedShift) shedShift = shedding.shift();
      if (shedding.refused() && !shedRefused) shedRefused = true;
    }
    for (int i = 0; i < n; i++) {
      ByteBuffer packet = receiveBuffers[i].flip();
      int owner = shards == null ? index : ownerOf(packet);
      if (owner == Shards.ANY || owner == index) {
        host.handlePacket(packet, checksumUnnecessary[i], after);
      } else {
        byte[] copy = new byte[packet.remaining()];
        packet.get(packet.position(), copy);
        group[owner].handOver(copy, checksumUnnecessary[i], 0);
        toWake[owner] = true;
        handedOut++;
      }
    }
    // Reassembled datagrams too were handed over in the batch above (inbox packets are never
    // fragments), and segments no connection here holds, read or taken from the inbox.
    takeInbox(after);
    if (group != null) wakeHandedTo();
    if (host.pollTimeout() <= after) {
      host.handleTimeout(after);
    }
    flush(after);
    dispatchEvents(host, after);
  }

  /** Wakes, once per batch, each loop this one handed packets to. */
  private void wakeHandedTo() {
    for (int k = 0; k < toWake.length; k++) {
      if (toWake[k]) {
        toWake[k] = false;
        group[k].wakeup();
      }
    }
  }

  /** Handles the packets other loops handed over, in the order they were read. */
  @SuppressWarnings(
      "NonAtomicVolatileUpdate") // one writer (the loop thread); other threads only read the counts
  private void takeInbox(long now) {
    HandedOver h;
    long taken = 0;
    while ((h = inbox.poll()) != null) {
      hops = h.hops();
      host.handlePacket(ByteBuffer.wrap(h.packet()), h.checksumUnnecessary(), now);
      hops = 0;
      taken++;
    }
    if (taken > 0) handedIn += taken;
  }

  /**
   * Waits up to {@code wait} for packets, calls or packets handed over, and returns the packets
   * received: busy-polls first ({@link BusyPoll}), then waits in the link, saying so to {@link
   * #wakeup()} first and then checking for work once more (the wake-up signals the link only for a
   * loop that waits there).
   */
  private int await(long now, long wait) throws IOException {
    long deadline = System.nanoTime() + wait;
    if (busyPoll.spin(deadline, pollOnce)) {
      if (polled >= 0) return polled;
      // The link failed: the receive below counts the error and pauses.
    }
    parked = true;
    try {
      if (polled >= 0 && (hasWork() || !inbox.isEmpty())) return 0;
      polled = 0;
      long left = deadline - System.nanoTime();
      if (left <= 0) return 0;
      waitUntil = now + wait;
      // While it waits, a caller may claim the loop and run its call on its own thread.
      releaseForWait();
      try {
        return receive(now, left);
      } finally {
        reclaimAfterWait();
      }
    } finally {
      parked = false;
    }
  }

  /**
   * Sends what a call run on the caller's thread made the host send, tells its events, and wakes
   * the loop if the host's next deadline comes before the loop's wait ends (a retransmission timer
   * the call started, say). Called by a claimer while the loop waits; the loop's send area is free
   * then, and the link takes a send beside the loop's receive ({@link Link}).
   */
  @Override
  protected void afterClaimedCall(long now) {
    try {
      flush(now);
    } catch (IOException e) {
      // Only a link closed under the loop gets here (sendGathered counts the others): the loop's
      // own receive sees it and stops the loop.
    }
    dispatchEvents(host, now);
    if (host.pollTimeout() < waitUntil) wakeup();
  }

  /**
   * Takes what the link holds without waiting, into {@link #polled} (-1 when it failed), and
   * returns whether there is anything to do: packets, calls, or packets handed over.
   */
  private boolean pollOnce() {
    try {
      polled = link.receiveBatch(receiveBuffers, checksumUnnecessary, 0);
    } catch (IOException | UncheckedIOException e) {
      polled = -1;
      return true;
    }
    return polled > 0 || hasWork() || !inbox.isEmpty();
  }

  /**
   * Receives a batch waiting up to {@code wait}; after a link error, counts it, pauses (until the
   * host's next deadline at most, or a wakeup) and returns 0.
   */
  private int receive(long now, long wait) throws IOException {
    try {
      int n = link.receiveBatch(receiveBuffers, checksumUnnecessary, wait);
      if (n > 0) trouble.receiveSucceeded(now());
      return n;
    } catch (ClosedChannelException e) {
      throw e; // Closed under the loop by its owner: nothing left to drive.
    } catch (IOException | UncheckedIOException e) {
      long pause = Math.min(wait, trouble.receiveFailed(e, now));
      long until = now() + pause;
      // A wakeup since the last pause (a call handed in) ends it at once; an old one costs one
      // short pause.
      for (long left = pause; !woken && left > 0; left = until - now())
        LockSupport.parkNanos(this, left);
      woken = false;
      return 0;
    }
  }

  /**
   * Has the host write what it has to send into {@link #sendArea}, each packet where the last ended
   * (runs of segments as one super-packet when the link takes them), and sends it in batches.
   */
  private void flush(long now) throws IOException {
    int maxSegments = link.maxSegments();
    int count = 0;
    int offset = 0;
    while (true) {
      if (count == sendBuffers.length || SEND_AREA - offset < GsoPacket.MAX_PACKET) {
        sendGathered(count);
        count = 0;
        offset = 0;
      }
      ByteBuffer view = sendBuffers[count];
      view.limit(SEND_AREA).position(offset);
      if (!host.pollTransmit(now, view, maxSegments, transmit)) break;
      view.limit(view.position()).position(offset);
      segmentSizes[count++] = transmit.segmentSize();
      offset = view.limit();
    }
    sendGathered(count);
  }

  /**
   * Sends the first {@code count} gathered packets. A link error drops what was not sent yet, as a
   * link that is down drops: TCP resends it.
   */
  private void sendGathered(int count) throws IOException {
    if (count == 0) return;
    try {
      link.sendBatch(sendBuffers, segmentSizes, count);
      trouble.sendSucceeded(now());
    } catch (ClosedChannelException e) {
      throw e;
    } catch (IOException | UncheckedIOException e) {
      trouble.sendFailed(e, now());
    }
  }

  @Override
  protected void onStop() {
    try {
      link.close();
    } catch (IOException ignored) {
      // Closing on the way out: nothing left to tell anyone.
    }
  }
}
