package dev.synack.cli;

import static dev.synack.cli.TunInterop.KERNEL;
import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.Service;
import dev.synack.link.NetnsFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ECN against the Linux kernel (RFC 3168 §6.1.1): in a namespace with {@code net.ipv4.tcp_ecn=1}
 * the kernel's SYN asks for ECN; synack (answering, as Linux's default {@code tcp_ecn=2}) agrees
 * with ECE on its SYN-ACK, and both then send their data as ECT(0). tshark reads the packets that
 * crossed the TUN device (synack's pcap tap on its side of it).
 */
class EcnInteropTest {
  @TempDir Path dir;

  @Test
  void kernelAsksForEcn_synackAgrees_dataBothWaysEct0() throws Exception {
    Path pcap = dir.resolve("ecn.pcap");
    try (TunInterop t =
        TunInterop.start(dir, TunInterop.Options.clean().withPcap(pcap), "tshark", "python3")) {
      NetnsFixture.Result sysctl =
          t.exec(Duration.ofSeconds(10), "sysctl", "-w", "net.ipv4.tcp_ecn=1");
      assertEquals(0, sysctl.exitCode(), sysctl.output());
      t.serve(7, Service.echo());
      Map<String, Object> echo = TunInterop.result(t.python("client", SYNACK, "7", "100000"));
      assertEquals(echo.get("sent_sha"), echo.get("received_sha"));
      Thread.sleep(300); // the last ACKs reach the tap
      t.host.close(); // flushes the pcap
    }
    String kernelSyn =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + KERNEL
                + " && tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.flags.ece == 1 && tcp.flags.cwr == 1");
    assertEquals(1, kernelSyn.lines().count(), "the kernel's ECN-setup SYN: " + kernelSyn);
    String synAck =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + SYNACK
                + " && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.flags.ece == 1 && tcp.flags.cwr == 0 && ip.dsfield.ecn == 0");
    assertEquals(1, synAck.lines().count(), "synack's ECN-setup SYN-ACK, not-ECT: " + synAck);
    // New data goes as ECT(0); a retransmission (a probe or a resend, on a loaded machine) goes
    // not-ECT (RFC 3168 §6.1.5), which tshark's analysis tells apart.
    String ourData =
        CaptureInteropTest.tshark(
            pcap, "ip.src == " + SYNACK + " && tcp.len > 0 && !tcp.analysis.retransmission");
    String ourEct =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + SYNACK
                + " && tcp.len > 0 && !tcp.analysis.retransmission"
                + " && ip.dsfield.ecn == 2");
    assertTrue(ourData.lines().count() > 10, ourData);
    assertEquals(
        ourData.lines().count(),
        ourEct.lines().count(),
        "every new data segment synack sent is ECT(0)");
    String ourResentEct =
        CaptureInteropTest.tshark(
            pcap,
            "ip.src == "
                + SYNACK
                + " && tcp.len > 0 && tcp.analysis.retransmission"
                + " && ip.dsfield.ecn != 0");
    assertEquals("", ourResentEct, "retransmissions are not-ECT (RFC 3168 §6.1.5)");
    String kernelEct =
        CaptureInteropTest.tshark(
            pcap, "ip.src == " + KERNEL + " && tcp.len > 0 && ip.dsfield.ecn == 2");
    assertTrue(kernelEct.lines().count() > 10, "the kernel agreed too: its data is ECT(0)");
    String ourAcksEct =
        CaptureInteropTest.tshark(
            pcap, "ip.src == " + SYNACK + " && tcp.len == 0 && ip.dsfield.ecn != 0");
    assertEquals("", ourAcksEct, "pure ACKs are not-ECT (RFC 3168 §6.1.4)");
  }
}
