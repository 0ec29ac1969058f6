package dev.tandem.sync.cli.history;

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
public record ImportReport(int imported, int unchanged, int skipped, int failed,
    int recordsWritten, int recordsDeleted, long bytesRead, List<Problem> problems,
    List<Problem> warnings, List<Problem> refused) {

  /**
   * One problem.
   *
   * @param taskId the task folder name, or null for a file outside any task
   * @param file the file (relative to the task folder, or a path), or null for the whole folder
   * @param reason why
   */
  public record Problem(String taskId, String file, String reason) {
    @Override
    public String toString() {
      return (taskId == null ? "" : taskId + ": ") + (file == null ? "" : file + ": ") + reason;
    }
  }
}
