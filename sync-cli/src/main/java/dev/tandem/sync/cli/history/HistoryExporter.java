package dev.tandem.sync.cli.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes imported conversations back as task folders ({@code <dir>/tasks/<taskId>/}) in the
 * extension's own format, with the task list: Cline's {@code state/taskHistory.json} (or the
 * file it came from), Roo's per-task {@code history_item.json}. Derived records (tool calls,
 * files-in-context entries) are not needed: the files come from the records that hold them.
 */
public final class HistoryExporter {
  private final Tandem tandem;

  public HistoryExporter(Tandem tandem) {
    this.tandem = Objects.requireNonNull(tandem, "tandem");
  }

  /**
   * Exports one conversation, or all imported ones when {@code conversationId} is null.
   *
   * @throws IllegalArgumentException if {@code conversationId} names no conversation
   */
  public ExportReport export(Path dir, Source format, String conversationId) throws IOException {
    List<Conversation> conversations = new ArrayList<>();
    if (conversationId != null) {
      Conversation c = tandem.conversations().get(conversationId);
      if (c == null) {
        throw new IllegalArgumentException("no conversation " + conversationId);
      }
      conversations.add(c);
    } else {
      int offset = 0;
      while (true) {
        List<Conversation> page = tandem.conversations().list(500, offset);
        conversations.addAll(page);
        if (page.size() < 500) {
          break;
        }
        offset += page.size();
      }
    }
    int tasks = 0;
    int historyFiles = 0;
    List<ImportReport.Problem> problems = new ArrayList<>();
    Map<String, TreeMap<Integer, JsonNode>> lists = new TreeMap<>();
    Files.createDirectories(dir);
    for (Conversation c : conversations) {
      ObjectNode data = c.toJson();
      JsonNode meta = data.path(TaskMapper.TANDEM);
      if (!meta.isObject()) {
        problems.add(new ImportReport.Problem(c.id(), null,
            "not an imported task (no task files recorded); skipped"));
        continue;
      }
      JsonNode item = data.path("metadata").get("historyItem");
      String folder = meta.path("folder").isTextual() ? meta.get("folder").asText() : null;
      if (folder != null) {
        if (folder.isEmpty() || folder.contains("/") || folder.contains("\\")
            || folder.equals(".") || folder.equals("..")) {
          problems.add(new ImportReport.Problem(c.id(), null, "unsafe folder name " + folder));
          continue;
        }
        List<ObjectNode> records = new ArrayList<>();
        for (String type : List.of(RecordTypes.MESSAGE, RecordTypes.UI_MESSAGE,
            RecordTypes.FILE_CONTEXT)) {
          for (Record r : tandem.store().listByConversation(type, c.id())) {
            records.add(r.data());
          }
        }
        Path taskDir = dir.resolve("tasks").resolve(folder);
        try {
          TaskMapper.writeTask(taskDir, data, records);
        } catch (TaskImportException e) {
          problems.add(new ImportReport.Problem(c.id(), e.file(), e.reason()));
          continue;
        }
        tasks++;
        if (format == Source.ROO && item != null && item.isObject()
            && !meta.path("files").has(TaskMapper.HISTORY_ITEM_FILE)) {
          try (OutputStream out = Files.newOutputStream(
              taskDir.resolve(TaskMapper.HISTORY_ITEM_FILE))) {
            JsonLayout.COMPACT.writeValue(out, item);
          }
          historyFiles++;
        }
      }
      if (format == Source.CLINE && item != null && meta.path("historyFile").isTextual()) {
        lists.computeIfAbsent(meta.get("historyFile").asText(), k -> new TreeMap<>())
            .put(meta.path("historyIndex").asInt(), item);
      }
    }
    for (Map.Entry<String, TreeMap<Integer, JsonNode>> e : lists.entrySet()) {
      String rel = e.getKey();
      if (rel.contains("..")) {
        continue;
      }
      Path f = dir.resolve(rel);
      Files.createDirectories(f.getParent());
      // Cline writes state/taskHistory.json compact; the .cline_storage build pretty-printed.
      JsonLayout layout = rel.equals("task_history.json")
          ? new JsonLayout("  ", "\n", false, false) : JsonLayout.COMPACT;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f))) {
        layout.writeArray(out, new ArrayList<>(e.getValue().values()));
      }
      historyFiles++;
    }
    return new ExportReport(tasks, historyFiles, problems);
  }
}
