package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.BPF_MAP_CREATE;
import static dev.synack.link.LinuxSyscalls.BPF_MAP_TYPE_ARRAY;
import static dev.synack.link.LinuxSyscalls.BPF_PROG_LOAD;
import static dev.synack.link.LinuxSyscalls.BPF_PROG_TYPE_SOCKET_FILTER;
import static dev.synack.link.LinuxSyscalls.CALL_STATE_SIZE;
import static dev.synack.link.LinuxSyscalls.TUNSETFILTEREBPF;
import static dev.synack.link.LinuxSyscalls.bpf;
import static dev.synack.link.LinuxSyscalls.errno;
import static dev.synack.link.LinuxSyscalls.ioctl;
import static dev.synack.link.LinuxSyscalls.strerror;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A TUN device's filter that sheds SYNs before they take a place in its queue, by source and with
 * memory: an eBPF socket filter ({@code TUNSETFILTEREBPF}, Linux 4.19), which the kernel runs on
 * every packet it is about to queue for the reader ({@code tun_net_xmit}), passes every packet but
 * a pure SYN (SYN without ACK; IPv4 not a fragment, IPv6 with TCP right after the fixed header). A
 * pure SYN's source address, source port and sequence number are hashed into one of 2<sup>{@value
 * #SLOTS_LOG}</sup> slots of a map: a slot that holds the same hash means a SYN seen before and
 * shed, now retransmitted, which passes (the slot cleared); any other SYN leaves its hash in the
 * slot and is kept with probability 2<sup>-shift</sup>.
 *
 * <p>Why: the device's queue is one FIFO for everything the kernel sends synack, and a full queue
 * drops at its tail whatever comes, so under a SYN flood that synack reads more slowly than it
 * arrives, the ACKs and data of established connections are dropped with the flood. Shedding SYNs
 * after the read cannot help, since the queue is full by then; shedding them before the queue keeps
 * it short. Linux itself never queues a SYN for a listener whose queue is full (it answers from
 * softirq with a cookie, RFC 4987 §3.6); a user-space stack that cannot do that sheds at the
 * device. Shed at random alone, a legitimate client's SYN and each retransmission (RFC 6298's 1 s
 * initial RTO, then 2 s, 4 s...) face the same odds, and at one kept in 16 a client is shut out for
 * its 7 tries with probability 0.64; remembered, its first retransmission passes unless the flood
 * overwrote its slot in between (at 360,000 spoofed SYNs/s, 2<sup>20</sup> slots and 1 s, with
 * probability 1 - e<sup>-0.34</sup> = 0.29). A flood that repeats a pool of spoofed sources gets at
 * most every second SYN through (the pass clears the slot). This is the idea of RFC 4987 §3.4's SYN
 * cache and of a "SYN retransmission" check in front of a server, kept to one hash per slot.
 *
 * <p>The map is an array of 1,024 values of 4 KiB (2<sup>20</sup> 32-bit slots, 4 MiB; an array of
 * 2<sup>20</sup> 4-byte values would take 8 MiB, the kernel rounding each value to 8 bytes). When
 * the kernel refuses the map or the program that uses it, the filter falls back to the random keep
 * alone, and says so once.
 */
final class SynShedFilter implements AutoCloseable {
  /** Most SYNs shed: one kept in 2^{@value}. */
  static final int MAX_SHIFT = 16;

  /** No unknown SYN kept at all, only retransmissions (tests: the remembering alone). */
  static final int KEEP_NONE = 32;

  /** The slots: 2^{@value}. */
  static final int SLOTS_LOG = 20;

  /** Slots per map value: 2^{@value} of 4 bytes, 4 KiB. */
  private static final int PAGE_SLOTS_LOG = 10;

  /** Fibonacci hashing's multiplier, 2^64 / golden ratio (odd): multiply-shift keeps top bits. */
  private static final long MULTIPLIER = 0x9E3779B97F4A7C15L;

  private final String device;

  /** The map's descriptor, or -1: none (refused), the random keep alone. */
  private int map;

  /** Why there is no memory, or null. */
  private String note;

