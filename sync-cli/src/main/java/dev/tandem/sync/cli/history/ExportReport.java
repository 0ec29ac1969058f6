package dev.tandem.sync.cli.history;

import java.util.List;

/**
 * What an export wrote.
 *
 * @param tasks task folders written
 * @param historyFiles task-list files written ({@code state/taskHistory.json} or Roo's per-task
 *     {@code history_item.json})
 * @param problems conversations not exported, with the reason
 */
public record ExportReport(int tasks, int historyFiles, List<ImportReport.Problem> problems) {}
