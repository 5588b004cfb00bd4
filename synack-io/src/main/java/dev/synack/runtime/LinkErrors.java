package dev.synack.runtime;

/**
 * What a driver's link has failed to do since the driver started: the link errors it met, counted
 * rather than fatal (a device taken down, a peer's port unreachable, a device deleted and
 * reopened), as a kernel keeps its sockets when a link goes down.
 *
 * @param sendErrors sends that failed; their packets were dropped, for TCP to retransmit
 * @param receiveErrors receives that failed
 * @param episodes runs of errors with no success between them: each is noted once, when it starts
 * @param failing whether the last attempt failed (an episode is going on)
 * @param lastError the message of the last error, or null if there was none
 */
public record LinkErrors(
    long sendErrors, long receiveErrors, long episodes, boolean failing, String lastError) {
  /** Returns the errors of both directions. */
  public long total() {
    return sendErrors + receiveErrors;
  }
}
