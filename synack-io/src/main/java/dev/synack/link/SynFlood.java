package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A spoofed SYN flood at a set rate: TCP SYNs from random sources of one IPv4 network to one
 * address and port, as {@code hping3 --flood --rand-source} sends them, written through a raw IPv4
 * socket ({@code IPPROTO_RAW}, the header built here) {@value #BATCH} at a time with {@code
 * sendmmsg(2)}, so that one system call carries a whole batch.
 *
 * <p>The socket belongs to the network namespace of the thread that {@linkplain #open opens} it (a
 * thread that entered the namespace of a TUN device's kernel end, for instance), and the kernel
 * routes the packets from there as it routes its own; any thread may then {@link #flood}. Needs
 * CAP_NET_RAW. Each SYN is 44 bytes: a 20-byte IPv4 header (the kernel fills its checksum and
 * length) and a TCP header with an MSS option of 1460, its checksum right, from a random port above
 * 1023 with a random sequence number, from a pseudo-random generator with the caller's seed.
 */
public final class SynFlood implements AutoCloseable {
  /** SYNs per {@code sendmmsg} call. */
  public static final int BATCH = 64;

  private static final int IP_HEADER = 20;
  private static final int TCP_HEADER = 24;
  private static final int PACKET = IP_HEADER + TCP_HEADER;
  private static final ValueLayout.OfShort BE_SHORT =
      JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);
  private static final ValueLayout.OfInt BE_INT =
      JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

  /**
   * What a flood did.
   *
   * @param sent SYNs the kernel took
   * @param refused SYNs it refused (ENOBUFS or EAGAIN: no buffer for the packet now), not resent
   * @param nanos how long it took
   */
  public record Report(long sent, long refused, long nanos) {
    /** Returns the SYNs taken per second. */
    public double rate() {
      return nanos <= 0 ? 0 : sent * 1e9 / nanos;
    }
  }

  private final int fd;
  private final Arena arena;
  private final MemorySegment packets;
  private final MemorySegment msgs;
  private final MemorySegment state;
  private final int destination;
  private final int port;
  private final int network;
  private final int hostMask;
  private final SplittableRandom random;
  private volatile boolean closed;

  private SynFlood(
      int fd, Arena arena, int destination, int port, int network, int hostMask, long seed) {
    this.fd = fd;
    this.arena = arena;
    this.destination = destination;
    this.port = port;
    this.network = network;
    this.hostMask = hostMask;
    this.random = new SplittableRandom(seed);
    this.packets = arena.allocate((long) BATCH * PACKET, 64);
    MemorySegment iovecs = arena.allocate(BATCH * IOVEC_SIZE, 8);
    this.msgs = arena.allocate(BATCH * MMSGHDR_SIZE, 8);
    this.state = arena.allocate(CALL_STATE_SIZE, 8);
    // struct sockaddr_in of the destination: the raw socket routes by it.
    MemorySegment to = arena.allocate(16, 8);
    to.set(JAVA_SHORT, 0, (short) AF_INET);
    to.set(BE_INT, 4, destination);
    for (int i = 0; i < BATCH; i++) {
      iovec(iovecs, i, packets.asSlice((long) i * PACKET, PACKET), PACKET);
      long m = i * MMSGHDR_SIZE;
      msgs.set(ADDRESS, m + MSGHDR_NAME_OFFSET, to);
      msgs.set(JAVA_INT, m + MSGHDR_NAMELEN_OFFSET, 16);
      msgs.set(ADDRESS, m + MSGHDR_IOV_OFFSET, iovecs.asSlice(i * IOVEC_SIZE, IOVEC_SIZE));
      msgs.set(JAVA_LONG, m + MSGHDR_IOVLEN_OFFSET, 1L);
    }
  }

  /**
   * Opens a raw socket in the calling thread's network namespace for SYNs to {@code target}'s
   * {@code port} from random addresses of {@code sources}/{@code prefixLength} (e.g. RFC 2544's
   * benchmarking network 198.18.0.0/15).
   *
   * @throws IOException when the kernel refuses the socket (no CAP_NET_RAW) or libc has no sendmmsg
   */
  @SuppressWarnings(
      "MustBeClosedChecker") // the arena lives as long as the flood, whose close() closes it
  public static SynFlood open(
      Inet4Address target, int port, Inet4Address sources, int prefixLength, long seed)
      throws IOException {
    if (port < 1 || port > 65_535)
      throw new IllegalArgumentException("port must be 1..65535: " + port);
    if (prefixLength < 0 || prefixLength > 32)
      throw new IllegalArgumentException("prefix must be 0..32: " + prefixLength);
    if (!hasSendmmsg())
      throw new IOException("synack: libc has no sendmmsg, which the SYN flood needs");
    Arena arena = Arena.ofShared();
    try {
      MemorySegment st = arena.allocate(CALL_STATE_SIZE, 8);
      int fd = socket(st, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
      if (fd < 0) {
        int errno = errno(st);
        throw new IOException(
            "synack: cannot open a raw socket for the SYN flood: "
                + strerror(errno)
                + " (errno "
                + errno
                + (errno == EPERM ? "; needs CAP_NET_RAW" : "")
                + ")");
      }
      int hostMask = prefixLength == 0 ? -1 : (int) ((1L << (32 - prefixLength)) - 1);
      return new SynFlood(
          fd, arena, toInt(target), port, toInt(sources) & ~hostMask, hostMask, seed);
    } catch (IOException | RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /**
   * Sends {@code count} SYNs, at most {@code perSecond} a second (0: as fast as it can), until done
   * or {@code stop} says so (asked after each batch); returns what it did.
   *
   * @throws IOException when the kernel refuses a send for a reason other than a full buffer
   */
  public Report flood(long count, long perSecond, BooleanSupplier stop) throws IOException {
    if (count < 0 || perSecond < 0)
      throw new IllegalArgumentException(
          "count and rate must be >= 0: " + count + ", " + perSecond);
    long start = System.nanoTime();
    long sent = 0;
    long refused = 0;
    while (sent + refused < count && !stop.getAsBoolean() && !closed) {
      int n = (int) Math.min(BATCH, count - sent - refused);
      for (int i = 0; i < n; i++) fill(packets.asSlice((long) i * PACKET, PACKET));
      for (int off = 0; off < n; ) {
        int r = sendmmsg(state, fd, msgs.asSlice(off * MMSGHDR_SIZE), n - off);
        if (r > 0) {
          sent += r;
          off += r;
          continue;
        }
        int errno = errno(state);
        if (errno == EINTR) continue;
        if (errno == ENOBUFS || errno == EAGAIN) {
          refused++; // The first message found no room: it is lost, as a busy network loses it.
          off++;
          continue;
        }
        throw new IOException(
            "synack: the SYN flood's sendmmsg failed: "
                + strerror(errno)
                + " (errno "
                + errno
                + ")");
      }
      if (perSecond > 0) {
        long due = start + (long) ((sent + refused) * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
      }
    }
    return new Report(sent, refused, System.nanoTime() - start);
  }

  /** Writes one SYN from a random source into {@code p}. */
  private void fill(MemorySegment p) {
    int source = network | (random.nextInt() & hostMask);
    int sourcePort = 1024 + random.nextInt(65_536 - 1024);
    int seq = random.nextInt();
    // IPv4 (RFC 791): version 4, IHL 5, DF, TTL 64, protocol 6; the kernel fills the checksum
    // (IP_HDRINCL).
    p.set(JAVA_BYTE, 0, (byte) 0x45);
    p.set(JAVA_BYTE, 1, (byte) 0);
    p.set(BE_SHORT, 2, (short) PACKET);
    p.set(BE_SHORT, 4, (short) random.nextInt());
    p.set(BE_SHORT, 6, (short) 0x4000);
    p.set(JAVA_BYTE, 8, (byte) 64);
    p.set(JAVA_BYTE, 9, (byte) 6);
    p.set(BE_SHORT, 10, (short) 0);
    p.set(BE_INT, 12, source);
    p.set(BE_INT, 16, destination);
    // TCP (RFC 9293): SYN, data offset 6 words, window 64240, option MSS 1460 (kind 2, length 4).
    long t = IP_HEADER;
    p.set(BE_SHORT, t, (short) sourcePort);
    p.set(BE_SHORT, t + 2, (short) port);
    p.set(BE_INT, t + 4, seq);
    p.set(BE_INT, t + 8, 0);
    p.set(JAVA_BYTE, t + 12, (byte) 0x60);
    p.set(JAVA_BYTE, t + 13, (byte) 0x02);
    p.set(BE_SHORT, t + 14, (short) 64_240);
    p.set(BE_SHORT, t + 16, (short) 0);
    p.set(BE_SHORT, t + 18, (short) 0);
    p.set(BE_INT, t + 20, 0x0204_05b4);
    // The checksum over the pseudo-header (RFC 9293 §3.1) and the header, no payload.
    long sum =
        (long) (source >>> 16)
            + (source & 0xffff)
            + (destination >>> 16)
            + (destination & 0xffff)
            + 6
            + TCP_HEADER;
    for (long i = 0; i < TCP_HEADER; i += 2) sum += Short.toUnsignedInt(p.get(BE_SHORT, t + i));
    while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
    p.set(BE_SHORT, t + 16, (short) ~sum);
  }

  /**
   * Closes the socket; call it once no flood runs (end one through its {@code stop} condition
   * first).
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    LinuxSyscalls.close(fd);
    arena.close();
  }

  private static int toInt(Inet4Address a) {
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }
}
