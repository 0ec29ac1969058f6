package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.DefaultLocations;
import dev.tandem.sync.history.HistoryImporter;
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
    description = {"Imports Roo Code / Cline task folders and their task list.",
        "DIR: a global-storage folder (holding tasks/), a tasks/ folder, one task folder, or a "
            + "workspace with .cline_storage/. Default: every location of both extensions found "
            + "on this machine.",
        "Idempotent and incremental; a task goes in whole or not at all."})
final class ImportCommand extends BaseCommand {
  @Option(names = "--source", defaultValue = "auto", paramLabel = "roo|cline|auto",
      description = "Which extension wrote the tasks (default: detected per task).")
  String source;

  @Option(names = "--max-file-size", paramLabel = "BYTES",
      defaultValue = "" + HistoryImporter.DEFAULT_MAX_FILE_BYTES,
      description = "Refuse (do not read) task files and task lists larger than this "
          + "(default: ${DEFAULT-VALUE}). Symbolic links, FIFOs, sockets and devices in a task "
          + "folder are always refused.")
  long maxFileBytes;

  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Parameters(arity = "0..*", paramLabel = "DIR") List<Path> dirs;

  @Override
  public Integer call() throws Exception {
    Source forced = null;
    if (!source.equalsIgnoreCase("auto")) {
      try {
        forced = Source.parse(source);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--source: expected roo, cline or auto, got " + source);
      }
    }
    if (maxFileBytes <= 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--max-file-size: expected a positive number of bytes, got " + maxFileBytes);
    }
    List<Path> targets = new ArrayList<>();
    if (dirs == null || dirs.isEmpty()) {
      DefaultLocations loc = root().locations();
      for (DefaultLocations.Location l : loc.existing()) {
        targets.add(l.root());
        err().println("found " + l.source() + " tasks in " + l.root());
      }
      if (targets.isEmpty()) {
        err().println("tandem: no Roo Code or Cline tasks found in the default locations; "
            + "pass a folder: tandem import DIR");
        return 1;
      }
    } else {
      targets.addAll(dirs);
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
      r = new HistoryImporter(tandem, maxFileBytes).importDirs(targets, forced, progress);
    }
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
    return r.failed() > 0 ? 1 : 0;
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
