package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queues of a multiqueue TUN device, one per loop: as many as asked, all of one device, with
 * the offloads; a device someone made single-queue falls back to one queue and says why.
 */
class TunQueuesTest {
  private NetnsFixture ns;

  @BeforeEach
  void setUp() throws IOException {
    NetnsFixture.assumePrivileged();
    ns = NetnsFixture.create();
  }

  @AfterEach
  void tearDown() {
    if (ns != null) ns.close();
  }

  @Test
  void threeQueues_oneDevice_eachWithOffloads_deviceGoneWithTheLast() throws Exception {
    String name = NetnsFixture.uniqueName("skm");
    TunLink.Queues q = InNetns.call(ns.name(), () -> TunLink.openQueues(name, 1500, 3));
    try {
      assertNull(q.note());
      assertEquals(3, q.links().size());
      for (TunLink l : q.links()) {
        assertEquals(name, l.name());
        assertTrue(l.offload(), l.mode());
        assertEquals(1500, l.mtu());
      }
      NetnsFixture.Result shown = ns.exec(Duration.ofSeconds(5), "ip", "-d", "link", "show", name);
      assertTrue(shown.output().contains("multi_queue"), shown.output());
    } finally {
      for (TunLink l : q.links()) l.close();
    }
    NetnsFixture.Result gone = ns.exec(Duration.ofSeconds(5), "ip", "link", "show", name);
    assertTrue(gone.exitCode() != 0, "closing every queue removed the device: " + gone.output());
  }

  @Test
  void persistentSingleQueueDevice_fallsBackToOneQueue_withANote() throws Exception {
    String name = NetnsFixture.uniqueName("sks");
    ns.ip("tuntap", "add", "dev", name, "mode", "tun");
    TunLink.Queues q = InNetns.call(ns.name(), () -> TunLink.openQueues(name, 1500, 2));
    try {
      assertEquals(1, q.links().size());
      assertTrue(
          q.note() != null && q.note().startsWith("synack: no multiqueue TUN device " + name),
          q.note());
      assertTrue(q.note().endsWith("one queue, one loop"), q.note());
    } finally {
      for (TunLink l : q.links()) l.close();
    }
  }

  @Test
  void queueCountOutOfRange_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> TunLink.openQueues("skz0", 0, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> TunLink.openQueues("skz0", 0, TunLink.MAX_QUEUES + 1));
  }
}
