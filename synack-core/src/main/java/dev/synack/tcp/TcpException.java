package dev.synack.tcp;

/** A user call that RFC 9293 §3.10 answers with an error ("error: connection closing"...). */
public final class TcpException extends RuntimeException {
  private final TcpError error;

  /** Returns an exception for the given error, whose message is the RFC's text. */
  public TcpException(TcpError error) {
    super("error: " + error.rfcText());
    this.error = error;
  }

  /** Returns the error. */
  public TcpError error() {
    return error;
  }
}
