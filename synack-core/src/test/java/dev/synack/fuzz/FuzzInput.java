package dev.synack.fuzz;

/**
 * Reads choices out of a fuzzer's bytes, front to back; once the bytes run out every read returns 0
 * (the first choice), so any byte string is a valid, finite scenario. Small, so that the seed
 * corpus can be written by hand: a choice among {@code n < 256} takes one byte.
 */
public final class FuzzInput {
  private final byte[] data;
  private int position;

  public FuzzInput(byte[] data) {
    this.data = data;
  }

  /** Returns whether bytes remain. */
  public boolean hasMore() {
    return position < data.length;
  }

  /** Returns the next byte, 0..255. */
  public int nextByte() {
    return position < data.length ? data[position++] & 0xff : 0;
  }

  /** Returns a choice in 0..n-1: one byte when {@code n <= 256}, else four. */
  public int choose(int n) {
    if (n <= 0) throw new IllegalArgumentException("no choice among " + n);
    return n <= 256 ? nextByte() % n : Math.floorMod(nextInt(), n);
  }

  /** Returns one of the given values. */
  @SafeVarargs
  public final <T> T pick(T... values) {
    return values[choose(values.length)];
  }

  /** Returns the next four bytes as a big-endian int. */
  public int nextInt() {
    return nextByte() << 24 | nextByte() << 16 | nextByte() << 8 | nextByte();
  }

  /** Returns the next two bytes as an unsigned 16-bit number. */
  public int nextU16() {
    return nextByte() << 8 | nextByte();
  }

  /** Returns whether the next byte is odd. */
  public boolean nextBoolean() {
    return (nextByte() & 1) != 0;
  }
}
