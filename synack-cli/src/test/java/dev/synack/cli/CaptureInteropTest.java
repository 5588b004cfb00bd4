package dev.synack.cli;

import static dev.synack.cli.TunInterop.SYNACK;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Service;
import dev.synack.link.NetnsFixture;
import dev.synack.wire.Packets;
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
 * the kernel saw on its side of the TUN device (tshark capturing there): the same TCP packets, byte
 * for byte, in the same order each way; and tshark finds nothing wrong in either capture: no
 * malformed packet, no bad IP or TCP checksum, no "ACKed segment that wasn't captured".
 */
class CaptureInteropTest {
  private static final byte[] SYNACK_BYTES = InetAddress.ofLiteral(SYNACK).getAddress();

  /**
   * A closed port the test knocks on until tshark captures; those packets are left out of the
   * comparison.
   */
  private static final int KNOCK_PORT = 9;

  @TempDir Path dir;

  @Test
  void synacksPcapAndTsharkOnTheKernelSide_agreePacketForPacket_andTsharkFindsNoFault()
      throws Exception {
    Path synackPcap = dir.resolve("synack.pcap");
    Path kernelPcap = dir.resolve("kernel.pcap");
    Path site = Files.createDirectory(dir.resolve("site"));
    HttpInteropTest.writeRandom(site.resolve("f.bin"), 300_000, 5);
    List<PcapRecord> ours;
    List<PcapRecord> theirs;
    try (TunInterop t =
        TunInterop.start(
            dir, TunInterop.Options.clean().withPcap(synackPcap), "tshark", "curl", "python3")) {
      t.serve(80, HttpFileService.of(site, line -> {}));
      t.serve(7, Service.echo());
      // -P -l: tshark also prints each packet at once, so the test sees when the capture is live.
      NetnsFixture.Started tshark =
          t.ns.start(
              "tshark",
              "-i",
              t.device,
              "-f",
              "tcp",
              "-F",
              "pcap",
              "-P",
              "-l",
              "-w",
              kernelPcap.toString());
      assertTrue(
          tshark.awaitOutput("Capturing on", Duration.ofSeconds(20)),
          "tshark: " + tshark.outputSoFar());
      // tshark says "Capturing on" a little before it captures: knock on a closed port until it
      // sees a knock.
      for (int i = 0; i < 100 && !tshark.outputSoFar().contains(KNOCK_PORT + " [SYN]"); i++) {
        TunInterop.result(t.python("refused", SYNACK, Integer.toString(KNOCK_PORT)));
      }
      assertTrue(
          tshark.outputSoFar().contains(KNOCK_PORT + " [SYN]"), "tshark: " + tshark.outputSoFar());

      // A keep-alive HTTP exchange, an echo both ways, and a RST for a closed port.
      NetnsFixture.Result curl =
          t.exec(
              Duration.ofSeconds(30),
              "curl",
              "-sS",
              "-o",
              "/dev/null",
              "-o",
              "/dev/null",
              "http://" + SYNACK + "/f.bin",
              "http://" + SYNACK + "/f.bin");
      assertEquals(0, curl.exitCode(), curl.output());
      Map<String, Object> echo = TunInterop.result(t.python("client", SYNACK, "7", "50000"));
      assertEquals(echo.get("sent_sha"), echo.get("received_sha"));
      assertEquals(
          "ConnectionRefusedError",
          TunInterop.result(t.python("refused", SYNACK, "81")).get("error"));

      Thread.sleep(300); // the last ACKs reach the capture
      NetnsFixture.Result stopped = tshark.terminate(Duration.ofSeconds(10));
      assertTrue(stopped.output().contains("packets captured"), stopped.output());
      t.host.close(); // flushes synack's pcap
      ours = tcpRecords(synackPcap);
      theirs = tcpRecords(kernelPcap);
    }

    assertTrue(ours.size() > 300, "a few hundred segments: " + ours.size());
    assertSame("synack -> kernel", direction(ours, true), direction(theirs, true));
    assertSame("kernel -> synack", direction(ours, false), direction(theirs, false));
    for (Path capture : List.of(synackPcap, kernelPcap)) {
      // The knocks are left out: tshark may have caught a knock's RST and not its SYN.
      assertEquals(
          "",
          tshark(
              capture,
              "(_ws.malformed || _ws.expert.severity == error || tcp.checksum.status == 0"
                  + " || ip.checksum.status == 0 || tcp.analysis.ack_lost_segment) && !(tcp.port == "
                  + KNOCK_PORT
                  + ")"),
          "faults in " + capture.getFileName());
      // Every checksum was verified, not skipped: all of them are reported good.
      assertEquals(
          ours.size(),
          tshark(
                  capture,
                  "tcp.checksum.status == 1 && ip.checksum.status == 1 && tcp.port != "
                      + KNOCK_PORT)
              .lines()
              .count());
    }
  }

  /**
   * Returns the frames of a capture that match {@code filter}, one line each, checksums checked.
   */
  static String tshark(Path capture, String filter) throws Exception {
    Process p =
        new ProcessBuilder(
                "tshark",
                "-r",
                capture.toString(),
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "ip.check_checksum:TRUE",
                "-Y",
                filter)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
    String err =
        new String(
            p.getErrorStream().readAllBytes(), UTF_8); // tshark's warnings (running as root): small
    assertEquals(0, p.waitFor(), err);
    return out;
  }

  private static List<PcapRecord> tcpRecords(Path file) throws Exception {
    List<PcapRecord> tcp = new ArrayList<>();
    for (PcapRecord r : PcapReader.of(Files.readAllBytes(file)).readAll()) {
      ByteBuffer ip = r.ipPacket();
      int at = ip.position();
      if ((ip.get(at) >> 4) != 4 || ip.get(at + 9) != 6) continue;
      int tcpAt = at + (ip.get(at) & 0x0f) * 4;
      int sourcePort = ip.getShort(tcpAt) & 0xffff;
      int destinationPort = ip.getShort(tcpAt + 2) & 0xffff;
      if (sourcePort != KNOCK_PORT && destinationPort != KNOCK_PORT) tcp.add(r);
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

  /** Fails at the first packet that differs, showing a few segments around it as tcpdump would. */
  private static void assertSame(String direction, List<byte[]> ours, List<byte[]> theirs) {
    int n = Math.max(ours.size(), theirs.size());
    for (int i = 0; i < n; i++) {
      if (i < ours.size() && i < theirs.size() && Arrays.equals(ours.get(i), theirs.get(i)))
        continue;
      StringBuilder b =
          new StringBuilder(
              direction
                  + ": synack's pcap has "
                  + ours.size()
                  + " packets, tshark's "
                  + theirs.size()
                  + "; first difference at "
                  + i
                  + "\n");
      for (int k = Math.max(0, i - 2); k < Math.min(n, i + 3); k++) {
        b.append(k)
            .append(" synack: ")
            .append(k < ours.size() ? describe(ours.get(k)) : "-")
            .append("\n");
        b.append(k)
            .append(" tshark: ")
            .append(k < theirs.size() ? describe(theirs.get(k)) : "-")
            .append("\n");
      }
      throw new AssertionError(b.toString());
    }
  }

  private static String describe(byte[] packet) {
    var parsed = Packets.parseTcp(ByteBuffer.wrap(packet), false);
    return parsed.isOk()
        ? parsed.value().segment().toString()
        : "unparsable " + HexFormat.of().formatHex(packet, 0, Math.min(40, packet.length));
  }
}
