package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.ExportReport;
import dev.tandem.sync.history.HistoryExporter;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.Source;
import dev.tandem.sync.internal.Json;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Writes conversations back as task folders (DIR/tasks/<taskId>/) in the "
        + "extension's format, with its task list.",
        "Names and paths in the data are checked: a conversation naming an unsafe path is "
            + "skipped and reported on stderr (exit 0); one whose records cannot be read is "
            + "named and the rest still exported (exit 1)."})
final class ExportCommand extends BaseCommand {
  @Option(names = "--format", required = true, paramLabel = "roo|cline",
      description = "roo: per-task history_item.json; cline: state/taskHistory.json.")
  String format;

  @Option(names = "--conversation", paramLabel = "ID", description = "Only this conversation.")
  String conversation;

  @Option(names = "--json", description = "Machine-readable output.") boolean json;

  @Parameters(paramLabel = "DIR") Path dir;

  @Override
  public Integer call() throws Exception {
    Source f;
    try {
      f = Source.parse(format);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--format: expected roo or cline, got " + format);
    }
    ExportReport r;
    try (Tandem tandem = root().open()) {
      r = new HistoryExporter(tandem).export(dir, f, conversation);
    }
    for (ImportReport.Problem p : r.skipped()) {
      err().println("tandem: skipped " + p);
    }
    err().flush();
    if (json) {
      ObjectNode o = Json.object();
      o.put("tasks", r.tasks());
      o.put("historyFiles", r.historyFiles());
      var a = o.putArray("problems");
      for (ImportReport.Problem p : r.problems()) {
        a.addObject().put("conversationId", p.taskId()).put("file", p.file())
            .put("reason", p.reason());
      }
      var s = o.putArray("skipped");
      for (ImportReport.Problem p : r.skipped()) {
        s.addObject().put("conversationId", p.taskId()).put("file", p.file())
            .put("reason", p.reason());
      }
      printJson(o);
    } else {
      out().printf("exported %d task folders and %d task-list files to %s%s%n", r.tasks(),
          r.historyFiles(), dir, r.skipped().isEmpty() ? ""
              : "; skipped " + r.skipped().size() + " (see above)");
      for (ImportReport.Problem p : r.problems()) {
        out().println("  problem: " + p);
      }
      out().flush();
    }
    // CLI.md: a record naming an unsafe path is skipped and reported, the rest exported, so
    // skips alone are a success; unreadable or incomplete records are a failure to act on.
    return r.problems().isEmpty() ? 0 : 1;
  }
}
