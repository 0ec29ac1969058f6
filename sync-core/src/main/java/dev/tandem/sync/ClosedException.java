package dev.tandem.sync;

/** Thrown when a closed {@link Tandem} or store is used. */
public final class ClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public ClosedException(String what) {
    super(what + " is closed");
  }
}
