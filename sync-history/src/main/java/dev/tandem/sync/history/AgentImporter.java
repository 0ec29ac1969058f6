package dev.tandem.sync.history;

import dev.tandem.sync.Tandem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Imports any agent's history: task folders (Roo Code, Cline, Kilo Code) through {@link
 * HistoryImporter}, session files (Claude Code, Codex CLI, Continue) through {@link
 * SessionImporter}, whichever a folder holds.
 *
 * <pre>{@code
 * ImportReport r = new AgentImporter(tandem, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
 *     .importAll(DefaultLocations.system().allExisting());
 * }</pre>
 */
public final class AgentImporter {
  private final HistoryImporter tasks;
  private final SessionImporter sessions;

  public AgentImporter(Tandem tandem, long maxFileBytes) {
    Objects.requireNonNull(tandem, "tandem");
    this.tasks = new HistoryImporter(tandem, maxFileBytes);
    this.sessions = new SessionImporter(tandem, maxFileBytes);
  }

  /** Imports every location (as found by {@link DefaultLocations#allExisting()}). */
  public ImportReport importAll(List<DefaultLocations.Location> locations) throws IOException {
    List<ImportReport> parts = new ArrayList<>();
    for (DefaultLocations.Location l : locations) {
      parts.add(importDir(l.root(), l.source(), null));
    }
    return sum(parts);
  }

  /**
   * Imports one folder.
   *
   * @param source the agent, or null to detect it: session-file agents by their layout, else
   *     task folders (each task's extension detected)
   * @throws IOException if the folder cannot be listed
   */
  public ImportReport importDir(Path dir, Source source, HistoryImporter.Progress progress)
      throws IOException {
    Source s = source != null ? source : SessionImporter.detect(dir);
    if (s != null && !s.taskFolders()) {
      return sessions.importDir(dir, s);
    }
    return tasks.importDir(dir, source, progress);
  }

  /** Adds reports up. */
  public static ImportReport sum(List<ImportReport> parts) {
    int[] n = new int[6];
    long bytes = 0;
    List<ImportReport.Problem> p = new ArrayList<>();
    List<ImportReport.Problem> w = new ArrayList<>();
    List<ImportReport.Problem> f = new ArrayList<>();
    for (ImportReport r : parts) {
      n[0] += r.imported();
      n[1] += r.unchanged();
      n[2] += r.skipped();
      n[3] += r.failed();
      n[4] += r.recordsWritten();
      n[5] += r.recordsDeleted();
      bytes += r.bytesRead();
      p.addAll(r.problems());
      w.addAll(r.warnings());
      f.addAll(r.refused());
    }
    return new ImportReport(n[0], n[1], n[2], n[3], n[4], n[5], bytes, List.copyOf(p),
        List.copyOf(w), List.copyOf(f));
  }

  /** Returns true if {@code dir} holds data of any agent this module reads. */
  public static boolean holdsHistory(Path dir) {
    return Files.isDirectory(dir) && (SessionImporter.detect(dir) != null
        || Files.isDirectory(dir.resolve("tasks")) || Files.isDirectory(dir.resolve(
            ".cline_storage")) || TaskMapper.looksLikeTask(dir));
  }
}
