package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.ExportReport;
import dev.tandem.sync.history.HistoryExporter;
import dev.tandem.sync.history.ImportReport;
import dev.tandem.sync.history.SessionExporter;
import dev.tandem.sync.history.Source;
import dev.tandem.sync.internal.Json;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Writes conversations back in the agent's own format: task folders "
        + "(DIR/tasks/<taskId>/) with their task list for roo, cline and kilo; DIR laid out like "
        + "the agent's home (projects/…, sessions/…, the index file) for claude-code, codex and "
        + "continue. Every file comes back byte-identical to the one imported.",
        "Names and paths in the data are checked: a conversation naming an unsafe path is "
            + "skipped and reported on stderr (exit 0); one whose records cannot be read is "
            + "named and the rest still exported (exit 1)."})
final class ExportCommand extends BaseCommand {
  @Option(names = "--format", required = true,
      paramLabel = "roo|cline|kilo|claude-code|codex|continue",
      description = "roo, kilo: per-task history_item.json; cline: state/taskHistory.json; "
          + "claude-code, codex, continue: that agent's sessions (with --conversation, a "
          + "Claude Code session's sub-agents too).")
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
          "--format: expected " + Source.names() + ", got " + format);
    }
    ExportReport r;
    try (Tandem tandem = root().open()) {
      r = f.taskFolders() ? new HistoryExporter(tandem).export(dir, f, conversation)
          : new SessionExporter(tandem).export(dir, f, conversation);
    } catch (IllegalArgumentException e) {
      err().println("tandem: " + e.getMessage());
      return 1;
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
      out().printf(f.taskFolders() ? "exported %d task folders and %d task-list files to %s%s%n"
          : "exported %d sessions and %d index files to %s%s%n", r.tasks(),
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
