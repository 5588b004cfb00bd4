package dev.synack.packetdrill;

import java.util.List;
import java.util.Map;

/**
 * A parsed script: its command-line options ({@code --ip_version=ipv4}) and its events in order.
 *
 * @param name how reports name the script (its path)
 * @param options the {@code --name=value} lines, in order
 * @param events the events, in order
 */
record Script(String name, Map<String, String> options, List<Event> events) {}
