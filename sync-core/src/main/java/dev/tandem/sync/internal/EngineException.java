package dev.tandem.sync.internal;

import dev.tandem.sync.SyncException;

/**
 * A sync run that stopped for a reason of the engine's own: no server, closed, or an unexpected
 * exception (kept as the cause), so that results and status always carry a {@link SyncException}.
 */
final class EngineException extends SyncException {
  private static final long serialVersionUID = 1L;

  EngineException(Reason reason, String message) {
    super(reason, message);
  }

  EngineException(Reason reason, String message, Throwable cause) {
    super(reason, message, cause);
  }
}
