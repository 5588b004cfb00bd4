package dev.synack.link;

import java.io.IOException;

/**
 * Thrown when a link can carry nothing ever again as it is (its TUN device deleted, its namespace
 * removed, its descriptor invalid), as opposed to an error of the moment (a device that is down, a
 * peer's port unreachable) after which the same link works again: only reopening helps, as {@link
 * ReopeningLink} does.
 */
public final class LinkGoneException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates one with a one-line message saying which link is gone and why. */
  public LinkGoneException(String message) {
    super(message);
  }
}
