package dev.synack.cli;

import dev.synack.demo.Scenario;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds English words in text meant to be Chinese: every Latin word that is not one of a short list
 * of technical tokens a Chinese textbook writes as they are (flag, state, option and field names,
 * units, abbreviations), once numbers, times, addresses, hashes and file paths are set aside.
 */
final class EnglishWords {
  private EnglishWords() {}

  /**
   * The tokens a Chinese run may print: the articles' own, the header's, tcpdump's field and option
   * names, units.
   */
  static final Set<String> ALLOWED =
      Set.of(
          // protocols, flags, header fields and abbreviations the articles write in Latin letters
          "TCP",
          "IP",
          "IP6",
          "UDP",
          "ICMP",
          "ECN",
          "SYN",
          "ACK",
          "FIN",
          "RST",
          "PSH",
          "URG",
          "ECE",
          "CWR",
          "ISN",
          "MSL",
          "MSS",
          "MTU",
          "RTT",
          "RTO",
          "SACK",
          "RFC",
          "BDP",
          "seq",
          "ack",
          "win",
          "len",
          "cwnd",
          "srtt",
          // the states of RFC 9293 figure 5
          "CLOSED",
          "LISTEN",
          "SYN_SENT",
          "SYN_RECEIVED",
          "ESTABLISHED",
          "FIN_WAIT_1",
          "FIN_WAIT_2",
          "CLOSE_WAIT",
          "CLOSING",
          "LAST_ACK",
          "TIME_WAIT",
          // tcpdump's line: field names, TCP option names
          "Flags",
          "length",
          "options",
          "mss",
          "sackOK",
          "TS",
          "val",
          "ecr",
          "nop",
          "wscale",
          "sack",
          "eol",
          "tfo",
          "cookie",
          // units, hashes and the program's own name
          "s",
          "ms",
          "B",
          "Mbit",
          "sha256",
          "SHA",
          "synack",
          // the mark of a retransmission on the time-sequence graph, named in its key
          "R");

  /**
   * Numbers with a unit or sign, IPv4 endpoints (a.b.c.d:port, tcpdump's a.b.c.d.port), IPv6 ones,
   * hashes, paths.
   */
  private static final Pattern SET_ASIDE =
      Pattern.compile(
          "\\S*/\\S*|\\S+\\.(pcap|pcapng|html|jsonl)\\b" // a file path or name
              + "|\\[[A-Za-z0-9 ,.:{}…-]*]" // the ladder's list of options, cut to fit
              + "|\\[[0-9a-fA-F:]*:[0-9a-fA-F:]*](:\\d+)?" // [2001:db8::1]:80
              + "|\\b\\d+(\\.\\d+){3}([.:]\\d+)?\\b" // 10.0.0.1:80, 10.0.0.1.80
              + "|\\b[0-9a-f]{8,}\\b" // a SHA-256 prefix
              + "|Flags \\[[^]]*]" // tcpdump's flag letters
              + "|[+-]?\\d+(\\.\\d+)?s\\b"); // +0.010s

  private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  /**
   * Returns the English words of a line, in order; empty when it is all Chinese and technical
   * tokens.
   */
  static List<String> in(String line) {
    String rest = SET_ASIDE.matcher(line).replaceAll(" ");
    for (Scenario s : Scenario.values()) rest = rest.replace(s.cliName(), " ");
    List<String> found = new ArrayList<>();
    Matcher m = WORD.matcher(rest);
    while (m.find()) {
      String w = m.group();
      // A token the diagram cut to fit ("S…") is one of the allowed ones when it begins one.
      boolean cut =
          rest.startsWith("…", m.end()) && ALLOWED.stream().anyMatch(a -> a.startsWith(w));
      if (!ALLOWED.contains(w) && !cut) found.add(w);
    }
    return found;
  }

  /**
   * Returns each line of {@code text} that holds an English word, with the words, for an
   * assertion's message.
   */
  static List<String> offending(String text) {
    return Arrays.stream(text.split("\n"))
        .filter(l -> !in(l).isEmpty())
        .map(l -> in(l).stream().collect(Collectors.joining(",", "[", "] ")) + l)
        .toList();
  }
}
