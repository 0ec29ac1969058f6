package dev.tandem.sync;

import org.jspecify.annotations.Nullable;

/** The local store failed: I/O, a corrupt file, a record over the size limit, a migration. */
public class StoreException extends SyncException {
  private static final long serialVersionUID = 1L;

  public StoreException(Reason reason, String message) {
    super(reason, message);
  }

  public StoreException(Reason reason, String message, @Nullable Throwable cause) {
    super(reason, message, cause);
  }
}
