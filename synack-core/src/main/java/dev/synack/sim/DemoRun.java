package dev.synack.sim;

import dev.synack.stack.Host;
import dev.synack.trace.TraceEvent;
import java.util.List;

/**
 * What a demo run left: every trace event of both hosts in time order, the hosts themselves (for
 * their counters), and result lines such as the transfer's SHA-256 comparison.
 */
public record DemoRun(Scenario scenario, List<TraceEvent> events, Host client, Host server, List<String> results, boolean ok) {
  public DemoRun {
    events = List.copyOf(events);
    results = List.copyOf(results);
  }
}
