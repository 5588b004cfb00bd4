package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.synack.fuzz.FuzzInput;
import dev.synack.fuzz.SeededMutations;
import dev.synack.wire.Checksum;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Parsed;
import dev.synack.wire.UdpPacket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target of the host's IP layer and UDP (Jazzer): an open host — UDP endpoints on a port and
 * on every address, optionally the any-destination catch-all, a TCP listener — takes packets made
 * from the fuzzer's bytes: UDP datagrams to its own and to other addresses with right, zero and
 * wrong checksums; IPv4 fragments (offsets, lengths, overlaps, identifications and the
 * more-fragments bit as the input chooses) and IPv6 Fragment headers; ICMP errors and echo requests
 * quoting what it sent; byte-level mutations of all of them; sends of its own of any size;
 * endpoints closed and bound again; and the passing of time.
 *
 * <p>It must never throw; every packet it sends must parse, with right checksums; a UDP endpoint
 * never holds more than its receive buffer; and once time has run past every timeout nothing is
 * held for reassembly and no timer is left (a connection the fuzzer opened to the listener may rest
 * in ESTABLISHED, which needs none).
 *
 * <p>Input layout (see {@link FuzzInput}): byte 0 sets the host (bit 0 any-destination, bit 1 the
 * catch-all), then steps until the bytes run out, each led by a byte choosing what happens.
 */
class IpFuzzTest {
  private static final InetAddress A4 = address("10.0.0.1");
  private static final InetAddress A6 = address("fd00::1");
  private static final InetAddress[] PEERS = {
    address("10.0.0.2"),
    address("fd00::2"),
    address("203.0.113.7"),
    address("2001:db8::7"),
    address("0.0.0.0"),
    address("255.255.255.255"),
    address("224.0.0.1"),
    address("::")
  };
  private static final InetAddress[] DESTINATIONS = {
    A4,
    A6,
    address("198.51.100.9"),
    address("2001:db8::9"),
    address("10.0.0.255"),
    address("ff02::1"),
    address("127.0.0.1"),
    address("::1")
  };
  private static final int[] PORTS = {53, 80, 0, 1, 33434, 65535, 40000};
  private static final int MAX_STEPS = 64;
  private static final long MS = 1_000_000L;

  @FuzzTest(maxDuration = "10m")
  void datagramsIntoAnOpenHost(byte[] data) {
    FuzzInput in = new FuzzInput(data);
    int flags = in.nextByte();
    Host host = new Host("fuzz", HostConfig.defaults(7).withAnyDestination((flags & 1) != 0), null);
    host.addAddress(A4);
    host.addAddress(A6);
    host.listen(null, 80, 16);
    List<UdpEndpoint> endpoints = new ArrayList<>();
    endpoints.add(host.bindUdp(null, 53));
    if ((flags & 2) != 0) endpoints.add(host.bindUdpAll());
    List<byte[]> sent = new ArrayList<>();
    long now = 0;
    for (int step = 0; step < MAX_STEPS && in.hasMore(); step++) {
      switch (in.choose(10)) {
        case 0, 1 -> host.handlePacket(datagram(in), now);
        case 2, 3 -> {
          for (byte[] f : fragments(in)) host.handlePacket(f, now);
        }
        case 4 ->
            host.handlePacket(
                mutated(in, sent.isEmpty() ? datagram(in) : in.pick(sent.toArray(byte[][]::new))),
                now);
        case 5 -> host.handlePacket(icmp(in, sent), now);
        case 6 -> userCall(in, host, endpoints, now);
        default -> now += in.pick(MS, 100 * MS, 1000 * MS, 29_000 * MS, 31_000 * MS, 61_000 * MS);
      }
      host.handleTimeout(Math.max(now, 0));
      drain(host, now, sent);
      for (UdpEndpoint e : endpoints) {
        // One datagram may exceed the buffer when the queue was empty, as Linux's first skb may.
        assertTrue(
            e.pendingBytes() <= UdpEndpoint.RECEIVE_BUFFER_BYTES || e.pending() == 1,
            () -> "endpoint holds " + e.pendingBytes() + " B in " + e.pending() + " datagrams");
      }
    }
    // Run time out: reassembly and every timer of a connection the fuzzer began must end.
    for (int i = 0; i < 5_000 && host.pollTimeout() != Long.MAX_VALUE; i++) {
      now = Math.max(now + MS, host.pollTimeout());
      host.handleTimeout(now);
      drain(host, now, sent);
    }
    assertEquals(Long.MAX_VALUE, host.pollTimeout(), "a timer is left after 5,000 timeouts");
  }

  @Test
  void datagramsIntoAnOpenHost_generatedInputs_neverThrowAndKeepTheInvariants() {
    SeededMutations.run(
        SeededMutations.corpus(IpFuzzTest.class, "datagramsIntoAnOpenHost"),
        1500,
        4,
        512,
        this::datagramsIntoAnOpenHost);
  }

  // ---- What arrives ----

