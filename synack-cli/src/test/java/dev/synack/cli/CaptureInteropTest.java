package dev.synack.cli;

import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Service;
import dev.synack.link.NetnsFixture;
import dev.synack.wire.PcapReader;
import dev.synack.wire.PcapRecord;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What synack says it sent and received (its own pcap, written by a tap on its link) against what
 * the kernel saw on its side of the TUN device (tshark capturing there): the same TCP packets,
 * byte for byte, in the same order each way; and tshark finds nothing wrong in either capture:
 * no malformed packet, no bad IP or TCP checksum, no "ACKed segment that wasn't captured".
 */
class CaptureInteropTest {
  private static final byte[] SYNACK_BYTES = InetAddress.ofLiteral(SYNACK).getAddress();

  @TempDir
  Path dir;

  @Test
  void synacksPcapAndTsharkOnTheKernelSide_agreePacketForPacket_andTsharkFindsNoFault() throws Exception {
    Path synackPcap = dir.resolve("synack.pcap");
    Path kernelPcap = dir.resolve("kernel.pcap");
    Path site = Files.createDirectory(dir.resolve("site"));
    HttpInteropTest.writeRandom(site.resolve("f.bin"), 300_000, 5);
    List<PcapRecord> ours;
    List<PcapRecord> theirs;
    try (TunInterop t = TunInterop.start(dir, TunInterop.Options.clean().withPcap(synackPcap), "tshark", "curl",
        "python3")) {
      t.serve(80, HttpFileService.of(site, line -> {}));
      t.serve(7, Service.echo());
      NetnsFixture.Started tshark = t.ns.start("tshark", "-i", t.device, "-f", "tcp", "-F", "pcap", "-w",
          kernelPcap.toString());
      assertTrue(tshark.awaitOutput("Capturing on", Duration.ofSeconds(20)), "tshark: " + tshark.outputSoFar());

      // A keep-alive HTTP exchange, an echo both ways, and a RST for a closed port.
      NetnsFixture.Result curl = t.exec(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null", "-o", "/dev/null",
          "http://" + SYNACK + "/f.bin", "http://" + SYNACK + "/f.bin");
      assertEquals(0, curl.exitCode(), curl.output());
      Map<String, Object> echo = TunInterop.result(t.python("client", SYNACK, "7", "50000"));
      assertEquals(echo.get("sent_sha"), echo.get("received_sha"));
      assertEquals("ConnectionRefusedError", TunInterop.result(t.python("refused", SYNACK, "81")).get("error"));

      Thread.sleep(300); // the last ACKs reach the capture
      NetnsFixture.Result stopped = tshark.terminate(Duration.ofSeconds(10));
      assertTrue(stopped.output().contains("packets captured"), stopped.output());
      t.host.close(); // flushes synack's pcap
      ours = tcpRecords(synackPcap);
      theirs = tcpRecords(kernelPcap);
    }

    assertTrue(ours.size() > 300, "a few hundred segments: " + ours.size());
    assertEquals(hex(direction(theirs, true)), hex(direction(ours, true)), "synack -> kernel");
    assertEquals(hex(direction(theirs, false)), hex(direction(ours, false)), "kernel -> synack");
    for (Path capture : List.of(synackPcap, kernelPcap)) {
      assertEquals("", tshark(capture, "_ws.malformed || _ws.expert.severity == error || tcp.checksum.status == 0"
          + " || ip.checksum.status == 0 || tcp.analysis.ack_lost_segment"), "faults in " + capture.getFileName());
      // Every checksum was verified, not skipped: all of them are reported good.
      assertEquals(ours.size(), tshark(capture, "tcp.checksum.status == 1 && ip.checksum.status == 1").lines().count());
    }
  }

  /** Returns the frames of a capture that match {@code filter}, one line each, checksums checked. */
  private static String tshark(Path capture, String filter) throws Exception {
    Process p = new ProcessBuilder("tshark", "-r", capture.toString(), "-o", "tcp.check_checksum:TRUE",
        "-o", "ip.check_checksum:TRUE", "-Y", filter).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    String err = new String(p.getErrorStream().readAllBytes()); // tshark's warnings (running as root): small
    assertEquals(0, p.waitFor(), err);
    return out;
  }

  private static List<PcapRecord> tcpRecords(Path file) throws Exception {
    List<PcapRecord> tcp = new ArrayList<>();
    for (PcapRecord r : PcapReader.of(Files.readAllBytes(file)).readAll()) {
      ByteBuffer ip = r.ipPacket();
      if ((ip.get(ip.position()) >> 4) == 4 && ip.get(ip.position() + 9) == 6) tcp.add(r);
    }
    return tcp;
  }

  /** Returns the packets sent by synack (or by the kernel) in capture order. */
  private static List<byte[]> direction(List<PcapRecord> records, boolean fromSynack) {
    List<byte[]> packets = new ArrayList<>();
    for (PcapRecord r : records) {
      ByteBuffer ip = r.ipPacket();
      byte[] source = new byte[4];
      ip.get(ip.position() + 12, source);
      if (Arrays.equals(source, SYNACK_BYTES) == fromSynack) {
        byte[] bytes = new byte[ip.remaining()];
        ip.get(ip.position(), bytes);
        packets.add(bytes);
      }
    }
    return packets;
  }

  private static List<String> hex(List<byte[]> packets) {
    return packets.stream().map(HexFormat.of()::formatHex).toList();
  }
}
