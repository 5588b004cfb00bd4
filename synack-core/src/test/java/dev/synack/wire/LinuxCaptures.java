package dev.synack.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/**
 * Packets laid out exactly as Linux sends them over loopback, as hex. The checksums were computed
 * independently of synack (a byte-by-byte RFC 1071 sum in Python) and are given beside each packet.
 */
final class LinuxCaptures {
  private LinuxCaptures() {}

  /**
   * 127.0.0.1:45678 > 127.0.0.1:8080 SYN, options [mss 65495,sackOK,TS val 2887548925 ecr
   * 0,nop,wscale 7].
   */
  static final String SYN4 =
      "4500003c6f2e40004006cd8b7f0000017f000001"
          + "b26e1f90cf5c223000000000a002ffd7605c00000204ffd70402080aac1c7ffd0000000001030307";

  static final int SYN4_IP_CHECKSUM = 0xcd8b;
  static final int SYN4_TCP_CHECKSUM = 0x605c;

  /** 127.0.0.1:8080 > 127.0.0.1:45678 SYN-ACK, IP ID 0 as Linux sends with DF set. */
  static final String SYNACK4 =
      "4500003c0000400040063cba7f0000017f000001"
          + "1f90b26e3ca3e0c7cf5c2231a012ffcb16d200000204ffd70402080aac1c7ffdac1c7ffd01030307";

  static final int SYNACK4_TCP_CHECKSUM = 0x16d2;

  /**
   * 127.0.0.1:45678 > 127.0.0.1:8080 [P.] with options [nop,nop,TS val 2887548926 ecr 2887548925]
   * and "hello, synack\n".
   */
  static final String DATA4 =
      "450000426f3040004006cd837f0000017f000001"
          + "b26e1f90cf5c22313ca3e0c880180200932900000101080aac1c7ffeac1c7ffd68656c6c6f2c2073796e61636b0a";

  static final int DATA4_TCP_CHECKSUM = 0x9329;

  /**
   * [::1]:51234 > [::1]:8080 SYN, flow label 0x9c1e3, options [mss 65476,sackOK,TS val 1563915022
   * ecr 0,nop,wscale 7].
   */
  static final String SYN6 =
      "6009c1e3002806400000000000000000000000000000000100000000000000000000000000000001"
          + "c8221f90a3eedd4f00000000a002ffc414f200000204ffc40402080a5d37730e0000000001030307";

  static final int SYN6_TCP_CHECKSUM = 0x14f2;

  /**
   * {@code ping -c1 127.0.0.1}: echo request id 0x1c2b seq 1, 56 bytes of data (timestamp, then
   * 0x10..0x37).
   */
  static final String PING4 =
      "450000548f2140004001ad857f0000017f000001"
          + "0800e8961c2b00016a3f1e6700000000a1c30a0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

  static final int PING4_ICMP_CHECKSUM = 0xe896;

  /** The reply to {@link #PING4} as synack builds it (DF set, IP ID 0), checksums from Python. */
  static final String REPLY4 =
      "450000540000400040013ca77f0000017f000001"
          + "0000f0961c2b00016a3f1e6700000000a1c30a0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

  /**
   * {@code ping -6 -c1 ::1}: echo request id 0x2d3c seq 1, flow label 0x5a5a5, checksum with the
   * pseudo-header.
   */
  static final String PING6 =
      "6005a5a500403a4000000000000000000000000000000001000000000000000000000000000000018000"
          + "5f092d3c00016a3f1e6700000000a1c30a0000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637";

  static final int PING6_ICMP_CHECKSUM = 0x5f09;
  static final int REPLY6_ICMP_CHECKSUM = 0x5e09;

  static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  static InetAddress loopback4() {
    return address(new byte[] {127, 0, 0, 1});
  }

  static InetAddress loopback6() {
    byte[] a = new byte[16];
    a[15] = 1;
    return address(a);
  }

  static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
