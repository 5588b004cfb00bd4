package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Ping through the forwarder: relayed to the real destination through unprivileged ICMP sockets
 * where the sockets' namespace allows them ({@code net.ipv4.ping_group_range}), answered by synack
 * itself where it does not. An address with no host behind it tells the two apart: relayed, its
 * pings go unanswered; answered locally, every address seems up.
 */
class ForwarderIcmpTest extends ForwarderNamespaces {
  static final String NOBODY4 = "10.98.0.77";
  static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
  static final Pattern RTT =
      Pattern.compile("rtt min/avg/max/mdev = ([\\d.]+)/([\\d.]+)/([\\d.]+)");

  /**
   * Allows ICMP sockets to every group in the outside namespace, then starts the forwarder again
   * there.
   */
  void allowIcmpSocketsOutside() throws Exception {
    NetnsFixture.Result r =
        outside.exec(TIMEOUT, "sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647");
    assertEquals(0, r.exitCode(), r.output());
    forwarder.close();
    startForwarder(ForwarderOptions.defaults());
  }

  @Test
  void ping_relayedThroughIcmpSockets_twentyRepliesFromTheServer() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    allowIcmpSocketsOutside();
    assertTrue(forwarder.icmpNote().contains("relayed"), forwarder.icmpNote());

    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-n", "-c", "20", "-i", "0.05", "-W", "5", SERVER4);
    assertEquals(20, received(r.output()), r.output() + forwarder.counters());
    ForwarderCounters c = forwarder.counters();
    assertTrue(c.icmpRequests() >= 20 && c.icmpReplies() >= 20, c.toString());
    assertEquals(0, c.icmpAnsweredLocally(), c.toString());
    Matcher rtt = RTT.matcher(r.output());
    assertTrue(rtt.find(), r.output());
    // Plausible, not timed: a round trip took some time and came back within ping's 5 s wait.
    double max = Double.parseDouble(rtt.group(3));
    assertTrue(Double.parseDouble(rtt.group(1)) > 0 && max < 5000, r.output());
    System.out.println("ping through synack forward: " + rtt.group());
  }

  @Test
  void ping_relayed_ipv6_repliesFromTheServer() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    allowIcmpSocketsOutside();
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-6", "-n", "-c", "5", "-i", "0.05", "-W", "5", SERVER6);
    assertEquals(5, received(r.output()), r.output() + forwarder.counters());
    assertTrue(forwarder.counters().icmpReplies() >= 5, forwarder.counters().toString());
  }

  @Test
  void ping_relayed_toAnAddressWithNoHost_unanswered() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    allowIcmpSocketsOutside();
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", NOBODY4);
    assertEquals(0, received(r.output()), r.output());
    assertTrue(forwarder.counters().icmpRequests() >= 3, forwarder.counters().toString());
    assertEquals(0, forwarder.counters().icmpReplies());
  }

  @Test
  void ping_noIcmpSocketsAllowed_synackAnswersItself_counted_andSaysWhy() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    // A new namespace's ping_group_range is the kernel's "1 0": nobody, root included, may have
    // one.
    assertTrue(forwarder.icmpNote().contains("ping_group_range"), forwarder.icmpNote());
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", NOBODY4);
    assertEquals(3, received(r.output()), r.output());
    assertEquals(3, forwarder.counters().icmpAnsweredLocally(), forwarder.counters().toString());
    assertEquals(0, forwarder.counters().icmpRequests());
  }

  @Test
  void ping_answeredLocallyByOption_everyAddressAnswers_noIcmpSocket() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    outside.exec(TIMEOUT, "sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647");
    forwarder.close();
    startForwarder(ForwarderOptions.defaults().withIcmpEcho(ForwarderOptions.IcmpEcho.LOCAL));
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", NOBODY4);
    assertEquals(3, received(r.output()), r.output());
    assertEquals(0, forwarder.counters().icmpRequests());
    assertTrue(forwarder.icmpNote().contains("by option"), forwarder.icmpNote());
  }

  static int received(String pingOutput) {
    Matcher m = SUMMARY.matcher(pingOutput);
    return m.find() ? Integer.parseInt(m.group(2)) : -1;
  }
}
