package dev.synack.link;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A TUN device's filter that sheds SYNs before they take a place in its queue: an eBPF socket
 * filter ({@code TUNSETFILTEREBPF}, Linux 4.19), which the kernel runs on every packet it is about
 * to queue for the reader ({@code tun_net_xmit}), keeps a pure IPv4 SYN (SYN without ACK, not a
 * fragment) with probability 2<sup>-shift</sup> and every other packet.
 *
 * <p>Why: the device's queue is one FIFO for everything the kernel sends synack, and a full queue
 * drops at its tail whatever comes, so under a SYN flood that synack reads more slowly than it
 * arrives, the ACKs and data of established connections are dropped with the flood, and their
 * senders back off until they give up. Shedding SYNs after the read ({@code syn-flood-shed}) cannot
 * help, since the queue is full by then; shedding them before the queue keeps it short, so what
 * synack reads is mostly what matters. Linux itself never queues a SYN for a listener whose queue
 * is full (it answers from softirq with a cookie, RFC 4987 §3.6); a user-space stack that cannot do
 * that sheds at the device, as a SYN-rate policer in front of a server does. A legitimate client
 * whose SYN is shed retransmits it (RFC 6298's 1 s initial RTO), as it would after a loss.
 */
final class SynShedFilter {
  /** Most SYNs shed: one kept in 2^{@value}. */
  static final int MAX_SHIFT = 16;

  private SynShedFilter() {}

  /**
   * Returns the program's instructions: 8 bytes each (opcode; destination and source registers;
   * 16-bit offset; 32-bit immediate), little-endian as the machine's.
   */
  static byte[] program(int shift) {
    if (shift < 1 || shift > MAX_SHIFT)
      throw new IllegalArgumentException("shift must be 1.." + MAX_SHIFT + ": " + shift);
    ByteBuffer p = ByteBuffer.allocate(22 * 8).order(ByteOrder.nativeOrder());
    // Jumps count instructions from the one after the jump: KEEP is 18, SHED is 20.
    insn(p, 0xbf, 6, 1, 0, 0); // 0: r6 = r1 (the packet, which the legacy loads below read)
    insn(p, 0x30, 0, 0, 0, 0); // 1: r0 = byte 0 (version, IHL)
    insn(p, 0x77, 0, 0, 0, 4); // 2: r0 >>= 4
    insn(p, 0x55, 0, 0, 14, 4); // 3: not IPv4: keep
    insn(p, 0x30, 0, 0, 0, 9); // 4: r0 = protocol
    insn(p, 0x55, 0, 0, 12, 6); // 5: not TCP: keep
    insn(p, 0x28, 0, 0, 0, 6); // 6: r0 = flags and fragment offset
    insn(p, 0x45, 0, 0, 10, 0x1fff); // 7: a later fragment (no TCP header): keep
    insn(p, 0x30, 0, 0, 0, 0); // 8: r0 = byte 0
    insn(p, 0x57, 0, 0, 0, 0xf); // 9: r0 &= 0xf (IHL)
    insn(p, 0x67, 0, 0, 0, 2); // 10: r0 <<= 2 (header length)
    insn(p, 0xbf, 7, 0, 0, 0); // 11: r7 = r0
    insn(p, 0x50, 0, 7, 0, 13); // 12: r0 = byte r7 + 13 (TCP flags)
    insn(p, 0x57, 0, 0, 0, 0x12); // 13: r0 &= SYN | ACK
    insn(p, 0x55, 0, 0, 3, 0x02); // 14: not a pure SYN: keep
    insn(p, 0x85, 0, 0, 0, 7); // 15: r0 = bpf_get_prandom_u32()
    insn(p, 0x57, 0, 0, 0, (int) ((1L << shift) - 1)); // 16: r0 &= 2^shift - 1
    insn(p, 0x55, 0, 0, 2, 0); // 17: not 0: shed
    insn(p, 0xb7, 0, 0, 0, -1); // 18 KEEP: r0 = the whole packet
    insn(p, 0x95, 0, 0, 0, 0); // 19: return
    insn(p, 0xb7, 0, 0, 0, 0); // 20 SHED: r0 = 0 (dropped)
    insn(p, 0x95, 0, 0, 0, 0); // 21: return
    return p.array();
  }

  private static void insn(ByteBuffer p, int opcode, int dst, int src, int offset, int imm) {
    p.put((byte) opcode).put((byte) ((src << 4) | dst)).putShort((short) offset).putInt(imm);
  }

  /**
   * Sets the filter of the TUN device whose queue {@code tunFd} is: SYNs kept one in
   * 2<sup>shift</sup>, or no filter for shift 0.
   *
   * @throws IOException when the kernel refuses (no eBPF, no privilege, a kernel before 4.19)
   */
  static void apply(int tunFd, int shift, String device) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      MemorySegment fdArg = arena.allocate(JAVA_INT);
      int prog = -1;
      if (shift > 0) {
        prog = load(arena, state, program(shift), device);
      }
      try {
        fdArg.set(JAVA_INT, 0, prog);
        if (ioctl(state, tunFd, TUNSETFILTEREBPF, fdArg) < 0) {
          int e = errno(state);
          throw new IOException(
              "cannot set the SYN filter of " + device + ": " + strerror(e) + " (errno " + e + ")");
        }
      } finally {
        // The device holds its own reference to the program.
        if (prog >= 0) LinuxSyscalls.close(prog);
      }
    }
  }

  /** Loads {@code code} as a socket filter and returns its descriptor. */
  private static int load(Arena arena, MemorySegment state, byte[] code, String device)
      throws IOException {
    MemorySegment insns = arena.allocate(code.length, 8);
    MemorySegment.copy(MemorySegment.ofArray(code), 0, insns, 0, code.length);
    MemorySegment license = arena.allocateFrom("GPL");
    int logSize = 16 * 1024;
    MemorySegment log = arena.allocate(logSize);
    // union bpf_attr for BPF_PROG_LOAD, up to prog_flags: type, count, insns, license, log level,
    // log size, log buffer, kernel version, flags.
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
      throw new IOException(
          "cannot load the SYN filter for "
              + device
              + ": "
              + strerror(e)
              + " (errno "
              + e
              + ")"
              + (verifier.isEmpty() ? "" : ": " + verifier.replace('\n', ' ')));
    }
    return (int) fd;
  }
}
