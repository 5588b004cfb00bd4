package dev.synack.stack;

/**
 * When a listener answers a SYN with a SYN cookie instead of a SYN-queue entry (Linux's {@code
 * tcp_syncookies}).
 */
public enum SynCookiePolicy {
  /** Never (tcp_syncookies = 0): a SYN that finds the SYN queue full is dropped. */
  OFF,
  /** When the SYN queue is full (tcp_syncookies = 1, Linux's default). */
  WHEN_SYN_QUEUE_FULL,
  /** For every SYN (tcp_syncookies = 2), for tests and for hosts under constant attack. */
  ALWAYS
}
