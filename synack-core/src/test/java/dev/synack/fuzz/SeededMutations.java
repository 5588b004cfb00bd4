package dev.synack.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Feeds a fuzz target a bounded number of inputs made from its checked-in seed corpus, so that
 * {@code mvn verify} exercises more than the seeds without the fuzzer: each input is a seed, or
 * random bytes, changed by a few of libFuzzer's simplest mutations (flip a bit, set a byte to an
 * interesting value, insert, erase, truncate, splice two seeds). Seeded, so a failure replays; the
 * failing input is printed as hex to be saved into the corpus.
 */
public final class SeededMutations {
  private static final byte[] INTERESTING = {
    0, 1, 2, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff, 0x40, 0x10, 0x12, 0x14
  };

  private SeededMutations() {}

  /**
   * Returns the seed files Jazzer reads for {@code testClass#method} (its {@code
   * <Class>Inputs/<method>} resource directory).
   */
  public static List<byte[]> corpus(Class<?> testClass, String method) {
    String dir = testClass.getSimpleName() + "Inputs/" + method;
    URL url = testClass.getResource(dir);
    if (url == null)
      throw new IllegalStateException(
          "no seed corpus at " + testClass.getPackageName() + "/" + dir);
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      List<byte[]> seeds = new ArrayList<>();
      for (Path p : files.sorted().toList()) seeds.add(Files.readAllBytes(p));
      return seeds;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs {@code target} on {@code count} mutated inputs drawn with {@code seed}; rethrows the first
   * failure with its input.
   */
  public static void run(
      List<byte[]> seeds, int count, long seed, int maxLength, Consumer<byte[]> target) {
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      byte[] input = mutate(seeds, random, maxLength);
      try {
        target.accept(input);
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError(
            "generated input "
                + i
                + " (seed "
                + seed
                + ") failed: "
                + java.util.HexFormat.of().formatHex(input),
            e);
      }
    }
  }

  static byte[] mutate(List<byte[]> seeds, SplittableRandom random, int maxLength) {
    byte[] b =
        random.nextInt(16) == 0 || seeds.isEmpty()
            ? randomBytes(random, random.nextInt(maxLength + 1))
            : seeds.get(random.nextInt(seeds.size())).clone();
    int mutations = 1 + random.nextInt(4);
    for (int m = 0; m < mutations; m++) {
      int at = b.length == 0 ? 0 : random.nextInt(b.length);
      switch (random.nextInt(7)) {
        case 0 -> {
          if (b.length > 0) b[at] ^= (byte) (1 << random.nextInt(8));
        }
        case 1 -> {
          if (b.length > 0) b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        }
        case 2 -> {
          if (b.length > 0) b[at] = (byte) random.nextInt(256);
        }
        case 3 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1)); // truncate
        case 4 -> { // insert a few random bytes
          byte[] extra = randomBytes(random, 1 + random.nextInt(8));
          byte[] n = new byte[Math.min(maxLength, b.length + extra.length)];
          System.arraycopy(b, 0, n, 0, Math.min(at, n.length));
          System.arraycopy(
              extra,
              0,
              n,
              Math.min(at, n.length),
              Math.min(extra.length, n.length - Math.min(at, n.length)));
          if (at + extra.length < n.length)
            System.arraycopy(b, at, n, at + extra.length, n.length - at - extra.length);
          b = n;
        }
        case 5 -> { // erase a run
          if (b.length > 0) {
            int len = 1 + random.nextInt(Math.min(8, b.length - at));
            byte[] n = new byte[b.length - len];
            System.arraycopy(b, 0, n, 0, at);
            System.arraycopy(b, at + len, n, at, b.length - at - len);
            b = n;
          }
        }
        default -> { // splice: the head of this input, the tail of another seed
          if (!seeds.isEmpty()) {
            byte[] other = seeds.get(random.nextInt(seeds.size()));
            int from = other.length == 0 ? 0 : random.nextInt(other.length);
            byte[] n = Arrays.copyOf(b, Math.min(maxLength, at + other.length - from));
            System.arraycopy(other, from, n, at, n.length - at);
            b = n;
          }
        }
      }
    }
    return b.length > maxLength ? Arrays.copyOf(b, maxLength) : b;
  }

  private static byte[] randomBytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
