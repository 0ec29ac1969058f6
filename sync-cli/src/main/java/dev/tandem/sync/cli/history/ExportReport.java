package dev.tandem.sync.cli.history;

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
public record ExportReport(int tasks, int historyFiles, List<ImportReport.Problem> problems,
    List<ImportReport.Problem> skipped) {}
