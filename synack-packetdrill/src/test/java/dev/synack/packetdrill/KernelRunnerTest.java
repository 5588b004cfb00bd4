package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel target's parts that need no root: addresses, Linux's constants, what it refuses before
 * it starts.
 */
class KernelRunnerTest {
  @Test
  void commonPrefix_ofPacketdrillsAddresses_routesTheRemoteThroughTheDevice() {
    assertEquals(
        8,
        KernelHost.commonPrefix(
            InetAddress.ofLiteral("192.168.0.1"), InetAddress.ofLiteral("192.0.2.1")));
    assertEquals(
        32,
        KernelHost.commonPrefix(
            InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.1")));
    assertEquals(
        31,
        KernelHost.commonPrefix(
            InetAddress.ofLiteral("10.0.0.0"), InetAddress.ofLiteral("10.0.0.1")));
    assertEquals(
        0,
        KernelHost.commonPrefix(
            InetAddress.ofLiteral("128.0.0.1"), InetAddress.ofLiteral("10.0.0.1")));
  }

  @Test
  void value_usesLinuxNumbers_notFreeBsds() {
    assertEquals(
        0x802,
        KernelCalls.value(
            new Expr.Or(List.of(new Expr.Sym("O_RDWR"), new Expr.Sym("O_NONBLOCK")))));
    assertEquals(104, KernelCalls.value(new Expr.Array(List.of(new Expr.Sym("ECONNRESET")))));
    assertEquals(11, KernelCalls.value(new Expr.Sym("EWOULDBLOCK")));
    assertEquals(0x901f, KernelCalls.value(new Expr.Call("htons", List.of(new Expr.Num(8080)))));
    ScriptException e =
        assertThrows(ScriptException.class, () -> KernelCalls.value(new Expr.Sym("SO_NOSUCH")));
    assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind());
  }

  @Test
  void errnoName_isLinuxs() {
    assertEquals("EINPROGRESS", KernelCalls.errnoName(115));
    assertEquals("ECONNRESET", KernelCalls.errnoName(104));
    assertEquals("errno 200", KernelCalls.errnoName(200));
  }

  @Test
  void ipv6Script_isUnsupported_beforeAnyNamespaceIsMade() {
    ScriptResult r =
        new KernelRunner(MatchMode.EXACT, 0)
            .run("v6.pkt", "--ip_version=ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome(), String.join("\n", r.describe()));
    assertTrue(r.message().contains("IPv4 only"), r.message());
  }
}
