package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.synack.wire.GsoPacket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Linux TUN device: IP packets without a packet-information header, read and written through
 * {@code /dev/net/tun} with the Foreign Function &amp; Memory API.
 *
 * <p>The descriptor is non-blocking, so a receive when packets are waiting costs one {@code
 * read(2)}; only an empty queue costs a {@code ppoll(2)} on the device and an {@code eventfd(2)}
 * that {@link #wakeup} signals; {@link #receiveBatch} drains what waits after one wake-up. Packets
 * pass through two reused off-heap buffers, and not even there when the caller's buffer is direct
 * and large enough.
 *
 * <p>{@link #open} attaches to a device that exists (made persistent with {@code ip tuntap add mode
 * tun}, for instance) or creates one; {@link KernelInterface} configures the kernel's side.
 *
 * <p>The device lives while this link is open, unless it was made persistent by someone else (e.g.
 * {@code ip tuntap add}); it may be moved to another network namespace and keeps working.
 *
 * <p>Opened {@linkplain #open(String, int, boolean) with offloads}, the device behaves as a network
 * card with checksum and TCP segmentation offload, as gVisor's fdbased link uses it ({@code
 * IFF_VNET_HDR}, {@link VirtioNetHeader}): the kernel hands over TCP packets of up to 64 KiB that
 * it would otherwise have cut into segments, with checksums it verified or left partial, which the
 * receiver need not verify ({@link #receiveBatch(ByteBuffer[], boolean[], long)}); and the GSO
 * super-packets a host writes ({@link #sendBatch(ByteBuffer[], int[], int)}, {@link
 * #maxSegments()}) go to the kernel whole for it to cut, while {@link #sendBatch(ByteBuffer[],
 * int)} merges runs of full-sized segments that someone else sent one by one ({@link
 * SegmentMerger}). One system call then moves up to 64 KiB each way. A reader that does not take
 * the checksum word ({@link #receive}, or {@code receiveBatch} without it) gets partial checksums
 * completed; a capture of what the word accompanies shows them partial, as tcpdump does on a Linux
 * host with offloads.
 */
public final class TunLink implements Link {
  /** Largest packet a read can return: an IPv4 packet's total length is 16 bits. */
  private static final int MAX_PACKET = 65_535;

  private static final String TUN_PATH = "/dev/net/tun";

  /**
   * Packets the kernel may queue for synack before it drops, set on every device synack opens: the
   * default of 500 (1000 on some kernels) overflows at once under a burst (a SYN flood, thousands
   * of clients closing together) that synack, reading 200,000 packets/s, would have absorbed; veth
   * devices and Linux's own backlog ({@code netdev_max_backlog}) hold more.
   */
  public static final int QUEUE_LENGTH = 10_000;

  /** Most queues a multiqueue device has (the kernel's MAX_TAP_QUEUES). */
  public static final int MAX_QUEUES = 256;

  /** Most segments one super-packet written with offloads holds: 64 KiB of 1,000-byte segments. */
  static final int MAX_SEGMENTS = 64;

  /**
   * The queues of one TUN device, one per loop of a group ({@link #openQueues}), and one line
   * saying why there are fewer than asked for, or null.
   */
  public record Queues(List<TunLink> links, String note) {
    public Queues {
      links = List.copyOf(links);
    }
  }

  private final String name;
  private final int mtu;

  /**
   * Whether every packet read or written has a {@link VirtioNetHeader} before it (checksum and
   * segmentation offload).
   */
  private final boolean offload;

  /** Why offloads are off though they were asked for ({@link #openWithOffloads}), or null. */
  private final String offloadNote;

  /**
   * The device's transmit queue (kernel to synack) in packets once opened, or -1 if it could not be
   * read.
   */
  private final int queueLength;

  /**
   * With {@link #offload}: the header of the packet read last, the header of the packet written,
   * and two iovecs each side.
   */
  private final MemorySegment rxHeader;

  private final MemorySegment rxIovecs;
  private final MemorySegment txHeader;
  private final MemorySegment txIovecs;

  /**
   * Whether the packet {@link #readPacket} read last needs no checksum verifying (the kernel said
   * so in its header).
   */
  private boolean lastChecksumUnnecessary;

  /**
   * Whether the last {@link #readPacket} found the queue empty, under {@link #rxLock}: a receive
   * that may wait then waits first ({@code ppoll(2)} returns at once if a packet came since) rather
   * than read to find the queue empty again, one system call less per wait of a loop whose batch
   * ended on an empty queue.
   */
  private boolean drained;

  /** Reads that found the queue empty ({@code EAGAIN}), under {@link #rxLock}. */
  private long emptyReads;

  /**
   * Merged packets written, and the segments they held, under {@link #txLock}: what segmentation
   * offload saved.
   */
  private long mergedPackets;

  private long mergedSegments;

  /**
   * Super-packets the stack wrote as such (no merging here), and the segments they held, under
   * {@link #txLock}.
   */
  private long superPackets;

  private long superPacketSegments;

  /**
   * What crossed the device: packets read and their bytes, waits in {@code ppoll(2)} (under {@link
   * #rxLock}), packets written and their bytes (under {@link #txLock}); headers not counted.
   * Written by one thread at a time, read without the locks by {@link #ioCounts} (for the bench).
   */
  private long reads;

  private long bytesRead;
  private long polls;
  private long writes;
  private long bytesWritten;

  /** Pure ACKs left out because a later one in their batch said more ({@link AckFilter}). */
  private long acksFiltered;

  /** Which packets of the batch being sent {@link AckFilter} left out; under {@link #txLock}. */
  private boolean[] dropped = new boolean[64];

  /** The TUN queue's descriptor; invalid once {@link #closed} and both locks were taken. */
  private final int tunFd;

  /** Counter that {@link #wakeup} increments and a waiting receive drains. */
  private final int wakeFd;

  /** Owns every segment below; closed with the descriptors. */
  private final Arena arena;

  /** Receive side, used under {@link #rxLock}: packet buffer, pollfd[2], timespec, errno. */
  private final MemorySegment rxBuf;

  private final MemorySegment pollFds;
  private final MemorySegment timespec;
  private final MemorySegment rxState;

  /** Send side, used under {@link #txLock}: packet buffer, errno. */
  private final MemorySegment txBuf;

  private final MemorySegment txState;

  /** Eight bytes holding 1, written to {@link #wakeFd}; read-only, so any thread may use it. */
  private final MemorySegment one;

  /** Errno of wakeups, which ignore it; used under {@link #wakeGuard}. */
  private final MemorySegment wakeState;

  private final ReentrantLock rxLock = new ReentrantLock();
  private final ReentrantLock txLock = new ReentrantLock();

  /** Guards {@link #wakeFd} against close while a wakeup writes to it. */
  private final Object wakeGuard = new Object();

  private volatile boolean closed;

  /** Set once the kernel refused the SYN filter: not tried again. */
  private volatile boolean shedRefused;

  /** The SYN filter and its memory of sources, made on first use; under {@link #txLock}. */
  private SynShedFilter shedFilter;

  /** The device's drop count, opened on first use; under {@link #txLock}. */
  private TunDrops drops;

  private TunLink(
      String name,
      int mtu,
      boolean offload,
      String offloadNote,
      int queueLength,
      int tunFd,
      int wakeFd,
      Arena arena) {
    this.name = name;
    this.mtu = mtu;
    this.offload = offload;
    this.offloadNote = offloadNote;
    this.queueLength = queueLength;
    this.rxHeader = arena.allocate(VirtioNetHeader.SIZE, 8);
    this.rxIovecs = arena.allocate(2 * IOVEC_SIZE, 8);
    this.txHeader = arena.allocate(VirtioNetHeader.SIZE, 8);
    this.txIovecs = arena.allocate(2 * IOVEC_SIZE, 8);
    this.tunFd = tunFd;
    this.wakeFd = wakeFd;
    this.arena = arena;
    this.rxBuf = arena.allocate(MAX_PACKET, 64);
    this.pollFds = arena.allocate(2 * POLLFD_SIZE, 8);
    this.timespec = arena.allocate(TIMESPEC_SIZE, 8);
    this.rxState = arena.allocate(CALL_STATE_SIZE, 8);
    this.txBuf = arena.allocate(MAX_PACKET, 64);
    this.txState = arena.allocate(CALL_STATE_SIZE, 8);
    this.one = arena.allocate(JAVA_LONG);
    one.set(JAVA_LONG, 0, 1L);
    this.wakeState = arena.allocate(CALL_STATE_SIZE, 8);
    pollFds.set(JAVA_INT, 0, tunFd);
    pollFds.set(JAVA_SHORT, POLLFD_EVENTS_OFFSET, POLLIN);
    pollFds.set(JAVA_INT, POLLFD_SIZE, wakeFd);
    pollFds.set(JAVA_SHORT, POLLFD_SIZE + POLLFD_EVENTS_OFFSET, POLLIN);
  }

  /**
   * Attaches to the TUN device {@code name}, creating it if it does not exist, and reads its MTU.
   *
   * @param name the device name, at most 15 bytes; may contain one {@code %d} for the kernel to
   *     number (e.g. {@code "synack%d"}), and may be empty for {@code tun%d}
   * @throws IOException with one line saying what is wrong: missing {@code /dev/net/tun}, missing
   *     {@code CAP_NET_ADMIN}, a busy device, a device that is not TUN
   */
  public static TunLink open(String name) throws IOException {
    return open(name, 0);
  }

  /**
   * Attaches to or creates the TUN device {@code name}, as {@link #open(String)}, with the MTU the
   * caller knows ({@code mtu} from 68 to 65535), or 0 to read the device's.
   */
  public static TunLink open(String name, int mtu) throws IOException {
    return open(name, mtu, false);
  }

  /**
   * Attaches to or creates the TUN device {@code name}, as {@link #open(String, int)}; with {@code
   * offload}, as a card with checksum and TCP segmentation offload (see the class doc).
   *
   * @throws IOException also when the kernel refuses the offloads (a kernel without {@code
   *     IFF_VNET_HDR}, before Linux 2.6.27)
   */
  public static TunLink open(String name, int mtu, boolean offload) throws IOException {
    return open(name, mtu, offload, null);
  }

  /**
   * Attaches to or creates the TUN device {@code name} with checksum and segmentation offload if
   * the kernel and the device allow it, else without, as {@link #open(String, int, boolean)}; the
   * link's {@link #offloadNote()} then says in one line why they are off. The way the commands
   * ({@code serve}, {@code connect}) open a device, with the offloads the bench measures.
   */
  public static TunLink openWithOffloads(String name, int mtu) throws IOException {
    try {
      return open(name, mtu, true, null);
    } catch (OffloadRefused e) {
      return open(
          name,
          mtu,
          false,
          "synack: " + e.getMessage() + "; plain reads and writes, one segment each");
    }
  }

  /**
   * Opens {@code queues} queues of the TUN device {@code name} ({@code IFF_MULTI_QUEUE}), each a
   * link of its own with the offloads of {@link #openWithOffloads}: the kernel spreads the packets
   * it sends over the queues by flow, and steers a flow to the queue synack last wrote it on (the
   * TUN driver's flow table), so each loop of a group reads mostly its own connections. A device
   * without multiqueue (one that exists single-queue, an old kernel) falls back to one queue, and
   * the note says why.
   *
   * @throws IllegalArgumentException when {@code queues} is not 1..{@value #MAX_QUEUES}
   */
  public static Queues openQueues(String name, int mtu, int queues) throws IOException {
    if (queues < 1 || queues > MAX_QUEUES) {
      throw new IllegalArgumentException("TUN queues must be 1.." + MAX_QUEUES + ": " + queues);
    }
    if (queues == 1) return new Queues(List.of(openWithOffloads(name, mtu)), null);
    List<TunLink> opened = new ArrayList<>(queues);
    try {
      TunLink first;
      try {
        first = open(name, mtu, true, null, true);
      } catch (OffloadRefused e) {
        first =
            open(
                name,
                mtu,
                false,
                "synack: " + e.getMessage() + "; plain reads and writes, one segment each",
                true);
      } catch (IOException e) {
        String why =
            e.getMessage() == null ? "refused" : e.getMessage().replaceFirst("^synack: ", "");
        return new Queues(
            List.of(openWithOffloads(name, mtu)),
            "synack: no multiqueue TUN device " + name + " (" + why + "); one queue, one loop");
      }
      opened.add(first);
      while (opened.size() < queues) {
        opened.add(open(first.name, first.mtu, first.offload, first.offloadNote, true));
      }
      return new Queues(opened, null);
    } catch (IOException | RuntimeException | Error e) {
      for (TunLink t : opened) t.close();
      throw e;
    }
  }

  private static TunLink open(String name, int mtu, boolean offload, String offloadNote)
      throws IOException {
    return open(name, mtu, offload, offloadNote, false);
  }

  @SuppressWarnings(
      "MustBeClosedChecker") // the arena lives as long as the link, whose close() closes it
  private static TunLink open(
      String name, int mtu, boolean offload, String offloadNote, boolean multiQueue)
      throws IOException {
    byte[] nameBytes = checkName(name);
    if (mtu != 0 && (mtu < 68 || mtu > MAX_PACKET)) {
      throw new IllegalArgumentException("mtu must be 0 (ask the device) or 68..65535: " + mtu);
    }
    Arena arena = Arena.ofShared();
    int tunFd = -1;
    int wakeFd = -1;
    try {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      tunFd =
          LinuxSyscalls.open(state, arena.allocateFrom(TUN_PATH), O_RDWR | O_NONBLOCK | O_CLOEXEC);
      if (tunFd < 0) throw openFailure(errno(state));

      MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
      MemorySegment.copy(nameBytes, 0, ifr, JAVA_BYTE, 0, nameBytes.length);
      ifr.set(
          JAVA_SHORT,
          IFR_FLAGS_OFFSET,
          (short)
              (IFF_TUN
                  | IFF_NO_PI
                  | (offload ? IFF_VNET_HDR : 0)
                  | (multiQueue ? IFF_MULTI_QUEUE : 0)));
      if (ioctl(state, tunFd, TUNSETIFF, ifr) < 0) throw setIffFailure(name, errno(state));
      // The kernel writes back the real name, which differs when the caller gave a %d pattern.
      String actual = ifr.getString(0);
      if (offload) {
        MemorySegment one = arena.allocate(JAVA_INT);
        one.set(JAVA_INT, 0, 1);
        if (ioctl(state, tunFd, TUNSETVNETLE, one) < 0) {
          throw new OffloadRefused(
              "cannot set " + actual + "'s virtio header little-endian", errno(state));
        }
        if (ioctlValue(state, tunFd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
          throw new OffloadRefused(
              "cannot turn on checksum and segmentation offload for " + actual, errno(state));
        }
      }

      wakeFd = eventfd(state, 0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (wakeFd < 0) throw failure("cannot create an eventfd for " + actual, errno(state));
      int linkMtu = mtu != 0 ? mtu : readMtu(arena, actual);
      return new TunLink(
          actual, linkMtu, offload, offloadNote, deepenQueue(actual), tunFd, wakeFd, arena);
    } catch (IOException | RuntimeException | Error e) {
      if (tunFd >= 0) LinuxSyscalls.close(tunFd);
      if (wakeFd >= 0) LinuxSyscalls.close(wakeFd);
      arena.close();
      throw e;
    }
  }

  /**
   * Takes over a TUN descriptor someone else opened and attached to a device (an Android {@code
   * VpnService}'s {@code ParcelFileDescriptor.detachFd()}, a descriptor passed over a Unix socket):
   * without {@code IFF_VNET_HDR}, packets as they are. The descriptor is made non-blocking, and
   * closing the link closes it.
   *
   * @param mtu the device's MTU, 68..65535 (the caller set it up, so it knows)
   * @throws IOException when the descriptor cannot be made non-blocking (it is not open)
   */
  @SuppressWarnings(
      "MustBeClosedChecker") // the arena lives as long as the link, whose close() closes it
  public static TunLink fromDescriptor(int fd, int mtu) throws IOException {
    final long FIONBIO = 0x5421L; // <asm-generic/ioctls.h>: set or clear non-blocking I/O
    if (fd < 0) throw new IllegalArgumentException("descriptor is negative: " + fd);
    if (mtu < 68 || mtu > MAX_PACKET)
      throw new IllegalArgumentException("mtu must be 68..65535: " + mtu);
    Arena arena = Arena.ofShared();
    int wakeFd = -1;
    try {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      MemorySegment on = arena.allocate(JAVA_INT);
      on.set(JAVA_INT, 0, 1);
      if (ioctl(state, fd, FIONBIO, on) < 0)
        throw failure("cannot make descriptor " + fd + " non-blocking", errno(state));
      wakeFd = eventfd(state, 0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (wakeFd < 0) throw failure("cannot create an eventfd for descriptor " + fd, errno(state));
      // Someone else set the device up, its queue too: nothing to note, nothing deepened here.
      return new TunLink("fd " + fd, mtu, false, null, -1, fd, wakeFd, arena);
    } catch (IOException | RuntimeException | Error e) {
      if (wakeFd >= 0) LinuxSyscalls.close(wakeFd);
      arena.close();
      throw e;
    }
  }

  /** Returns the device's name as the kernel knows it. */
  public String name() {
    return name;
  }

  /**
   * Returns whether packets cross with checksum and segmentation offload (a virtio-net header
   * each).
   */
  public boolean offload() {
    return offload;
  }

  /**
   * Returns one line saying why offloads are off though {@link #openWithOffloads} asked for them,
   * or null.
   */
  public String offloadNote() {
    return offloadNote;
  }

  /**
   * Returns the length in packets of the device's queue towards synack when it was opened (at least
   * {@link #QUEUE_LENGTH} unless the caller lacked the privilege to set it), or -1 if it could not
   * be read.
   */
  public int queueLength() {
    return queueLength;
  }

  /**
   * Returns true: a queue of a multiqueue device gets each flow by the kernel's own hash of it
   * until synack writes the flow on a queue, then follows it there ({@code drivers/net/tun.c}).
   */
  @Override
  public boolean steersFlows() {
    return true;
  }

  /** Returns one line saying how packets cross: "checksum and segmentation offload" or why not. */
  public String mode() {
    if (offload) return "checksum and segmentation offload";
    return offloadNote != null
        ? "no offload (" + offloadNote.replaceFirst("^synack: ", "") + ")"
        : "no offload";
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    return receive(dst, timeoutNanos, false);
  }

  /**
   * Receives one packet; a caller that does not take the checksum word ({@code takesChecksumWord}
   * false) gets partial checksums completed, so that a packet verifies as any other.
   */
  private int receive(ByteBuffer dst, long timeoutNanos, boolean takesChecksumWord)
      throws IOException {
    Timeouts.check(timeoutNanos);
    rxLock.lock();
    try {
      ensureOpen();
      long deadline = timeoutNanos == 0 ? 0 : Timeouts.deadline(timeoutNanos);
      boolean pollError = false;
      boolean read = timeoutNanos == 0 || !drained;
      while (true) {
        if (read) {
          int length = readPacket(dst, takesChecksumWord);
          if (length >= 0) return length;
        }
        read = true;
        // Once the device is unregistered poll reports POLLERR, yet a read may still say EAGAIN.
        if (pollError) throw gone();
        if (timeoutNanos == 0) return 0;
        long remaining = Timeouts.remaining(deadline);
        if (remaining <= 0) return 0;
        int events = awaitReadable(remaining);
        if (events < 0) return 0;
        pollError = (events & (POLLERR | POLLHUP | POLLNVAL)) != 0;
      }
    } finally {
      rxLock.unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A TUN queue hands out one packet per {@code read(2)} (there is no {@code recvmmsg} for it),
   * so a batch is one wait for the first packet, then reads until the queue is empty or the buffers
   * are full, under one lock and without waiting again.
   */
  @Override
  public int receiveBatch(ByteBuffer[] dsts, long timeoutNanos) throws IOException {
    return receiveBatch(dsts, null, timeoutNanos);
  }

  /**
   * {@inheritDoc}
   *
   * <p>With offloads, a packet may be a TCP packet of up to 64 KiB (each buffer should hold 65,535
   * bytes), and a checksum the kernel verified or left partial is reported as unnecessary; without
   * {@code checksumUnnecessary} to report it in, partial checksums are completed instead.
   */
  @Override
  public int receiveBatch(ByteBuffer[] dsts, boolean[] checksumUnnecessary, long timeoutNanos)
      throws IOException {
    Timeouts.check(timeoutNanos);
    if (dsts.length == 0) return 0;
    rxLock.lock();
    try {
      boolean takesWord = checksumUnnecessary != null;
      if (receive(dsts[0], timeoutNanos, takesWord) == 0) return 0;
      if (takesWord) checksumUnnecessary[0] = lastChecksumUnnecessary;
      int count = 1;
      while (count < dsts.length && readPacket(dsts[count], takesWord) >= 0) {
        if (checksumUnnecessary != null) checksumUnnecessary[count] = lastChecksumUnnecessary;
        count++;
      }
      return count;
    } finally {
      rxLock.unlock();
    }
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    int length = packet.remaining();
    if (length > MAX_PACKET) {
      throw new IllegalArgumentException("packet longer than 65535 bytes: " + length);
    }
    txLock.lock();
    try {
      ensureOpen();
      MemorySegment src;
      if (packet.isDirect()) {
        src = MemorySegment.ofBuffer(packet);
      } else {
        MemorySegment.copy(MemorySegment.ofBuffer(packet), 0, txBuf, 0, length);
        src = txBuf;
      }
      if (offload) VirtioNetHeader.writePlain(txHeader);
      writeOut(src, length);
      packet.position(packet.limit());
    } finally {
      txLock.unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>With offloads, runs of full-sized segments of one TCP connection leave as one packet for the
   * kernel to cut back into those segments ({@link SegmentMerger}): one {@code write(2)} per run.
   */
  @Override
  public void sendBatch(ByteBuffer[] packets, int count) throws IOException {
    if (!offload) {
      Link.super.sendBatch(packets, count);
      return;
    }
    txLock.lock();
    try {
      sendWhole(packets, 0, count);
    } finally {
      txLock.unlock();
    }
  }

  /**
   * Sends {@code packets[from, to)}, whole packets, runs of them merged; under {@link #txLock},
   * with offloads.
   */
  private void sendWhole(ByteBuffer[] packets, int from, int to) throws IOException {
    for (int i = from; i < to; ) {
      int run = SegmentMerger.run(packets, i, to - i);
      if (run == 1) {
        send(packets[i]);
      } else {
        ensureOpen();
        int length = SegmentMerger.merge(packets, i, run, txBuf, txHeader);
        writeOut(txBuf, length);
        mergedPackets++;
        mergedSegments += run;
        for (int k = i; k < i + run; k++) packets[k].position(packets[k].limit());
      }
      i += run;
    }
  }

  /**
   * Sheds pure SYNs (IPv4 and IPv6) in the kernel before they enter the device's queue ({@link
   * SynShedFilter}, an eBPF filter on the device, for all its queues): a SYN retransmitted from a
   * source whose SYN was seen before passes, any other is kept one in 2<sup>shift</sup>; 0 removes
   * the filter. Returns false, once noted, when the kernel refuses (no eBPF or a kernel before
   * 4.19): SYNs are then queued as before.
   */
  @Override
  public boolean shedSyns(int shift) {
    if (shift < 0 || shift > SynShedFilter.MAX_SHIFT)
      throw new IllegalArgumentException(
          "shift must be 0.." + SynShedFilter.MAX_SHIFT + ": " + shift);
    return filterSyns(shift);
  }

  /**
   * Sets the SYN filter as {@link #shedSyns} does, also to {@link SynShedFilter#KEEP_NONE} (only
   * retransmissions pass: tests).
   */
  boolean filterSyns(int shift) {
    if (shedRefused && shift > 0) return false;
    txLock.lock();
    try {
      if (closed) return shift == 0;
      if (shedFilter == null) {
        if (shift == 0) return true;
        shedFilter = SynShedFilter.create(name);
        if (shedFilter.note() != null)
          System.getLogger(TunLink.class.getName())
              .log(System.Logger.Level.WARNING, "synack: " + shedFilter.note());
      }
      shedFilter.apply(tunFd, shift);
      return true;
    } catch (IOException e) {
      if (shift == 0) return false;
      shedRefused = true;
      System.getLogger(TunLink.class.getName())
          .log(System.Logger.Level.WARNING, "synack: " + e.getMessage() + "; SYNs not shed");
      return false;
    } finally {
      txLock.unlock();
    }
  }

  /**
   * Returns the device's {@code tx_dropped}: the packets its SYN filter shed and those its full
   * queue dropped at the tail ({@link TunDrops}, read in the device's namespace), or -1 when it
   * cannot be read.
   */
  @Override
  public long packetsDropped() {
    txLock.lock();
    try {
      if (closed) return -1;
      if (drops == null) drops = new TunDrops(name, tunFd);
      return drops.read();
    } finally {
      txLock.unlock();
    }
  }

  /** Returns whether the SYN filter remembers sources (its map is in use); false before any. */
  boolean synFilterRemembers() {
    txLock.lock();
    try {
      return shedFilter != null && shedFilter.remembers();
    } finally {
      txLock.unlock();
    }
  }

  /**
   * Returns how many segments a packet may hold: with offloads, as many as a 64 KiB packet of small
   * ones; else 1.
   */
  @Override
  public int maxSegments() {
    return offload ? MAX_SEGMENTS : 1;
  }

  /**
   * {@inheritDoc}
   *
   * <p>With offloads a super-packet goes to the kernel whole, one {@code write(2)}, with a virtio
   * header asking it to cut the packet into segments of its size and complete their checksums from
   * the partial one the stack wrote ({@link VirtioNetHeader#writeTcpSegmentation}): the stack
   * emitted the run as one, so nothing is merged or copied here. Whole packets go one {@code
   * write(2)} each, unmerged: the stack had already run them with their neighbours if it could. A
   * pure ACK that a later one of its connection in the batch supersedes is left out ({@link
   * AckFilter}): after a batch of GRO reads the host owes one ACK per packet read, and the last
   * says what they all say, in one {@code write(2)} instead of one each.
   */
  @Override
  public void sendBatch(ByteBuffer[] packets, int[] segmentSizes, int count) throws IOException {
    txLock.lock();
    try {
      if (dropped.length < count) dropped = new boolean[Math.max(count, 2 * dropped.length)];
      acksFiltered += AckFilter.mark(packets, segmentSizes, count, dropped);
      for (int i = 0; i < count; i++) {
        if (dropped[i]) {
          // A later ACK of the same connection in this batch says all this one says.
          packets[i].position(packets[i].limit());
        } else if (segmentSizes[i] == 0) {
          // A whole packet here is one the stack could not run with its neighbours: nothing to
          // merge.
          send(packets[i]);
        } else if (!offload) {
          for (byte[] segment : GsoPacket.segment(packets[i], segmentSizes[i]))
            send(ByteBuffer.wrap(segment));
          packets[i].position(packets[i].limit());
        } else {
          sendSuperPacket(packets[i], segmentSizes[i]);
        }
      }
    } finally {
      txLock.unlock();
    }
  }

  /**
   * Writes one super-packet for the kernel to cut into segments of {@code segmentSize} bytes; under
   * the tx lock.
   */
  private void sendSuperPacket(ByteBuffer packet, int segmentSize) throws IOException {
    ensureOpen();
    int length = packet.remaining();
    if (length > MAX_PACKET)
      throw new IllegalArgumentException("packet longer than 65535 bytes: " + length);
    int at = packet.position();
    boolean ipv6 = (packet.get(at) & 0xf0) == 0x60;
    int tcpStart = ipv6 ? 40 : (packet.get(at) & 0x0f) * 4;
    int headers = tcpStart + ((packet.get(at + tcpStart + 12) & 0xff) >>> 4) * 4;
    MemorySegment src;
    if (packet.isDirect()) {
      src = MemorySegment.ofBuffer(packet);
    } else {
      MemorySegment.copy(MemorySegment.ofBuffer(packet), 0, txBuf, 0, length);
      src = txBuf;
    }
    int segments = Math.max(1, (length - headers + segmentSize - 1) / segmentSize);
    if (segments == 1) {
      // One segment with its checksum left partial: nothing to cut, only the sum to finish.
      VirtioNetHeader.writePartialChecksum(txHeader, tcpStart);
    } else {
      VirtioNetHeader.writeTcpSegmentation(txHeader, ipv6, headers, segmentSize, tcpStart);
    }
    writeOut(src, length);
    superPackets++;
    superPacketSegments += segments;
    packet.position(packet.limit());
  }

  /**
   * Writes one packet, its virtio header first with offloads; a packet the kernel has no room for
   * is dropped, as the wire may drop.
   */
  private void writeOut(MemorySegment src, int length) throws IOException {
    long n;
    do {
      if (offload) {
        iovec(txIovecs, 0, txHeader, VirtioNetHeader.SIZE);
        iovec(txIovecs, 1, src, length);
        n = writev(txState, tunFd, txIovecs, 2);
      } else {
        n = write(txState, tunFd, src, length);
      }
    } while (n < 0 && errno(txState) == EINTR);
    if (n < 0) {
      int errno = errno(txState);
      if (errno == EAGAIN)
        return; // No memory for the skb right now: dropped, as the wire may drop.
      if (errno == EIO) {
        throw new IOException(
            "synack: TUN device " + name + " is down (ip link set " + name + " up)");
      }
      if (errno == EINVAL) {
        throw new IOException(
            "synack: TUN device "
                + name
                + " rejected a packet of "
                + length
                + " bytes (not IPv4 or IPv6"
                + (offload ? ", or a merged TCP packet it could not cut" : "")
                + ")");
      }
      throw deviceFailure("write to", errno);
    }
    writes++;
    bytesWritten += length;
  }

  /**
   * Returns {packets read, their bytes, waits in {@code ppoll(2)}, packets written, their bytes,
   * pure ACKs left out} since the link opened, virtio headers not counted: how many bytes each
   * system call moved. Read without locking, so a count may lag by the packet in flight; for the
   * bench and tests, between transfers.
   */
  public long[] ioCounts() {
    return new long[] {reads, bytesRead, polls, writes, bytesWritten, acksFiltered};
  }

  /** Returns how many reads found the device's queue empty since the link opened. */
  long emptyReads() {
    rxLock.lock();
    try {
      return emptyReads;
    } finally {
      rxLock.unlock();
    }
  }

  /**
   * Returns {merged packets written, segments they held} since the link opened: one write each
   * instead of one per segment.
   */
  long[] mergeCounts() {
    txLock.lock();
    try {
      return new long[] {mergedPackets, mergedSegments};
    } finally {
      txLock.unlock();
    }
  }

  /**
   * Returns {super-packets the stack wrote, segments they held} since the link opened: one write
   * each.
   */
  long[] superPacketCounts() {
    txLock.lock();
    try {
      return new long[] {superPackets, superPacketSegments};
    } finally {
      txLock.unlock();
    }
  }

  @Override
  public void wakeup() {
    synchronized (wakeGuard) {
      if (closed) return;
      // Fails only with EAGAIN when the counter is saturated, which is already a pending wakeup.
      write(wakeState, wakeFd, one, 8);
    }
  }

  @Override
  public void close() {
    synchronized (wakeGuard) {
      if (closed) return;
      closed = true;
      write(wakeState, wakeFd, one, 8);
    }
    // A blocked receive returns at once on the wakeup above; then nobody else uses the fds.
    rxLock.lock();
    txLock.lock();
    try {
      synchronized (wakeGuard) {
        LinuxSyscalls.close(tunFd);
        LinuxSyscalls.close(wakeFd);
        if (shedFilter != null) shedFilter.close();
        if (drops != null) drops.close();
        arena.close();
      }
    } finally {
      txLock.unlock();
      rxLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "TunLink["
        + name
        + ", mtu "
        + mtu
        + (offload ? ", offload" : "")
        + (closed ? ", closed]" : "]");
  }

  /**
   * Reads one packet into dst if one is waiting; returns its length, or -1 if none is. With
   * offloads, notes whether its checksum needs verifying, or completes a partial one unless the
   * caller {@code takesChecksumWord}.
   */
  private int readPacket(ByteBuffer dst, boolean takesChecksumWord) throws IOException {
    int room = dst.remaining();
    // With offloads a packet may be as long as an IP packet can be, whatever the MTU.
    boolean straight = dst.isDirect() && room >= (offload ? MAX_PACKET : mtu);
    MemorySegment target = straight ? MemorySegment.ofBuffer(dst) : rxBuf;
    long capacity = straight ? room : MAX_PACKET;
    long n;
    do {
      if (offload) {
        iovec(rxIovecs, 0, rxHeader, VirtioNetHeader.SIZE);
        iovec(rxIovecs, 1, target, capacity);
        n = readv(rxState, tunFd, rxIovecs, 2);
      } else {
        n = read(rxState, tunFd, target, capacity);
      }
    } while (n < 0 && errno(rxState) == EINTR);
    if (n < 0) {
      int errno = errno(rxState);
      if (errno == EAGAIN) {
        drained = true;
        emptyReads++;
        return -1;
      }
      throw deviceFailure("read from", errno);
    }
    drained = false;
    if (offload) n = Math.max(0, n - VirtioNetHeader.SIZE);
    reads++;
    bytesRead += n;
    lastChecksumUnnecessary = offload && VirtioNetHeader.checksumUnnecessary(rxHeader);
    int length = (int) Math.min(n, room);
    if (!straight) MemorySegment.copy(rxBuf, 0, MemorySegment.ofBuffer(dst), 0, length);
    if (offload && !takesChecksumWord) {
      VirtioNetHeader.completeChecksum(rxHeader, dst, length);
      lastChecksumUnnecessary = false;
    }
    dst.position(dst.position() + length);
    return length;
  }

  /**
   * Waits until the device has events and returns them (POLLIN, or POLLERR once it is gone), or
   * returns -1 when the timeout passes or a wakeup comes.
   */
  private int awaitReadable(long remainingNanos) throws IOException {
    MemorySegment timeout = MemorySegment.NULL;
    if (remainingNanos != Timeouts.NONE) {
      timespec.set(JAVA_LONG, 0, remainingNanos / 1_000_000_000L);
      timespec.set(JAVA_LONG, 8, remainingNanos % 1_000_000_000L);
      timeout = timespec;
    }
    polls++;
    int ready = ppoll(rxState, pollFds, 2, timeout);
    if (ready < 0) {
      if (errno(rxState) == EINTR) return 0; // The caller's loop reads (EAGAIN) and waits again.
      throw deviceFailure("poll", errno(rxState));
    }
    if (ready == 0) return -1;
    short wakeEvents = pollFds.get(JAVA_SHORT, POLLFD_SIZE + POLLFD_REVENTS_OFFSET);
    if ((wakeEvents & POLLIN) != 0) {
      read(rxState, wakeFd, rxBuf, 8); // Drains the counter, so the next wait blocks again.
      return -1;
    }
    return pollFds.get(JAVA_SHORT, POLLFD_REVENTS_OFFSET) & 0xffff;
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) throw new ClosedChannelException();
  }

  private IOException deviceFailure(String action, int errno) {
    if (errno == EBADFD) return gone();
    return failure(action + " TUN device " + name + " failed", errno);
  }

  private LinkGoneException gone() {
    return new LinkGoneException(
        "synack: TUN device " + name + " is gone (deleted, or its namespace removed)");
  }

  /**
   * Lengthens the device's queue to {@link #QUEUE_LENGTH} if it is shorter (a longer one the user
   * set is kept); returns the length it has then, or -1 if unknown. Without the privilege to set it
   * (a persistent device given to a user), the device keeps what it has: a shorter queue only drops
   * sooner under a burst, so it is no reason to refuse the device.
   */
  private static int deepenQueue(String name) {
    int length;
    try {
      length = KernelInterface.txQueueLength(name);
    } catch (IOException e) {
      return -1;
    }
    if (length >= QUEUE_LENGTH) return length;
    try {
      KernelInterface.setTxQueueLength(name, QUEUE_LENGTH);
      return KernelInterface.txQueueLength(name);
    } catch (IOException e) {
      return length;
    }
  }

  /**
   * The kernel refuses the offloads ({@code IFF_VNET_HDR} too old, or no virtio header support).
   */
  private static final class OffloadRefused extends IOException {
    private static final long serialVersionUID = 1L;

    OffloadRefused(String what, int errno) {
      super(what + ": " + strerror(errno) + " (errno " + errno + ")");
    }
  }

  private static int readMtu(Arena arena, String name) throws IOException {
    MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
    int sock = socket(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) throw failure("cannot open a socket to read the MTU of " + name, errno(state));
    try {
      MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
      ifr.setString(0, name);
      if (ioctl(state, sock, SIOCGIFMTU, ifr) < 0) {
        throw failure("cannot read the MTU of " + name, errno(state));
      }
      return ifr.get(JAVA_INT, IFR_MTU_OFFSET);
    } finally {
      LinuxSyscalls.close(sock);
    }
  }

  /**
   * Checks a device name as the kernel's dev_valid_name does; returns its bytes.
   *
   * @throws IllegalArgumentException saying what is wrong with the name
   */
  public static byte[] checkName(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= IFNAMSIZ) {
      throw new IllegalArgumentException(
          "synack: TUN device name \""
              + name
              + "\" is too long ("
              + bytes.length
              + " bytes; at most "
              + (IFNAMSIZ - 1)
              + ")");
    }
    if (name.equals(".")
        || name.equals("..")
        || name.chars()
            .anyMatch(c -> c == '/' || c == ':' || c == 0 || Character.isWhitespace(c))) {
      throw new IllegalArgumentException(
          "synack: TUN device name \""
              + name
              + "\" is invalid (no '/', ':' or spaces, not '.' or '..')");
    }
    return bytes;
  }

  /** Explains why {@code open("/dev/net/tun")} failed. */
  static IOException openFailure(int errno) {
    return switch (errno) {
      case ENOENT, ENODEV, ENXIO ->
          new IOException("synack: /dev/net/tun is missing (load the tun module: modprobe tun)");
      case EACCES, EPERM ->
          new IOException(
              "synack: no permission to open /dev/net/tun (run as root or grant access)");
      default -> failure("cannot open /dev/net/tun", errno);
    };
  }

  /** Explains why {@code ioctl(TUNSETIFF)} failed for device {@code name}. */
  static IOException setIffFailure(String name, int errno) {
    return switch (errno) {
      case EPERM ->
          new IOException(
              "synack: needs CAP_NET_ADMIN to create TUN device "
                  + name
                  + " (run as root or grant the capability)");
      case EBUSY ->
          new IOException("synack: TUN device " + name + " is busy (another process has it)");
      case EINVAL ->
          new IOException(
              "synack: cannot use "
                  + name
                  + " as a TUN device (it exists and is not a TUN device, or the name is invalid)");
      default -> failure("cannot attach to TUN device " + name, errno);
    };
  }

  private static IOException failure(String what, int errno) {
    return new IOException("synack: " + what + ": " + strerror(errno) + " (errno " + errno + ")");
  }
}
