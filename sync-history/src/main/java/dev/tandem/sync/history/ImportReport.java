package dev.tandem.sync.history;

import java.util.List;

/**
 * What an import did.
 *
 * @param imported tasks written (new or changed)
 * @param unchanged tasks parsed because their files changed on disk, but equal to the store
 * @param skipped tasks skipped without parsing: fingerprint unchanged since the last import
 * @param failed tasks not imported at all (see {@link #problems()})
 * @param recordsWritten records created or updated
 * @param recordsDeleted records deleted (they became tombstones)
 * @param bytesRead bytes of task files read and parsed
 * @param problems failed tasks and folders that were not tasks, each with file and reason
 * @param warnings things kept opaquely because they could not be interpreted
 * @param refused files and task folders not read, each with the reason: symbolic links, FIFOs,
 *     sockets, devices, files over the size limit. The rest of their task is imported; what an
 *     earlier import stored from a refused file is kept, not deleted
 */
public final class ImportReport {
  private final int imported;
  private final int unchanged;
  private final int skipped;
  private final int failed;
  private final int recordsWritten;
  private final int recordsDeleted;
  private final long bytesRead;
  private final List<Problem> problems;
  private final List<Problem> warnings;
  private final List<Problem> refused;

  public ImportReport(int imported, int unchanged, int skipped, int failed, int recordsWritten,
      int recordsDeleted, long bytesRead, List<Problem> problems, List<Problem> warnings,
      List<Problem> refused) {
    this.imported = imported;
    this.unchanged = unchanged;
    this.skipped = skipped;
    this.failed = failed;
    this.recordsWritten = recordsWritten;
    this.recordsDeleted = recordsDeleted;
    this.bytesRead = bytesRead;
    this.problems = problems;
    this.warnings = warnings;
    this.refused = refused;
  }

  public int imported() {
    return imported;
  }

  public int unchanged() {
    return unchanged;
  }

  public int skipped() {
    return skipped;
  }

  public int failed() {
    return failed;
  }

  public int recordsWritten() {
    return recordsWritten;
  }

  public int recordsDeleted() {
    return recordsDeleted;
  }

  public long bytesRead() {
    return bytesRead;
  }

  public List<Problem> problems() {
    return problems;
  }

  public List<Problem> warnings() {
    return warnings;
  }

  public List<Problem> refused() {
    return refused;
  }

  /**
   * One problem.
   *
   * @param taskId the task folder name, or null for a file outside any task
   * @param file the file (relative to the task folder, or a path), or null for the whole folder
   * @param reason why
   */
  public static final class Problem {
    private final String taskId;
    private final String file;
    private final String reason;

    public Problem(String taskId, String file, String reason) {
      this.taskId = taskId;
      this.file = file;
      this.reason = reason;
    }

    public String taskId() {
      return taskId;
    }

    public String file() {
      return file;
    }

    public String reason() {
      return reason;
    }

    @Override
    public String toString() {
      return (taskId == null ? "" : taskId + ": ") + (file == null ? "" : file + ": ") + reason;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof Problem)) {
        return false;
      }
      Problem o = (Problem) other;
      return java.util.Objects.equals(taskId, o.taskId)
          && java.util.Objects.equals(file, o.file)
          && java.util.Objects.equals(reason, o.reason);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(taskId, file, reason);
    }
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof ImportReport)) {
      return false;
    }
    ImportReport o = (ImportReport) other;
    return imported == o.imported
        && unchanged == o.unchanged
        && skipped == o.skipped
        && failed == o.failed
        && recordsWritten == o.recordsWritten
        && recordsDeleted == o.recordsDeleted
        && bytesRead == o.bytesRead
        && java.util.Objects.equals(problems, o.problems)
        && java.util.Objects.equals(warnings, o.warnings)
        && java.util.Objects.equals(refused, o.refused);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(imported, unchanged, skipped, failed, recordsWritten,
        recordsDeleted, bytesRead, problems, warnings, refused);
  }
}
