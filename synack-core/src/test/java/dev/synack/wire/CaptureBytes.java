package dev.synack.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds capture files byte by byte in a chosen byte order, for reader tests. */
public final class CaptureBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteOrder order;

  public CaptureBytes(ByteOrder order) {
    this.order = order;
  }

  public CaptureBytes u8(int v) {
    out.write(v);
    return this;
  }

  public CaptureBytes u16(int v) {
    return put(ByteBuffer.allocate(2).order(order).putShort((short) v).array());
  }

  public CaptureBytes u32(long v) {
    return put(ByteBuffer.allocate(4).order(order).putInt((int) v).array());
  }

  public CaptureBytes u64(long v) {
    return put(ByteBuffer.allocate(8).order(order).putLong(v).array());
  }

  public CaptureBytes put(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** Appends zero bytes up to the next multiple of four. */
  public CaptureBytes pad4() {
    while (out.size() % 4 != 0) out.write(0);
    return this;
  }

  public int size() {
    return out.size();
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }

  /** Returns a classic pcap file header. */
  public static CaptureBytes pcapHeader(ByteOrder order, boolean nanos, int linkType) {
    return new CaptureBytes(order)
        .u32(nanos ? 0xa1b23c4dL : 0xa1b2c3d4L)
        .u16(2)
        .u16(4)
        .u32(0)
        .u32(0)
        .u32(65535)
        .u32(linkType);
  }

  /** Appends a classic pcap record. */
  public CaptureBytes pcapRecord(long seconds, long fraction, byte[] frame, int originalLength) {
    return u32(seconds).u32(fraction).u32(frame.length).u32(originalLength).put(frame);
  }

  /** Appends a pcapng block: type, total length, body padded to four bytes, total length. */
  public CaptureBytes block(int type, byte[] body) {
    int length = 12 + ((body.length + 3) & ~3);
    u32(type).u32(length).put(body).pad4();
    return u32(length);
  }

  /** Returns a pcapng Section Header Block body (byte-order magic, version 1.0, unknown length). */
  public CaptureBytes shb() {
    return block(
        0x0a0d0d0a, new CaptureBytes(order).u32(0x1a2b3c4d).u16(1).u16(0).u64(-1).toByteArray());
  }

  /**
   * Appends an Interface Description Block, with an if_tsresol option when {@code tsresol >= 0}.
   */
  public CaptureBytes idb(int linkType, int tsresol) {
    CaptureBytes body = new CaptureBytes(order).u16(linkType).u16(0).u32(0);
    if (tsresol >= 0) body.u16(9).u16(1).u8(tsresol).pad4();
    body.u16(0).u16(0);
    return block(1, body.toByteArray());
  }

  /** Appends an Enhanced Packet Block. */
  public CaptureBytes epb(int interfaceId, long ticks, byte[] frame, int originalLength) {
    CaptureBytes body =
        new CaptureBytes(order)
            .u32(interfaceId)
            .u32(ticks >>> 32)
            .u32(ticks)
            .u32(frame.length)
            .u32(originalLength)
            .put(frame)
            .pad4();
    return block(6, body.toByteArray());
  }

  /** Returns a 20-byte IPv4 header (no payload) whose last byte is {@code tag}. */
  public static byte[] ipv4(int tag) {
    byte[] p = new byte[20];
    p[0] = 0x45;
    p[3] = 20;
    p[9] = 6;
    p[19] = (byte) tag;
    return p;
  }

  /** Returns a 40-byte IPv6 header (no payload) whose last byte is {@code tag}. */
  public static byte[] ipv6(int tag) {
    byte[] p = new byte[40];
    p[0] = 0x60;
    p[6] = 6;
    p[39] = (byte) tag;
    return p;
  }

  /** Returns {@code header} followed by {@code payload}. */
  public static byte[] concat(byte[] header, byte[] payload) {
    byte[] r = new byte[header.length + payload.length];
    System.arraycopy(header, 0, r, 0, header.length);
    System.arraycopy(payload, 0, r, header.length, payload.length);
    return r;
  }
}
