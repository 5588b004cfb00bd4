package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.IsnGenerator;
import dev.synack.tcp.SipHash;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The keyed hashes of a SYN cookie and of its TSval's clock offset, computed from an IPv4 address's
 * words without arrays, are the SipHash of the same bytes as before: every cookie and TSval (so
 * every cookie SYN-ACK's bytes) is unchanged, and an ACK to a cookie sent before the change still
 * validates.
 */
class SynCookieHashTest {
  @Test
  void cookieHash_ofIpv4And6Tuples_isSipHashOfRemoteLocalPortsAndCount() throws Exception {
    SplittableRandom random = new SplittableRandom(21);
    for (int i = 0; i < 5_000; i++) {
      boolean ipv6 = i % 5 == 0;
      FourTuple id =
          new FourTuple(
              address(random, ipv6),
              random.nextInt(65536),
              address(random, ipv6),
              random.nextInt(65536));
      int count = random.nextInt();
      long k0 = random.nextLong();
      long k1 = random.nextLong();
      byte[] local = id.localAddress().getAddress();
      byte[] remote = id.remoteAddress().getAddress();
      ByteBuffer m = ByteBuffer.allocate(local.length + remote.length + 8);
      m.put(remote)
          .put(local)
          .putShort((short) id.remotePort())
          .putShort((short) id.localPort())
          .putInt(count);
      assertEquals(
          (int) SipHash.hash(k0, k1, m.array()), SynCookies.hash(id, count, k0, k1), "tuple " + id);
    }
  }

  @Test
  void timestampOffset_ofIpv4And6Pairs_isSipHashOfDomainLocalRemote() throws Exception {
    SplittableRandom random = new SplittableRandom(22);
    for (int i = 0; i < 5_000; i++) {
      boolean ipv6 = i % 5 == 0;
      byte[] key = new byte[16];
      random.nextBytes(key);
      InetAddress local = address(random, ipv6);
      InetAddress remote = address(random, ipv6);
      ByteArrayOutputStream m = new ByteArrayOutputStream();
      m.write('T');
      m.writeBytes(local.getAddress());
      m.writeBytes(remote.getAddress());
      long k0 = ByteBuffer.wrap(key, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
      long k1 = ByteBuffer.wrap(key, 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
      assertEquals(
          (int) SipHash.hash(k0, k1, m.toByteArray()),
          new IsnGenerator(key).timestampOffset(local, remote),
          local + " to " + remote);
    }
  }

  private static InetAddress address(SplittableRandom random, boolean ipv6)
      throws UnknownHostException {
    byte[] b = new byte[ipv6 ? 16 : 4];
    random.nextBytes(b);
    return InetAddress.getByAddress(b);
  }
}
