package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SYN filter of a multiqueue TUN device (two loops, {@code --loops 2}): set through one queue,
 * it filters what the kernel queues on every queue, since the kernel keeps one filter per device
 * ({@code tun->filter_prog}), not per queue.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunSynShedQueuesTest {
  private static final String SYNACK = "10.207.0.2";

  private NetnsFixture ns;
  private TunLink.Queues queues;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void setUp() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    ns = NetnsFixture.create();
    String name = NetnsFixture.uniqueName("skq");
    queues = InNetns.call(ns.name(), () -> TunLink.openQueues(name, 1500, 2));
    assertNull(queues.note(), "the kernel made a multiqueue device");
    ns.addressAndUp(name, "10.207.0.1/24");
  }

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
    if (queues != null) for (TunLink l : queues.links()) l.close();
    if (ns != null) ns.close();
  }

  /** Sends {@code count} spoofed SYNs and returns the pure SYNs each queue's reader got. */
  private int[] synsPerQueue(int count) throws Exception {
    AtomicBoolean sent = new AtomicBoolean();
    List<TunLink> links = queues.links();
    @SuppressWarnings("unchecked")
    Future<Integer>[] readers = new Future[links.size()];
    for (int q = 0; q < links.size(); q++) {
      TunLink link = links.get(q);
      readers[q] =
          threads.submit(
              () -> {
                int syns = 0;
                ByteBuffer packet = ByteBuffer.allocate(65_535);
                long end = System.nanoTime() + 20_000_000_000L;
                long quietUntil = Long.MAX_VALUE;
                while (System.nanoTime() < end && System.nanoTime() < quietUntil) {
                  if (quietUntil == Long.MAX_VALUE && sent.get())
                    quietUntil = System.nanoTime() + 300_000_000L;
                  packet.clear();
                  int n = link.receive(packet, 50_000_000L);
                  if (n < 40 || (packet.get(0) >> 4) != 4 || packet.get(9) != 6) continue;
                  int tcp = (packet.get(0) & 0xf) * 4;
                  if ((packet.get(tcp + 13) & 0x12) == 0x02) syns++;
                }
                return syns;
              });
    }
    NetnsFixture.Result r;
    try {
      r = SpoofedSyns.send(ns, SYNACK, count);
    } finally {
      sent.set(true);
    }
    assertEquals(0, r.exitCode(), r.output());
    int[] syns = new int[links.size()];
    for (int q = 0; q < syns.length; q++) syns[q] = readers[q].get(30, TimeUnit.SECONDS);
    return syns;
  }

  @Test
  void filterSetThroughTheSecondQueue_shedsSpoofedSynsOnBothQueues() throws Exception {
    int[] unfiltered = synsPerQueue(400);
    assertEquals(400, unfiltered[0] + unfiltered[1], "every spoofed SYN read unfiltered");
    assertTrue(
        unfiltered[0] > 0 && unfiltered[1] > 0,
        "the kernel spreads the sources over both queues: " + unfiltered[0] + ", " + unfiltered[1]);

    assertTrue(queues.links().get(1).filterSyns(SynShedFilter.KEEP_NONE));
    int[] filtered = synsPerQueue(1_000);

    assertEquals(0, filtered[0], "spoofed SYNs read on queue 0");
    assertEquals(0, filtered[1], "spoofed SYNs read on queue 1");
  }

  @Test
  void closingTheQueueThatSetTheFilter_theDeviceKeepsFiltering() throws IOException, Exception {
    assertTrue(queues.links().get(1).filterSyns(SynShedFilter.KEEP_NONE));
    // Its map's descriptor closes with it; the device's program holds the map.
    queues.links().get(1).close();
    queues = new TunLink.Queues(List.of(queues.links().get(0)), null);

    int[] filtered = synsPerQueue(500);

    assertEquals(0, filtered[0], "spoofed SYNs read on the remaining queue");
  }
}
