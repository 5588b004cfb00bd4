package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.Json;
import dev.synack.wire.Checksum;
import dev.synack.wire.Packets;
import dev.synack.wire.PcapWriter;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecodeCommandTest {
  private static final String EXAMPLE =
      Decode.repoRoot().resolve("examples/handshake.pcap").toString();

  @TempDir Path dir;

  @Nested
  class ConnAndHtml {
    @Test
    void conn_byNumberOrEndpoint_showsThatConnection_elseOneLineExit2(@TempDir Path dir)
        throws Exception {
      Decode all = Decode.run(EXAMPLE);
      Decode first = Decode.run(EXAMPLE, "--conn", "1");
      assertEquals(0, first.exitCode(), String.join("\n", first.err()));
      assertEquals(all.packetLines(), first.packetLines());
      String endpoint =
          all.out().stream()
              .filter(l -> l.startsWith("connection 1: "))
              .findFirst()
              .orElseThrow()
              .substring("connection 1: ".length())
              .split(" <-> ")[1];
      assertEquals(all.packetLines(), Decode.run(EXAMPLE, "--conn", endpoint).packetLines());
      Decode none = Decode.run(EXAMPLE, "--conn", "192.0.2.99:1");
      assertEquals(List.of(), none.packetLines());
      Decode bad = Decode.run(EXAMPLE, "--conn", "2");
      assertEquals(2, bad.exitCode());
      assertEquals(List.of("synack decode: --conn 2: the capture has 1 connection"), bad.err());
      Path html = dir.resolve("h.html");
      Decode page = Decode.run(EXAMPLE, "--html", html.toString());
      assertEquals(0, page.exitCode(), String.join("\n", page.err()));
      String text = java.nio.file.Files.readString(html);
      assertTrue(
          text.contains("<svg") && text.contains("ESTABLISHED") && text.contains(endpoint),
          text.substring(0, 300));
    }
  }

  @Nested
  class RelativeNumbersAndLang {
    @Test
    void byDefault_numbersAreRelativeToEachIsn_asTsharkShowsThem() throws Exception {
      agree(tshark(EXAMPLE), ours(Decode.run(EXAMPLE)));
      List<String> lines = Decode.run(EXAMPLE).packetLines();
      assertTrue(lines.get(0).contains("Flags [S], seq 0, win"), lines.get(0));
      assertTrue(lines.get(3).contains("Flags [P.], seq 1:7, ack 1, win"), lines.get(3));
    }

    @Test
    void captureBegunMidStream_startsAtOne_asTsharkDoes() throws Exception {
      // The example without its first two segments (the SYN and the SYN-ACK).
      List<dev.synack.wire.PcapRecord> records =
          dev.synack.wire.PcapReader.of(Files.readAllBytes(Path.of(EXAMPLE))).readAll();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      PcapWriter w = PcapWriter.open(bytes, PcapWriter.Resolution.NANOSECONDS);
      for (dev.synack.wire.PcapRecord r : records.subList(2, records.size())) {
        byte[] ip = new byte[r.ipPacket().remaining()];
        r.ipPacket().duplicate().get(ip);
        w.write(r.timeNanos(), ip);
      }
      Path cut = dir.resolve("cut.pcap");
      Files.write(cut, bytes.toByteArray());
      agree(tshark(cut.toString()), ours(Decode.run(cut.toString())));
    }

    @Test
    void absolute_showsTheNumbersOnTheWire() {
      List<String> lines = Decode.run(EXAMPLE, "--absolute").packetLines();
      assertTrue(lines.get(3).contains("seq 2029365937:2029365943, ack 3975187073"), lines.get(3));
    }

    @Test
    void lang_narratesEachConnection_inEnglishOrChinese() {
      List<String> en = Decode.run(EXAMPLE).out();
      assertTrue(
          en.contains(
              "  Handshake, step 1: 127.0.0.1:59984 sends SYN with its initial sequence number ISN=2029365936;"
                  + " 127.0.0.1:59984 enters SYN_SENT"),
          String.join("\n", en));
      assertTrue(
          en.contains(
              "  Handshake, step 2: 127.0.0.1:47001 answers the SYN with its own SYN, ISN=3975187072, and acknowledges"
                  + " the peer's ISN+1 with ack=1; 127.0.0.1:47001 enters SYN_RECEIVED"),
          String.join("\n", en));
      List<String> absolute = Decode.run(EXAMPLE, "--absolute").out();
      assertTrue(
          absolute.stream()
              .anyMatch(
                  l -> l.startsWith("  Handshake, step 2: ") && l.contains("with ack=2029365937;")),
          String.join("\n", absolute));
      List<String> zh = Decode.run(EXAMPLE, "--lang", "zh").out();
      assertTrue(
          zh.stream()
              .anyMatch(
                  l -> l.startsWith("  第一次握手：127.0.0.1:59984 发送 SYN 报文，指明初始化序列号 ISN=2029365936")),
          String.join("\n", zh));
      assertTrue(
          zh.stream().anyMatch(l -> l.startsWith("  第三次挥手：") && l.contains("序列号 seq=4，")),
          String.join("\n", zh));
      Decode bad = Decode.run(EXAMPLE, "--lang", "fr");
      assertEquals(2, bad.exitCode());
      assertEquals(List.of("synack decode: unknown language 'fr' (en or zh)"), bad.err());
    }

    @Test
    void
        kernelCapture_linksEachReplyToItsCause_handshakeStep3AndTeardownSteps2And4_inBothLanguages() {
      // The kernel answers some microseconds after what it answers: no two of these segments share
      // a time.
      List<String> en = Decode.run(EXAMPLE).out();
      assertTrue(
          en.contains(
              "  Handshake, step 3: 127.0.0.1:59984 acknowledges the peer's SYN with ack=1 (its ISN+1)"),
          String.join("\n", en));
      assertTrue(
          en.contains(
              "  Teardown, step 2: 127.0.0.1:47001 acknowledges the first FIN with ack=8 (its seq+1); it may"
                  + " still send data of its own (half-close)"),
          String.join("\n", en));
      assertTrue(
          en.contains("  Teardown, step 4: 127.0.0.1:59984 acknowledges the second FIN with ack=5"),
          String.join("\n", en));
      // The ACKs of data stay plain ACKs.
      assertTrue(
          en.contains("  127.0.0.1:47001 acknowledges everything up to ack=7"),
          String.join("\n", en));
      List<String> zh = Decode.run(EXAMPLE, "--lang", "zh").out();
      assertTrue(
          zh.contains("  第三次握手：127.0.0.1:59984 收到 SYN 报文之后，发送一个 ACK 报文，值为对方的 ISN+1，ack=1"),
          String.join("\n", zh));
      assertTrue(
          zh.stream()
              .anyMatch(
                  l ->
                      l.startsWith("  第二次挥手：127.0.0.1:47001 收到 FIN 之后，发送 ACK 报文")
                          && l.contains("ack=8")),
          String.join("\n", zh));
      assertTrue(
          zh.contains("  第四次挥手：127.0.0.1:59984 收到 FIN 之后，一样发送一个 ACK 报文作为应答，ack=5"),
          String.join("\n", zh));
    }

    @Test
    void htmlPage_inTheChosenLanguage() throws Exception {
      Path html = dir.resolve("zh.html");
      assertEquals(0, Decode.run(EXAMPLE, "--lang", "zh", "--html", html.toString()).exitCode());
      String page = Files.readString(html);
      assertTrue(
          page.contains("<html lang=\"zh\">") && page.contains("第一次握手"), page.substring(0, 300));
    }

    /**
     * Asserts that our numbers are tshark's, segment by segment; a pure ACK's line shows no seq (as
     * tcpdump), so only its ack is compared.
     */
    private static void agree(List<String> theirs, List<String> ours) {
      assertEquals(theirs.size(), ours.size(), "segments: tshark " + theirs + ", decode " + ours);
      List<String> expected = new java.util.ArrayList<>();
      for (int i = 0; i < theirs.size(); i++) {
        expected.add(
            ours.get(i).startsWith("? ") ? "? " + theirs.get(i).split(" ", -1)[1] : theirs.get(i));
      }
      assertEquals(expected, ours);
    }

    /**
     * Returns "seq ack" of each TCP segment as tshark gives them by default (relative numbers); ack
     * empty without the ACK bit.
     */
    private static List<String> tshark(String capture) throws Exception {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          onPath("tshark") || System.getenv("CI") != null, "tshark not installed");
      Process p =
          new ProcessBuilder(
                  "tshark",
                  "-r",
                  capture,
                  "-T",
                  "fields",
                  "-e",
                  "tcp.seq",
                  "-e",
                  "tcp.ack",
                  "-e",
                  "tcp.flags.ack")
              .redirectErrorStream(false)
              .start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      return out.lines()
          .map(l -> l.split("\t", -1))
          .map(f -> f[0] + " " + (f[2].equals("1") || f[2].equals("True") ? f[1] : ""))
          .toList();
    }

    /**
     * Returns "seq ack" of each segment line of ours: seq from "seq N" or "seq N:M" (else the next
     * expected one is not shown), ack if shown.
     */
    private static List<String> ours(Decode d) {
      return d.packetLines().stream()
          .map(
              l -> {
                java.util.regex.Matcher seq =
                    java.util.regex.Pattern.compile(", seq (\\d+)").matcher(l);
                java.util.regex.Matcher ack =
                    java.util.regex.Pattern.compile(", ack (\\d+)").matcher(l);
                return (seq.find() ? seq.group(1) : "?") + " " + (ack.find() ? ack.group(1) : "");
              })
          .toList();
    }

    private static boolean onPath(String tool) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
        if (Files.isExecutable(Path.of(d, tool))) return true;
      }
      return false;
    }
  }

  @Nested
  class HandshakeExample {
    @Test
    void text_printsTcpdumpLinesStatePathsAndSummary() {
      Decode d = Decode.run(EXAMPLE, "--absolute");
      assertEquals(0, d.exitCode(), String.join("\n", d.err()));
      List<String> packets = d.packetLines();
      assertEquals(11, packets.size());
      assertEquals(
          "IP 127.0.0.1.59984 > 127.0.0.1.47001: Flags [S], seq 2029365936, win 65495, options [mss 65495,"
              + "sackOK,TS val 3326469128 ecr 0,nop,wscale 10], length 0",
          packets.get(0));
      assertEquals(
          "IP 127.0.0.1.59984 > 127.0.0.1.47001: Flags [.], ack 3975187073, win 64, options [nop,nop,"
              + "TS val 3326469128 ecr 1630826598], length 0",
          packets.get(2));
      assertEquals(
          "IP 127.0.0.1.59984 > 127.0.0.1.47001: Flags [P.], seq 2029365937:2029365943, ack 3975187073, "
              + "win 64, options [nop,nop,TS val 3326469128 ecr 1630826598], length 6",
          packets.get(3));
      assertTrue(
          d.out()
              .contains(
                  "  127.0.0.1:59984: CLOSED -> SYN_SENT -> ESTABLISHED -> FIN_WAIT_1 -> FIN_WAIT_2"
                      + " -> TIME_WAIT"),
          String.join("\n", d.out()));
      assertTrue(
          d.out()
              .contains(
                  "  127.0.0.1:47001: LISTEN -> SYN_RECEIVED -> ESTABLISHED -> CLOSE_WAIT -> LAST_ACK"
                      + " -> CLOSED"),
          String.join("\n", d.out()));
      assertEquals(
          "11 packets, 11 TCP segments, 1 connection, 0 malformed",
          d.out().get(d.out().size() - 2));
      // A loopback capture: the kernel never filled in the checksums of the segments it sent.
      assertEquals(
          "10 segments with a bad TCP checksum: normal in a capture taken on the machine that sent them (loopback,"
              + " or a device with checksum offload), which sees a packet before its checksum is filled in; on loopback it never"
              + " is, and the receiving kernel does not check it",
          d.out().getLast());
    }

    @Test
    void json_writesOneSendPerSegmentWithTheTraceFields() {
      Decode d = Decode.run(EXAMPLE, "--json");
      assertEquals(0, d.exitCode());
      List<Map<String, Object>> events = d.out().stream().map(Json::parseObject).toList();
      List<Map<String, Object>> sends =
          events.stream().filter(e -> e.get("event").equals("send")).toList();
      assertEquals(11, sends.size());
      Map<String, Object> synAck = sends.get(1);
      assertEquals(0.000011, ((Number) synAck.get("t")).doubleValue(), 1e-9);
      assertEquals("127.0.0.1:47001", synAck.get("host"));
      assertEquals("127.0.0.1:47001-127.0.0.1:59984", synAck.get("conn"));
      assertEquals(List.of("ACK", "SYN"), synAck.get("flags"));
      assertEquals(3975187072L, ((Number) synAck.get("seq")).longValue());
      assertEquals(2029365937L, ((Number) synAck.get("ack")).longValue());
      assertEquals(65483L, ((Number) synAck.get("win")).longValue());
      assertEquals(0L, ((Number) synAck.get("len")).longValue());
      assertEquals(
          "mss 65495,sackOK,TS val 1630826598 ecr 3326469128,nop,wscale 10", synAck.get("options"));
      assertEquals(47001L, ((Number) synAck.get("sport")).longValue());
      List<String> states =
          events.stream()
              .filter(e -> e.get("event").equals("state"))
              .map(e -> e.get("from") + "->" + e.get("to"))
              .toList();
      assertEquals(
          List.of(
              "CLOSED->SYN_SENT",
              "LISTEN->SYN_RECEIVED",
              "SYN_SENT->ESTABLISHED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->FIN_WAIT_1",
              "ESTABLISHED->CLOSE_WAIT",
              "FIN_WAIT_1->FIN_WAIT_2",
              "CLOSE_WAIT->LAST_ACK",
              "FIN_WAIT_2->TIME_WAIT",
              "LAST_ACK->CLOSED"),
          states);
    }
  }

  @Nested
  class BadInput {
    @Test
    void missingFile_printsOneLineAndExits2() {
      Decode d = Decode.run(dir.resolve("nope.pcap").toString());
      assertEquals(2, d.exitCode());
      assertEquals(List.of("synack decode: no such file: " + dir.resolve("nope.pcap")), d.err());
    }

    @Test
    void notACapture_namesTheMagicAndExits2() throws IOException {
      Path f = Files.writeString(dir.resolve("x.pcap"), "hello, world");
      Decode d = Decode.run(f.toString());
      assertEquals(2, d.exitCode());
      assertEquals(1, d.err().size());
      assertTrue(
          d.err().getFirst().contains("not a pcap or pcapng file: it starts with 0x68656c6c"),
          d.err().getFirst());
    }

    @Test
    void unknownOption_exits2() {
      assertEquals(2, Decode.run(EXAMPLE, "--yaml").exitCode());
    }

    @Test
    void truncatedCapture_showsWhatItHoldsThenTheErrorWithExit2() throws IOException {
      byte[] whole = Files.readAllBytes(Path.of(EXAMPLE));
      Path f = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(whole, whole.length - 10));
      Decode d = Decode.run(f.toString());
      assertEquals(2, d.exitCode());
      assertEquals(10, d.packetLines().size());
      assertTrue(
          d.out().contains("10 packets, 10 TCP segments, 1 connection, 0 malformed"),
          String.join("\n", d.out()));
      assertTrue(d.err().getFirst().endsWith("(truncated file?)"), d.err().getFirst());
    }
  }

  @Nested
  class OddPackets {
    private Path capture() throws IOException {
      InetAddress a = InetAddress.getByName("10.0.0.1");
      InetAddress b = InetAddress.ofLiteral("::1");
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      PcapWriter w = PcapWriter.open(file, PcapWriter.Resolution.MICROSECONDS);
      TcpSegment syn =
          TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 65535)
              .withOptions(TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)));
      w.write(1_000_000_000L, Packets.tcp(b, b, 64, syn));
      byte[] good = Packets.tcp(a, a, 64, syn);
      byte[] cut = Arrays.copyOf(good, 30); // the TCP header cut short
      cut[3] = 30;
      w.write(1_000_500_000L, withIpv4Checksum(cut));
      w.write(1_001_000_000L, new byte[] {0x45, 0, 0, 20}); // an IPv4 header cut short
      w.write(1_002_000_000L, new byte[] {0x15, 1, 2, 3}); // not IP at all
      byte[] udp = good.clone();
      udp[9] = 17; // an IPv4 packet of another protocol
      w.write(1_003_000_000L, withIpv4Checksum(udp));
      return Files.write(dir.resolve("odd.pcap"), file.toByteArray());
    }

    /** Returns the packet with its IPv4 header checksum computed again after a change. */
    private static byte[] withIpv4Checksum(byte[] packet) {
      packet[10] = 0;
      packet[11] = 0;
      int sum = Checksum.compute(ByteBuffer.wrap(packet), 0, 20);
      packet[10] = (byte) (sum >> 8);
      packet[11] = (byte) sum;
      return packet;
    }

    @Test
    void text_namesEachProblemAndCountsTheMalformed() throws IOException {
      Decode d = Decode.run(capture().toString());
      assertEquals(0, d.exitCode());
      assertEquals(
          List.of(
              "IP6 ::1.40000 > ::1.80: Flags [S], seq 0, win 65535, options [mss 1460], length 0",
              "IP 10.0.0.1 > 10.0.0.1: malformed TCP: tcp-truncated-header",
              "malformed IP packet: ipv4-truncated-header",
              "not IP: RAW frame, length 4",
              "IP 10.0.0.1.40000 > 10.0.0.1.80: UDP, bad length 0 > 24"),
          d.packetLines());
      assertTrue(
          d.out().contains("connection 1: [::1]:40000 <-> [::1]:80"), String.join("\n", d.out()));
      assertEquals("5 packets, 1 TCP segment, 1 connection, 2 malformed", d.out().getLast());
    }

    @Test
    void json_writesDropsWithTheirReasons() throws IOException {
      Decode d = Decode.run(capture().toString(), "--json");
      List<Map<String, Object>> drops =
          d.out().stream()
              .map(Json::parseObject)
              .filter(e -> e.get("event").equals("drop"))
              .toList();
      assertEquals(2, drops.size());
      assertEquals("tcp-truncated-header", drops.get(0).get("reason"));
      assertEquals("10.0.0.1", drops.get(0).get("host"));
      assertEquals(0.0005, ((Number) drops.get(0).get("t")).doubleValue(), 1e-9);
      assertEquals("ipv4-truncated-header", drops.get(1).get("reason"));
    }
  }

  @Test
  void dash_readsTheCaptureFromStandardInput() throws IOException {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    DecodeCommand decode = cl.getSubcommands().get("decode").getCommand();
    decode.stdin = new java.io.ByteArrayInputStream(Files.readAllBytes(Path.of(EXAMPLE)));
    cl.setOut(new java.io.PrintWriter(out, true));
    assertEquals(0, cl.execute("decode", "-"));
    assertTrue(
        out.toString().contains("11 packets, 11 TCP segments, 1 connection, 0 malformed"),
        out.toString());
  }

  @Nested
  class UdpAndIcmp {
    @Test
    void kernelsUdpAndIcmpOnLoopback_namedAsTcpdumpNamesThem() {
      // Captured with tcpdump -i any on loopback: ping, ping -6, and a UDP datagram to a closed
      // port
      // (v4 and v6) drawing port unreachable; the expected lines are tcpdump -nn's own for this
      // file.
      Decode d =
          Decode.run(
              Decode.repoRoot()
                  .resolve("synack-cli/src/test/resources/dev/synack/cli/udp-icmp.pcap")
                  .toString());
      assertEquals(0, d.exitCode(), String.join("\n", d.err()));
      assertEquals(
          List.of(
              "IP 127.0.0.1 > 127.0.0.1: ICMP echo request, id 14928, seq 1, length 64",
              "IP 127.0.0.1 > 127.0.0.1: ICMP echo reply, id 14928, seq 1, length 64",
              "IP6 ::1 > ::1: ICMP6, echo request, id 14929, seq 1, length 64",
              "IP6 ::1 > ::1: ICMP6, echo reply, id 14929, seq 1, length 64",
              "IP 127.0.0.1.53702 > 127.0.0.1.9: UDP, length 5",
              "IP 127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 9 unreachable, length 41",
              "IP6 ::1.57876 > ::1.9: UDP, length 2",
              "IP6 ::1 > ::1: ICMP6, destination unreachable, unreachable port, ::1 udp port 9, length 58"),
          d.packetLines());
      assertEquals("8 packets, 0 TCP segments, 0 connections, 0 malformed", d.out().getLast());
    }
  }

  @Test
  void address_ipv6_isWrittenAsRfc5952() throws IOException {
    assertEquals(
        "2001:db8::1:0:0:1", TcpdumpFormat.address(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
    assertEquals("::", TcpdumpFormat.address(InetAddress.getByName("::")));
    assertEquals("fe80::1", TcpdumpFormat.address(InetAddress.getByName("fe80:0:0:0:0:0:0:1")));
    assertEquals(
        "2001:db8:0:1:1:1:1:1",
        TcpdumpFormat.address(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
  }
}
