package dev.tandem.sync.history;

import java.util.List;

/**
 * What an export wrote.
 *
 * @param tasks task folders written
 * @param historyFiles task-list files written ({@code state/taskHistory.json} or Roo's per-task
 *     {@code history_item.json})
 * @param problems conversations not exported because their records are incomplete or cannot be
 *     read (corrupt data), each naming the record; the user has to act on these
 * @param skipped conversations skipped on purpose: not imported tasks, and those whose data names
 *     an unsafe folder, file or task-list path (refused before anything of them was written)
 */
public final class ExportReport {
  private final int tasks;
  private final int historyFiles;
  private final List<ImportReport.Problem> problems;
  private final List<ImportReport.Problem> skipped;

  public ExportReport(int tasks, int historyFiles, List<ImportReport.Problem> problems,
      List<ImportReport.Problem> skipped) {
    this.tasks = tasks;
    this.historyFiles = historyFiles;
    this.problems = problems;
    this.skipped = skipped;
  }

  public int tasks() {
    return tasks;
  }

  public int historyFiles() {
    return historyFiles;
  }

  public List<ImportReport.Problem> problems() {
    return problems;
  }

  public List<ImportReport.Problem> skipped() {
    return skipped;
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof ExportReport)) {
      return false;
    }
    ExportReport o = (ExportReport) other;
    return tasks == o.tasks
        && historyFiles == o.historyFiles
        && java.util.Objects.equals(problems, o.problems)
        && java.util.Objects.equals(skipped, o.skipped);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(tasks, historyFiles, problems, skipped);
  }

  @Override
  public String toString() {
    return "ExportReport[" + "tasks=" + tasks + ", " + "historyFiles=" + historyFiles + ", "
        + "problems=" + problems + ", " + "skipped=" + skipped + "]";
  }
}
