package dev.synack.wire;

/**
 * A pcap or pcapng file that cannot be read further, with the reason and where in the file it was
 * found, e.g. {@code "record 3 at offset 120: captured length 1500 exceeds the 40 bytes left
 * (truncated file?)"}.
 */
public final class PcapFormatException extends Exception {
  /** Creates the exception with a message that names the problem and its place in the file. */
  public PcapFormatException(String message) {
    super(message);
  }
}
