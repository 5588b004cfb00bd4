package dev.synack.tcp;

/**
 * How the options of a SYN or SYN-ACK are laid out. Both carry the same options; only their order
 * and padding differ, which RFC 9293 leaves to the stack (§3.1: options may begin on any octet
 * boundary), and which fingerprinting tools and byte-exact tests see.
 */
public enum OptionLayout {
  /**
   * Linux's {@code tcp_options_write}: {@code mss,sackOK,TS val ecr,nop,wscale}, NOPs standing in
   * for an option left out so that the rest stays aligned (20 bytes with everything on).
   */
  LINUX,
  /**
   * FreeBSD's {@code tcp_addoptions}: {@code mss,nop,wscale,sackOK,TS val ecr}, each option after
   * the NOPs its alignment needs, and the end padded with EOL bytes to a multiple of four ({@code
   * mss,sackOK,eol,eol} when the peer offered only those two).
   */
  BSD
}
