package dev.synack.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests of {@link FileBody}: what reaches the socket's stream, and in which writes. */
class FileBodyTest {
  private static final byte[] HEAD =
      "HTTP/1.1 200 OK\r\nContent-Length: 700000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  @TempDir Path dir;

  @Test
  void aLargeFile_goesOutIn256KiBWrites_theHeadInTheFirst() throws IOException {
    byte[] data = pattern(700_000);
    Path file = Files.write(dir.resolve("f"), data);
    Recorder out = new Recorder();

    assertEquals(700_000, new FileBody().send(HEAD, file, 0, data.length, out));

    int total = HEAD.length + data.length;
    assertEquals(
        List.of(256 * 1024, 256 * 1024, total - 2 * 256 * 1024), out.sizes, "the writes' sizes");
    assertArrayEquals(concat(HEAD, data), out.bytes.toByteArray());
  }

  @Test
  void aRange_sendsOnlyItsBytes_inOneWriteWithTheHead() throws IOException {
    byte[] data = pattern(100_000);
    Path file = Files.write(dir.resolve("f"), data);
    Recorder out = new Recorder();

    assertEquals(5_000, new FileBody().send(HEAD, file, 1_234, 5_000, out));

    assertEquals(List.of(HEAD.length + 5_000), out.sizes);
    assertArrayEquals(
        concat(HEAD, Arrays.copyOfRange(data, 1_234, 6_234)), out.bytes.toByteArray());
  }

  @Test
  void anEmptyFile_sendsTheHeadAlone() throws IOException {
    Path file = Files.write(dir.resolve("f"), new byte[0]);
    Recorder out = new Recorder();

    assertEquals(0, new FileBody().send(HEAD, file, 0, 0, out));

    assertEquals(List.of(HEAD.length), out.sizes);
    assertArrayEquals(HEAD, out.bytes.toByteArray());
  }

  @Test
  void aFileShorterThanPromised_sendsWhatItHas_andSaysMinusOne() throws IOException {
    byte[] data = pattern(300_000);
    Path file = Files.write(dir.resolve("f"), data);
    Recorder out = new Recorder();

    assertEquals(-1, new FileBody().send(HEAD, file, 0, 400_000, out));

    assertArrayEquals(concat(HEAD, data), out.bytes.toByteArray());
  }

  @Test
  void everyWrite_ofEveryResponse_handsTheSameDirectBuffer_noArrayInBetween() throws IOException {
    byte[] data = pattern(700_000);
    Path file = Files.write(dir.resolve("f"), data);
    Recorder out = new Recorder();
    FileBody body = new FileBody();

    body.send(HEAD, file, 0, data.length, out);
    body.send(HEAD, file, 10, 300_000, out);

    assertEquals(5, out.buffers.size());
    for (ByteBuffer b : out.buffers) {
      assertTrue(b.isDirect(), "a heap buffer costs a second copy");
      assertSame(out.buffers.get(0), b, "a buffer made per write");
    }
    assertArrayEquals(
        concat(concat(HEAD, data), concat(HEAD, Arrays.copyOfRange(data, 10, 300_010))),
        out.bytes.toByteArray());
  }

  /** A sink that keeps what it was given, the size of each write and the buffer it came in. */
  private static final class Recorder implements FileBody.Sink {
    final List<Integer> sizes = new ArrayList<>();
    final List<ByteBuffer> buffers = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void write(ByteBuffer piece) {
      sizes.add(piece.remaining());
      buffers.add(piece);
      byte[] b = new byte[piece.remaining()];
      piece.get(b);
      bytes.write(b, 0, b.length);
    }
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + (i >>> 9));
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
