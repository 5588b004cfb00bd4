package dev.synack.stack;

/**
 * Something a user of the host can hang one object of its own on — a connection or a listener. The
 * socket layer keeps its wait state there, so that it lives and dies with what it waits on.
 */
public interface Attachable {
  /** Returns the attached object, or null. */
  Object attachment();

  /** Attaches an object, replacing any earlier one. */
  void attach(Object value);
}