  private SynShedFilter(String device, int map, String note) {
    this.device = device;
    this.map = map;
    this.note = note;
  }

  /**
   * Creates the filter's map for {@code device}; when the kernel refuses it, a filter that sheds at
   * random alone ({@link #note} says why).
   */
  static SynShedFilter create(String device) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      // union bpf_attr for BPF_MAP_CREATE: type, key size, value size, entries, flags (the rest 0).
      MemorySegment attr = arena.allocate(72, 8);
      attr.set(JAVA_INT, 0, BPF_MAP_TYPE_ARRAY);
      attr.set(JAVA_INT, 4, 4);
      attr.set(JAVA_INT, 8, 4 << PAGE_SLOTS_LOG);
      attr.set(JAVA_INT, 12, 1 << (SLOTS_LOG - PAGE_SLOTS_LOG));
      long fd = bpf(state, BPF_MAP_CREATE, attr, (int) attr.byteSize());
      if (fd < 0) {
        int e = errno(state);
        return new SynShedFilter(
            device,
            -1,
            "cannot create the SYN filter's map for "
                + device
                + ": "
                + strerror(e)
                + " (errno "
                + e
                + "); SYNs shed at random alone");
      }
      return new SynShedFilter(device, (int) fd, null);
    }
  }

  /** Returns why SYNs are shed at random alone (no memory of sources), or null. */
  String note() {
    return note;
  }

  /** Returns whether a SYN retransmitted from a source seen before passes (the map in use). */
  boolean remembers() {
    return map >= 0;
  }

  /**
   * Returns the program's instructions for a map's descriptor {@code map} (-1: without memory, the
   * random keep alone).
   */
  static byte[] program(int shift, int map) {
    if ((shift < 1 || shift > MAX_SHIFT) && shift != KEEP_NONE)
      throw new IllegalArgumentException("shift must be 1.." + MAX_SHIFT + ": " + shift);
    BpfAssembler a = new BpfAssembler();
    // r6: the packet (for the legacy loads, which read from the network header and clobber r1-r5);
    // r7: the IPv4 header's length; r8: the hash; r9: the multiplier.
    a.op(0xbf, 6, 1, 0, 0); // r6 = r1
    a.loadImm64(9, 0, MULTIPLIER); // r9 = MULTIPLIER
    a.op(0x30, 0, 0, 0, 0); // r0 = byte 0 (version, IHL)
    a.op(0x77, 0, 0, 0, 4); // r0 >>= 4
    a.jump(0x15, 0, 0, 6, "v6"); // IPv6
    a.jump(0x55, 0, 0, 4, "keep"); // neither: keep
    a.op(0x30, 0, 0, 0, 9); // r0 = protocol
    a.jump(0x55, 0, 0, 6, "keep"); // not TCP: keep
    a.op(0x28, 0, 0, 0, 6); // r0 = flags and fragment offset
    a.jump(0x45, 0, 0, 0x1fff, "keep"); // a later fragment (no TCP header): keep
    a.op(0x30, 0, 0, 0, 0); // r0 = byte 0
    a.op(0x57, 0, 0, 0, 0xf); // r0 &= 0xf (IHL)
    a.op(0x67, 0, 0, 0, 2); // r0 <<= 2 (header length)
    a.op(0xbf, 7, 0, 0, 0); // r7 = r0
    a.op(0x50, 0, 7, 0, 13); // r0 = TCP flags
    a.op(0x57, 0, 0, 0, 0x12); // r0 &= SYN | ACK
    a.jump(0x55, 0, 0, 0x02, "keep"); // not a pure SYN: keep
    if (map >= 0) {
      a.op(0x20, 0, 0, 0, 12); // r0 = source address
      hashFirst(a);
      a.op(0x48, 0, 7, 0, 0); // r0 = source port
      hashNext(a);
      a.op(0x40, 0, 7, 0, 4); // r0 = sequence number
      hashNext(a);
      a.jump(0x05, 0, 0, 0, "slot");
    } else {
      a.jump(0x05, 0, 0, 0, "random");
    }
    // IPv6 (RFC 8200 §3): TCP only when it is the fixed header's next header; a packet with
    // extension headers passes unfiltered.
    a.label("v6");
    a.op(0x30, 0, 0, 0, 6); // r0 = next header
    a.jump(0x55, 0, 0, 6, "keep"); // not TCP: keep
    a.op(0x30, 0, 0, 0, 40 + 13); // r0 = TCP flags
    a.op(0x57, 0, 0, 0, 0x12); // r0 &= SYN | ACK
    a.jump(0x55, 0, 0, 0x02, "keep"); // not a pure SYN: keep
    if (map >= 0) {
      a.op(0x20, 0, 0, 0, 8); // r0 = source address, 4 words
      hashFirst(a);
      for (int word = 12; word <= 20; word += 4) {
        a.op(0x20, 0, 0, 0, word);
        hashNext(a);
      }
      a.op(0x28, 0, 0, 0, 40); // r0 = source port
      hashNext(a);
      a.op(0x20, 0, 0, 0, 44); // r0 = sequence number
      hashNext(a);
      // The slot: the hash's top 20 bits, 10 for the map value (the page), 10 within it.
      a.label("slot");
      a.op(0xbf, 1, 8, 0, 0); // r1 = r8
      a.op(0x77, 1, 0, 0, 64 - (SLOTS_LOG - PAGE_SLOTS_LOG)); // r1 >>= 54: the page
      a.op(0x63, 10, 1, -4, 0); // *(u32 *)(r10 - 4) = r1
      a.op(0xbf, 2, 10, 0, 0); // r2 = r10
      a.op(0x07, 2, 0, 0, -4); // r2 += -4: the key
      a.loadImm64(1, BpfAssembler.PSEUDO_MAP_FD, map); // r1 = the map
      a.op(0x85, 0, 0, 0, 1); // r0 = bpf_map_lookup_elem(r1, r2)
      a.jump(0x15, 0, 0, 0, "keep"); // never (the page is always in range); the verifier asks
      a.op(0xbf, 1, 8, 0, 0); // r1 = r8
      a.op(0x77, 1, 0, 0, 64 - SLOTS_LOG); // r1 >>= 44
      a.op(0x57, 1, 0, 0, (1 << PAGE_SLOTS_LOG) - 1); // r1 &= 1023: the slot in the page
      a.op(0x67, 1, 0, 0, 2); // r1 <<= 2
      a.op(0x0f, 0, 1, 0, 0); // r0 += r1
      // The tag kept in the slot: 32 bits of the hash below the slot's, never 0 (an empty slot).
      a.op(0xbf, 1, 8, 0, 0); // r1 = r8
      a.op(0x77, 1, 0, 0, 64 - SLOTS_LOG - 32); // r1 >>= 12
      a.op(0xbc, 1, 1, 0, 0); // w1 = w1 (the low 32 bits)
      a.op(0x47, 1, 0, 0, 1); // r1 |= 1
      a.op(0x61, 2, 0, 0, 0); // r2 = *(u32 *)(r0 + 0)
      a.jump(0x1d, 2, 1, 0, "again"); // the same: a retransmission
      a.op(0x63, 0, 1, 0, 0); // *(u32 *)(r0 + 0) = r1: remembered
    } else {
      a.jump(0x05, 0, 0, 0, "random");
    }
    a.label("random");
    if (shift == KEEP_NONE) {
      a.jump(0x05, 0, 0, 0, "shed");
    } else {
      a.op(0x85, 0, 0, 0, 7); // r0 = bpf_get_prandom_u32()
      a.op(0x57, 0, 0, 0, (int) ((1L << shift) - 1)); // r0 &= 2^shift - 1
      a.jump(0x55, 0, 0, 0, "shed"); // not 0: shed
    }
    a.label("keep");
    a.op(0xb7, 0, 0, 0, -1); // r0 = the whole packet
    a.op(0x95, 0, 0, 0, 0); // return
    a.label("shed");
    a.op(0xb7, 0, 0, 0, 0); // r0 = 0 (dropped)
    a.op(0x95, 0, 0, 0, 0); // return
    if (map >= 0) {
      a.label("again");
      a.op(0x62, 0, 0, 0, 0); // *(u32 *)(r0 + 0) = 0: forgotten, a repeat must start over
      a.jump(0x05, 0, 0, 0, "keep");
    }
    return a.bytes();
  }

  /** {@code r8 = r0 * MULTIPLIER}. */
  private static void hashFirst(BpfAssembler a) {
    a.op(0xbf, 8, 0, 0, 0); // r8 = r0
    a.op(0x2f, 8, 9, 0, 0); // r8 *= r9
  }

  /** {@code r8 = (r8 + r0) * MULTIPLIER}. */
  private static void hashNext(BpfAssembler a) {
    a.op(0x0f, 8, 0, 0, 0); // r8 += r0
    a.op(0x2f, 8, 9, 0, 0); // r8 *= r9
  }

  /**
   * Sets the filter of the TUN device whose queue {@code tunFd} is: SYNs from sources not seen
   * before kept one in 2<sup>shift</sup>, or no filter for shift 0.
   *
   * @throws IOException when the kernel refuses (no eBPF, no privilege, a kernel before 4.19)
   */
  void apply(int tunFd, int shift) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      MemorySegment fdArg = arena.allocate(JAVA_INT);
      int prog = shift > 0 ? load(shift) : -1;
      try {
        fdArg.set(JAVA_INT, 0, prog);
        if (ioctl(state, tunFd, TUNSETFILTEREBPF, fdArg) < 0) {
          int e = errno(state);
          throw new IOException(
              "cannot set the SYN filter of " + device + ": " + strerror(e) + " (errno " + e + ")");
        }
      } finally {
        // The device holds its own reference to the program, and the program to the map.
        if (prog >= 0) LinuxSyscalls.close(prog);
      }
    }
  }

  /**
   * Loads the program for {@code shift} and returns its descriptor (the caller closes it); when the
   * kernel refuses the program with memory, drops the map and loads it without.
   */
  int load(int shift) throws IOException {
    if (map >= 0) {
      try {
        return load(program(shift, map));
      } catch (IOException refused) {
        note = refused.getMessage() + "; SYNs shed at random alone";
        System.getLogger(SynShedFilter.class.getName())
            .log(System.Logger.Level.WARNING, "synack: " + note);
        LinuxSyscalls.close(map);
        map = -1;
      }
    }
    return load(program(shift, -1));
  }

  /** Loads {@code code} as a socket filter and returns its descriptor. */
  private int load(byte[] code) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      MemorySegment insns = arena.allocate(code.length, 8);
      MemorySegment.copy(MemorySegment.ofArray(code), 0, insns, 0, code.length);
      MemorySegment license = arena.allocateFrom("GPL");
      int logSize = 64 * 1024;
      MemorySegment log = arena.allocate(logSize);
      // union bpf_attr for BPF_PROG_LOAD, up to prog_flags: type, count, insns, license, log
      // level, log size, log buffer, kernel version, flags.
      MemorySegment attr = arena.allocate(48, 8);
      attr.set(JAVA_INT, 0, BPF_PROG_TYPE_SOCKET_FILTER);
      attr.set(JAVA_INT, 4, code.length / 8);
      attr.set(JAVA_LONG, 8, insns.address());
      attr.set(JAVA_LONG, 16, license.address());
      attr.set(JAVA_INT, 24, 1);
      attr.set(JAVA_INT, 28, logSize);
      attr.set(JAVA_LONG, 32, log.address());
      long fd = bpf(state, BPF_PROG_LOAD, attr, (int) attr.byteSize());
      if (fd < 0) {
        int e = errno(state);
        String verifier = log.getString(0).strip();
        int tail = Math.max(0, verifier.length() - 400);
        throw new IOException(
            "cannot load the SYN filter for "
                + device
                + ": "
                + strerror(e)
                + " (errno "
                + e
                + ")"
                + (verifier.isEmpty() ? "" : ": " + verifier.substring(tail).replace('\n', ' ')));
      }
      return (int) fd;
    }
  }

  /** Closes the map (the device's program, if any, keeps its own reference while it filters). */
  @Override
  public void close() {
    if (map >= 0) LinuxSyscalls.close(map);
    map = -1;
  }
}
