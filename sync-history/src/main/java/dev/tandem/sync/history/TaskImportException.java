package dev.tandem.sync.history;

/** A task folder that cannot be imported: names the file and the reason. */
public final class TaskImportException extends Exception {
  private final String file;
  private final String reason;

  public TaskImportException(String file, String reason) {
    super(file == null ? reason : file + ": " + reason);
    this.file = file;
    this.reason = reason;
  }

  public TaskImportException(String file, String reason, Throwable cause) {
    this(file, reason);
    initCause(cause);
  }

  /** Returns the file name inside the task folder, or null if the problem is the folder. */
  public String file() {
    return file;
  }

  public String reason() {
    return reason;
  }
}
