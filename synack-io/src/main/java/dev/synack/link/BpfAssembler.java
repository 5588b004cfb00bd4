package dev.synack.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A builder of eBPF instructions with named jump targets: each instruction is 8 bytes (opcode;
 * destination and source registers; 16-bit offset; 32-bit immediate) in the machine's byte order,
 * and a jump's offset counts instructions from the one after it, which {@link #bytes} fills in from
 * the labels.
 */
final class BpfAssembler {
  /** {@code BPF_PSEUDO_MAP_FD}: the immediate of a 64-bit load is a map's descriptor. */
  static final int PSEUDO_MAP_FD = 1;

  private record Insn(int opcode, int dst, int src, int offset, int imm, String target) {}

  private final List<Insn> insns = new ArrayList<>();
  private final Map<String, Integer> labels = new HashMap<>();

  /** Appends one instruction. */
  BpfAssembler op(int opcode, int dst, int src, int offset, int imm) {
    insns.add(new Insn(opcode, dst, src, offset, imm, null));
    return this;
  }

  /** Appends a jump to {@code target}, whose offset is filled in by {@link #bytes}. */
  BpfAssembler jump(int opcode, int dst, int src, int imm, String target) {
    insns.add(new Insn(opcode, dst, src, 0, imm, target));
    return this;
  }

  /** Names the next instruction. */
  BpfAssembler label(String name) {
    if (labels.putIfAbsent(name, insns.size()) != null)
      throw new IllegalStateException("label twice: " + name);
    return this;
  }

  /** Appends a 64-bit immediate load (two instructions): {@code dst = imm}, or a map's address. */
  BpfAssembler loadImm64(int dst, int src, long imm) {
    op(0x18, dst, src, 0, (int) imm);
    return op(0, 0, 0, 0, (int) (imm >>> 32));
  }

  /** Returns the number of instructions so far. */
  int size() {
    return insns.size();
  }

  /** Returns the program: its instructions with every jump's offset resolved. */
  byte[] bytes() {
    ByteBuffer p = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.nativeOrder());
    for (int i = 0; i < insns.size(); i++) {
      Insn insn = insns.get(i);
      int offset = insn.offset();
      if (insn.target() != null) {
        Integer at = labels.get(insn.target());
        if (at == null) throw new IllegalStateException("no label " + insn.target());
        offset = at - (i + 1);
      }
      p.put((byte) insn.opcode())
          .put((byte) ((insn.src() << 4) | insn.dst()))
          .putShort((short) offset)
          .putInt(insn.imm());
    }
    return p.array();
  }
}
