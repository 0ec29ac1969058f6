package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.AgentImporter;
import dev.tandem.sync.history.DefaultLocations;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.HistoryWatcher;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.Source;
import dev.tandem.sync.internal.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Imports agent history: Roo Code / Cline / Kilo Code task folders and their "
        + "task list, Claude Code, Codex CLI and Continue session files.",
        "DIR: a global-storage folder (holding tasks/), a tasks/ folder, one task folder, a "
            + "workspace with .cline_storage/, an agent's home (~/.claude, ~/.codex, "
            + "~/.continue) or a folder in it, or a home folder holding several agents' data. "
            + "Default: every agent's data found on this machine.",
        "Idempotent and incremental; a task or session goes in whole or not at all; a session "
            + "file that grew is read from where the last import stopped."})
final class ImportCommand extends BaseCommand {
  @Option(names = "--source", defaultValue = "auto",
      paramLabel = "roo|cline|kilo|claude-code|codex|continue|auto",
      description = "Which agent wrote the history (default: detected per folder and task).")
  String source;

  @Option(names = "--max-file-size", paramLabel = "BYTES",
      defaultValue = "" + HistoryImporter.DEFAULT_MAX_FILE_BYTES,
      description = "Refuse (do not read) task files and task lists larger than this "
          + "(default: ${DEFAULT-VALUE}). Symbolic links, FIFOs, sockets and devices in a task "
          + "folder are always refused.")
  long maxFileBytes;

  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Option(names = "--watch", description = "After the import, keep running: follow the folders "
      + "with the file system's change events and import each change (debounced), until "
      + "Ctrl-C. One line per import that changed something.") boolean watch;

  // A bound for tests and scripts; not part of the documented interface.
  @Option(names = "--watch-millis", hidden = true, defaultValue = "0") long watchMillis;

  @Parameters(arity = "0..*", paramLabel = "DIR") List<Path> dirs;

  @Override
  public Integer call() throws Exception {
    Source forced = null;
    if (!source.equalsIgnoreCase("auto")) {
      try {
        forced = Source.parse(source);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--source: expected " + Source.names() + " or auto, got " + source);
      }
    }
    if (maxFileBytes <= 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--max-file-size: expected a positive number of bytes, got " + maxFileBytes);
    }
    List<DefaultLocations.Location> found = new ArrayList<>();
    List<Path> targets = new ArrayList<>();
    if (dirs == null || dirs.isEmpty()) {
      for (DefaultLocations.Location l : root().locations().allExisting()) {
        if (forced == null || forced == l.source()) {
          found.add(l);
        }
      }
      if (found.isEmpty()) {
        err().println("tandem: " + (forced == null ? "no Roo Code or Cline tasks found in the "
            + "default locations, nor Kilo Code, Claude Code, Codex or Continue history"
            : "no " + forced + " history found in the default locations")
            + "; pass a folder: tandem import DIR");
        return 1;
      }
    } else {
      for (Path d : dirs) {
        if (forced == null && java.nio.file.Files.isDirectory(d)
            && !AgentImporter.holdsHistory(d)) {
          // a home folder: every agent's data under it, found as on this machine
          List<DefaultLocations.Location> under =
              new DefaultLocations(root().osName, d, java.util.Map.of()).allExisting();
          if (!under.isEmpty()) {
            found.addAll(under);
            continue;
          }
        }
        targets.add(d);
      }
    }
    for (DefaultLocations.Location l : found) {
      err().println("found " + l.source() + (l.source().taskFolders() ? " tasks in "
          : " sessions in ") + l.root());
    }
    boolean tty = System.console() != null;
    HistoryImporter.Progress progress = (done, total, id) -> {
      if (tty) {
        err().print("\rimporting " + done + "/" + total + (done == total ? "\n" : ""));
        err().flush();
      } else if (total > 0 && (done == total || done % 25 == 0) && done > 0) {
        err().println("imported " + done + "/" + total);
        err().flush();
      }
    };
    ImportReport r;
    try (Tandem tandem = root().open()) {
      AgentImporter importer = new AgentImporter(tandem, maxFileBytes);
      List<ImportReport> parts = new ArrayList<>();
      for (DefaultLocations.Location l : found) {
        // task folders: each task's extension detected unless --source names it
        parts.add(importer.importDir(l.root(), l.source().taskFolders() ? forced : l.source(),
            progress));
      }
      for (Path d : targets) {
        parts.add(importer.importDir(d, forced, progress));
      }
      r = AgentImporter.sum(parts);
      print(r);
      if (watch) {
        List<DefaultLocations.Location> where = new ArrayList<>();
        for (DefaultLocations.Location l : found) {
          // as above: task folders keep their per-task detection
          where.add(new DefaultLocations.Location(l.root(),
              l.source().taskFolders() ? forced : l.source()));
        }
        for (Path d : targets) {
          where.add(new DefaultLocations.Location(d, forced != null ? forced
              : dev.tandem.sync.history.SessionImporter.detect(d)));
        }
        watch(importer, where);
      }
    } catch (IllegalArgumentException e) {
      err().println("tandem: " + e.getMessage());
      return 1;
    }
    return r.failed() > 0 ? 1 : 0;
  }

  private void print(ImportReport r) {
    if (json) {
      ObjectNode o = Json.object();
      o.put("imported", r.imported());
      o.put("unchanged", r.unchanged());
      o.put("skipped", r.skipped());
      o.put("failed", r.failed());
      o.put("recordsWritten", r.recordsWritten());
      o.put("recordsDeleted", r.recordsDeleted());
      o.put("bytesRead", r.bytesRead());
      o.set("problems", problems(r.problems()));
      o.set("warnings", problems(r.warnings()));
      o.set("refused", problems(r.refused()));
      printJson(o);
    } else {
      out().printf("imported %d, unchanged %d, skipped %d (not changed since last import), "
              + "failed %d; %d records written, %d deleted%n", r.imported(), r.unchanged(),
          r.skipped(), r.failed(), r.recordsWritten(), r.recordsDeleted());
      for (ImportReport.Problem p : r.problems()) {
        out().println("  problem: " + p);
      }
      for (ImportReport.Problem p : r.warnings()) {
        out().println("  warning: " + p);
      }
      for (ImportReport.Problem p : r.refused()) {
        out().println("  refused: " + p);
      }
      out().flush();
    }
  }

  /** Follows the folders until Ctrl-C (or the hidden time bound); prints each import. */
  private void watch(AgentImporter importer, List<DefaultLocations.Location> where)
      throws java.io.IOException {
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    try (HistoryWatcher w = new HistoryWatcher(importer, where, 200, rep -> {
      if (rep.recordsWritten() + rep.recordsDeleted() + rep.failed() > 0) {
        synchronized (this) {
          print(rep);
        }
      }
    })) {
      Thread hook = new Thread(stop::countDown, "tandem-import-watch-shutdown");
      boolean hooked = SyncCommand.addHook(hook);
      w.start();
      err().println("tandem: watching " + where.size() + " folder" + (where.size() == 1 ? ""
          : "s") + " (Ctrl-C to stop)");
      err().flush();
      try {
        if (watchMillis > 0) {
          stop.await(watchMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
          stop.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (hooked) {
          SyncCommand.removeHook(hook);
        }
      }
    }
  }

  private static ArrayNode problems(List<ImportReport.Problem> list) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    for (ImportReport.Problem p : list) {
      ObjectNode o = a.addObject();
      o.put("taskId", p.taskId());
      o.put("file", p.file());
      o.put("reason", p.reason());
    }
    return a;
  }
}