  /**
   * Returns a UDP datagram between addresses and ports the input picks, its checksum right, zero or
   * wrong.
   */
  private static byte[] datagram(FuzzInput in) {
    InetAddress from = in.pick(PEERS);
    InetAddress to = in.pick(DESTINATIONS);
    if ((from instanceof Inet4Address) != (to instanceof Inet4Address))
      to = from instanceof Inet4Address ? A4 : A6;
    byte[] payload = new byte[in.pick(0, 1, 12, 512, 1472, 1473, 4000)];
    if (payload.length > 0) payload[0] = (byte) in.nextByte();
    byte[] packet =
        UdpPacket.packet(
            from,
            PORTS[in.choose(PORTS.length)],
            to,
            PORTS[in.choose(PORTS.length)],
            64,
            ByteBuffer.wrap(payload));
    int checksumAt = (from instanceof Inet4Address ? 20 : 40) + 6;
    switch (in.choose(4)) {
      case 0 -> {
        packet[checksumAt] = 0;
        packet[checksumAt + 1] = 0;
      } // "no checksum": allowed on IPv4 only
      case 1 -> packet[checksumAt] ^= (byte) (1 + in.choose(255));
      default -> {}
    }
    return packet;
  }

  /**
   * Returns the fragments of one datagram, cut, reordered, repeated or overlapped as the input
   * says.
   */
  private static List<byte[]> fragments(FuzzInput in) {
    byte[] whole = datagram(in);
    boolean v4 = (whole[0] >> 4) == 4;
    int header = v4 ? 20 : 40;
    int body = whole.length - header;
    int id = in.nextU16();
    List<byte[]> out = new ArrayList<>();
    int offset = 0;
    int pieces = 1 + in.choose(6);
    for (int i = 0; i < pieces && offset < body; i++) {
      int size = Math.min(body - offset, 8 * (1 + in.choose(200)));
      boolean last = offset + size >= body;
      boolean more = in.choose(8) == 0 ? last : !last; // sometimes a lie about the end
      int at =
          in.choose(6) == 0
              ? Math.max(0, offset - 8 * in.choose(4))
              : offset; // sometimes an overlap
      out.add(
          v4
              ? v4Fragment(whole, at, Math.min(size, body - at), more, id)
              : v6Fragment(whole, at, Math.min(size, body - at), more, id));
      offset += size;
    }
    if (out.size() > 1 && in.nextBoolean()) out.add(0, out.remove(out.size() - 1));
    if (!out.isEmpty() && in.choose(4) == 0) out.add(out.get(in.choose(out.size())));
    return out;
  }

  private static byte[] v4Fragment(byte[] whole, int offset, int length, boolean more, int id) {
    byte[] f = new byte[20 + length];
    System.arraycopy(whole, 0, f, 0, 20);
    System.arraycopy(whole, 20 + offset, f, 20, length);
    ByteBuffer b = ByteBuffer.wrap(f);
    b.putShort(2, (short) f.length);
    b.putShort(4, (short) id);
    b.putShort(6, (short) ((more ? 0x2000 : 0) | ((offset / 8) & 0x1fff)));
    b.putShort(10, (short) 0);
    b.putShort(10, (short) Checksum.compute(b, 0, 20));
    return f;
  }

  private static byte[] v6Fragment(byte[] whole, int offset, int length, boolean more, int id) {
    byte[] f = new byte[48 + length];
    System.arraycopy(whole, 0, f, 0, 40);
    System.arraycopy(whole, 40 + offset, f, 48, length);
    ByteBuffer b = ByteBuffer.wrap(f);
    b.putShort(4, (short) (8 + length));
    f[6] = 44; // next header: Fragment (RFC 8200 §4.5)
    f[40] = whole[6];
    b.putShort(42, (short) ((offset & ~7) | (more ? 1 : 0)));
    b.putInt(44, id);
    return f;
  }

  /** Returns a copy of {@code packet} with a few bytes changed, cut short or grown. */
  private static byte[] mutated(FuzzInput in, byte[] packet) {
    byte[] p = packet.clone();
    int n = 1 + in.choose(4);
    for (int i = 0; i < n && p.length > 0; i++)
      p[in.choose(Math.min(p.length, 256))] = (byte) in.nextByte();
    return switch (in.choose(4)) {
      case 0 -> java.util.Arrays.copyOf(p, in.choose(p.length + 1));
      case 1 -> java.util.Arrays.copyOf(p, p.length + in.choose(64));
      default -> p;
    };
  }

