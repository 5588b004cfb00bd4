package dev.synack.tcp;

import dev.synack.trace.TraceSink;

/**
 * Where a host's connections trace to: its sink and name, and the one tracer that all of its
 * untraced connections share.
 *
 * <p>An untraced connection's tracer keeps nothing of its own (no identity text, no held arrival,
 * no sample), only the host's drop counter and name, so a host makes one and every connection
 * opened while its sink wants no events holds that one: 56 bytes less per idle connection. A
 * connection opened while the sink wants events gets a tracer of its own, as before.
 */
public final class ConnectionTracing {
  private final TraceSink sink;
  private final String hostName;

  /** The tracer the untraced connections share; made with the first of them. */
  private Tracer untraced;

  /** Makes the tracing of a host named {@code hostName} whose connections trace to {@code sink}. */
  public ConnectionTracing(TraceSink sink, String hostName) {
    this.sink = sink;
    this.hostName = hostName;
  }

  /** Returns the tracer of a connection opened now as {@code id}. */
  Tracer tracerFor(FourTuple id) {
    if (sink != null && sink.enabled()) return new Tracer(sink, hostName, id);
    Tracer t = untraced;
    if (t == null) untraced = t = new Tracer(sink, hostName, id);
    return t;
  }
}