  /**
   * Returns an ICMP error quoting a packet the host sent (or a made-up one), or an echo request.
   */
  private static byte[] icmp(FuzzInput in, List<byte[]> sent) {
    byte[] quoted =
        sent.isEmpty() || in.choose(4) == 0 ? datagram(in) : sent.get(in.choose(sent.size()));
    boolean v4 = (quoted[0] >> 4) == 4;
    ByteBuffer q = ByteBuffer.wrap(quoted);
    InetAddress quotedDestination = addressAt(quoted, v4 ? 16 : 24, v4 ? 4 : 16);
    InetAddress quotedSource = addressAt(quoted, v4 ? 12 : 8, v4 ? 4 : 16);
    int quoteLength = Math.min(quoted.length, v4 ? 28 + in.choose(64) : 1232);
    int type = v4 ? in.pick(3, 3, 11, 12, 8, 0) : in.pick(1, 2, 3, 4, 128, 129);
    int code = in.choose(16);
    byte[] icmp = new byte[8 + quoteLength];
    icmp[0] = (byte) type;
    icmp[1] = (byte) code;
    ByteBuffer.wrap(icmp).putInt(4, in.nextInt()); // unused / MTU / pointer
    q.get(0, icmp, 8, quoteLength);
    InetAddress source = in.nextBoolean() ? quotedDestination : in.pick(PEERS);
    if ((source instanceof Inet4Address) != v4) source = quotedDestination;
    return ipPacket(source, quotedSource, v4 ? 1 : 58, icmp);
  }

  private static byte[] ipPacket(
      InetAddress source, InetAddress destination, int protocol, byte[] body) {
    boolean v4 = source instanceof Inet4Address;
    ByteBuffer b = ByteBuffer.allocate((v4 ? 20 : 40) + body.length);
    if (v4) {
      b.put(0, (byte) 0x45)
          .putShort(2, (short) b.capacity())
          .put(8, (byte) 64)
          .put(9, (byte) protocol);
      b.put(12, source.getAddress()).put(16, destination.getAddress());
      b.putShort(10, (short) Checksum.compute(b, 0, 20));
    } else {
      b.put(0, (byte) 0x60)
          .putShort(4, (short) body.length)
          .put(6, (byte) protocol)
          .put(7, (byte) 64);
      b.put(8, source.getAddress()).put(24, destination.getAddress());
    }
    b.put(v4 ? 20 : 40, body);
    long sum =
        (v4 ? 0 : Checksum.pseudoHeaderSum(source, destination, protocol, body.length))
            + Checksum.sum(b, v4 ? 20 : 40, body.length);
    b.putShort((v4 ? 20 : 40) + 2, (short) Checksum.finish(sum));
    return b.array();
  }

  // ---- What the user does ----

  private static void userCall(FuzzInput in, Host host, List<UdpEndpoint> endpoints, long now) {
    switch (in.choose(5)) {
      case 0, 1 -> {
        if (endpoints.isEmpty()) return;
        UdpEndpoint e = endpoints.get(in.choose(endpoints.size()));
        if (e.isClosed()) return;
        InetAddress to = in.pick(PEERS);
        byte[] payload = new byte[in.pick(0, 100, 1472, 1473, 1500, 9000, 65507)];
        try {
          if (e.isCatchAll()) {
            e.send(
                ByteBuffer.wrap(payload),
                in.pick(DESTINATIONS),
                PORTS[in.choose(PORTS.length)],
                to,
                PORTS[in.choose(PORTS.length)],
                now);
          } else {
            e.send(ByteBuffer.wrap(payload), to, PORTS[in.choose(PORTS.length)], now);
          }
        } catch (IllegalArgumentException
            | IllegalStateException
            | UnsupportedOperationException refused) {
          // A documented refusal of a bad call (family mismatch, port 0, too large): not a failure.
        }
      }
      case 2 ->
          endpoints.forEach(
              e -> {
                while (e.pending() > 0) e.receive();
              });
      case 3 -> {
        if (!endpoints.isEmpty()) endpoints.remove(in.choose(endpoints.size())).close();
      }
      default -> {
        try {
          endpoints.add(
              host.bindUdp(in.nextBoolean() ? null : in.pick(A4, A6), in.pick(0, 53, 5353)));
        } catch (IllegalStateException inUse) {
          // "address already in use" is the answer to a second bind of a port.
        }
      }
    }
  }

  // ---- What leaves ----

  /** Takes every packet and event the host has, checking that each packet is well formed. */
  private static void drain(Host host, long now, List<byte[]> sent) {
    for (int i = 0; i < 10_000; i++) {
      byte[] p = host.pollPacket(now);
      if (p == null) break;
      Parsed<IpDatagram> ip = IpDatagram.parse(ByteBuffer.wrap(p));
      if (!(ip instanceof Parsed.Ok<IpDatagram> ok)) {
        fail("the host sent a packet that does not parse: " + ip.reason());
        return;
      }
      if (ok.value().protocol() == UdpPacket.PROTOCOL && !ok.value().fragment()) {
        Parsed<UdpPacket> udp = UdpPacket.parse(ok.value(), true);
        assertTrue(
            udp instanceof Parsed.Ok, () -> "the host sent a bad UDP datagram: " + udp.reason());
      }
      if (sent.size() < 32) sent.add(p);
    }
    while (host.pollEvent() != null) {
      // Events are the user's business; the fuzzer only keeps the queue from growing.
    }
  }

  private static InetAddress addressAt(byte[] packet, int at, int length) {
    try {
      return InetAddress.getByAddress(java.util.Arrays.copyOfRange(packet, at, at + length));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
