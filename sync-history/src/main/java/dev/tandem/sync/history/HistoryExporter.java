package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.spi.LocalRecord;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes imported conversations back as task folders ({@code <dir>/tasks/<taskId>/}) in the
 * extension's own format, with the task list: Cline's {@code state/taskHistory.json} (or the
 * file it came from), Roo's per-task {@code history_item.json}. Derived records (tool calls,
 * files-in-context entries) are not needed: the files come from the records that hold them.
 *
 * <p>Record data may come from another device, so every folder, file and task-list name in it is
 * checked before anything of that conversation is written ({@link SafePaths}): a conversation
 * that names an unsafe path is skipped whole and reported in {@link ExportReport#skipped()}, and
 * a record that cannot be read (corrupt data) is named in {@link ExportReport#problems()}; the
 * other conversations are exported either way.
 */
public final class HistoryExporter {
  private static final int PAGE = 500;

  private final Tandem tandem;

  public HistoryExporter(Tandem tandem) {
    this.tandem = Objects.requireNonNull(tandem, "tandem");
  }

  /**
   * Exports one conversation, or all imported ones when {@code conversationId} is null.
   *
   * @throws IllegalArgumentException if {@code conversationId} names no conversation
   * @throws IOException if {@code dir} cannot be created or a file cannot be written
   */
  public ExportReport export(Path dir, Source format, String conversationId) throws IOException {
    List<ImportReport.Problem> problems = new ArrayList<>();
    List<ImportReport.Problem> skipped = new ArrayList<>();
    List<Record> conversations = conversationId != null
        ? List.of(one(conversationId)) : all(problems);
    Files.createDirectories(dir);
    // Names are checked against the real folder, so a link the user chose as DIR is fine.
    Path base = dir.toRealPath();
    int tasks = 0;
    int historyFiles = 0;
    Map<String, TreeMap<Integer, JsonNode>> lists = new TreeMap<>();
    Map<String, String> folderOwner = new HashMap<>();
    for (Record c : conversations) {
      ObjectNode data;
      try {
        data = c.data();
      } catch (RuntimeException e) {
        problems.add(new ImportReport.Problem(c.id(), null, "corrupt record conversation/"
            + c.id() + ": " + TaskMapper.firstLine(e.getMessage()) + "; not exported"));
        continue;
      }
      JsonNode meta = data.path(TaskMapper.TANDEM);
      if (meta.has("agent")) {
        continue; // a session of a session-file agent: SessionExporter writes it
      }
      if (!meta.isObject()) {
        skipped.add(new ImportReport.Problem(c.id(), null,
            "not an imported task (no task files recorded); skipped"));
        continue;
      }
      JsonNode item = data.path("metadata").get("historyItem");
      JsonNode folderNode = meta.path("folder");
      String folder = folderNode.isTextual() ? folderNode.asText() : null;
      String historyFile = format == Source.CLINE && item != null
          && meta.path("historyFile").isTextual() ? meta.get("historyFile").asText() : null;
      Path taskDir = null;
      try {
        if (folder != null) {
          taskDir = checkFolder(base, folder, meta.path("files"));
        } else if (!folderNode.isMissingNode() && !folderNode.isNull()) {
          throw new SafePaths.UnsafePathException("folder is not a string");
        }
        if (historyFile != null) {
          checkHistoryFile(base, historyFile);
        }
      } catch (SafePaths.UnsafePathException e) {
        skipped.add(new ImportReport.Problem(c.id(), null, e.getMessage() + "; skipped"));
        continue;
      }
      if (taskDir != null) {
        String owner = folderOwner.putIfAbsent(folder, c.id());
        if (owner != null) {
          skipped.add(new ImportReport.Problem(c.id(), null, "folder "
              + SafePaths.quote(folder) + " already written for conversation " + owner
              + "; skipped"));
          continue;
        }
        List<ObjectNode> records;
        try {
          records = records(c.id());
        } catch (CorruptRecordException e) {
          problems.add(new ImportReport.Problem(c.id(), null, e.getMessage() + "; not exported"));
          continue;
        }
        try {
          TaskMapper.writeTask(taskDir, data, records);
        } catch (TaskImportException e) {
          problems.add(new ImportReport.Problem(c.id(), e.file(), e.reason()));
          continue;
        } catch (RuntimeException e) {
          // bookkeeping in the data that does not have the shape import gave it
          problems.add(new ImportReport.Problem(c.id(), null, "corrupt record conversation/"
              + c.id() + ": " + TaskMapper.firstLine(String.valueOf(e.getMessage()))
              + "; not exported"));
          continue;
        }
        tasks++;
        if ((format == Source.ROO || format == Source.KILO) && item != null && item.isObject()
            && !meta.path("files").has(TaskMapper.HISTORY_ITEM_FILE)) {
          Path f = taskDir.resolve(TaskMapper.HISTORY_ITEM_FILE);
          try {
            SafePaths.checkNoLinks(base, f, TaskMapper.HISTORY_ITEM_FILE, false);
          } catch (SafePaths.UnsafePathException e) {
            skipped.add(new ImportReport.Problem(c.id(), TaskMapper.HISTORY_ITEM_FILE,
                e.getMessage() + "; skipped"));
            continue;
          }
          try (OutputStream out = SafePaths.newOutputStream(f)) {
            JsonLayout.COMPACT.writeValue(out, item);
          }
          historyFiles++;
        }
      }
      if (historyFile != null) {
        lists.computeIfAbsent(historyFile, k -> new TreeMap<>())
            .put(meta.path("historyIndex").asInt(), item);
      }
    }
    for (Map.Entry<String, TreeMap<Integer, JsonNode>> e : lists.entrySet()) {
      String rel = e.getKey();
      Path f;
      try {
        f = checkHistoryFile(base, rel);
      } catch (SafePaths.UnsafePathException ex) {
        // a link made since the check: nothing written through it
        skipped.add(new ImportReport.Problem(null, rel, ex.getMessage() + "; skipped"));
        continue;
      }
      Files.createDirectories(f.getParent());
      // Cline writes state/taskHistory.json compact; the .cline_storage build pretty-printed.
      JsonLayout layout = rel.equals("task_history.json")
          ? new JsonLayout("  ", "\n", false, false) : JsonLayout.COMPACT;
      try (OutputStream out = new BufferedOutputStream(SafePaths.newOutputStream(f))) {
        layout.writeArray(out, new ArrayList<>(e.getValue().values()));
      }
      historyFiles++;
    }
    return new ExportReport(tasks, historyFiles, List.copyOf(problems), List.copyOf(skipped));
  }

  /** Checks the task folder and the names of its files; returns the folder to write. */
  private static Path checkFolder(Path base, String folder, JsonNode files)
      throws SafePaths.UnsafePathException {
    String why = SafePaths.problem(folder, false);
    if (why != null) {
      throw new SafePaths.UnsafePathException("unsafe folder name " + SafePaths.quote(folder)
          + ": " + why);
    }
    Path taskDir = SafePaths.resolve(base, "tasks/" + folder, true, true);
    if (files.isObject()) {
      var names = files.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        String bad = SafePaths.problem(name, false);
        if (bad != null) {
          throw new SafePaths.UnsafePathException("unsafe file name " + SafePaths.quote(name)
              + ": " + bad);
        }
        SafePaths.checkNoLinks(base, taskDir.resolve(name), name, false);
      }
    }
    return taskDir;
  }

  /** Only the task-list files the importer reads may be written, and only inside the folder. */
  private static Path checkHistoryFile(Path base, String rel)
      throws SafePaths.UnsafePathException {
    Path f = SafePaths.resolve(base, rel, true, false);
    if (!HistoryImporter.HISTORY_FILES.contains(rel)) {
      throw new SafePaths.UnsafePathException("unsafe task-list path " + SafePaths.quote(rel)
          + ": not one of " + HistoryImporter.HISTORY_FILES);
    }
    return f;
  }

  private Record one(String id) {
    LocalRecord r;
    try {
      r = tandem.store().get(RecordTypes.CONVERSATION, id);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no conversation " + id + ": " + e.getMessage(), e);
    }
    if (r == null || r.current().deleted()) {
      throw new IllegalArgumentException("no conversation " + id);
    }
    return r.current();
  }

  /**
   * Lists every live conversation. A page the store cannot read is read again one row at a
   * time, so one damaged row costs only itself; it has no id to name, so its position is named.
   */
  private List<Record> all(List<ImportReport.Problem> problems) {
    List<Record> out = new ArrayList<>();
    int offset = 0;
    while (true) {
      List<Record> page;
      try {
        page = tandem.store().history().conversationsByActivity(PAGE, offset);
      } catch (RuntimeException e) {
        page = null;
      }
      if (page != null) {
        out.addAll(page);
        if (page.size() < PAGE) {
          return out;
        }
        offset += page.size();
        continue;
      }
      for (int i = 0; i < PAGE; i++, offset++) {
        try {
          List<Record> row = tandem.store().history().conversationsByActivity(1, offset);
          if (row.isEmpty()) {
            return out;
          }
          out.addAll(row);
        } catch (RuntimeException e) {
          problems.add(new ImportReport.Problem(null, null, "conversation number "
              + (offset + 1) + " (by activity) cannot be read: "
              + TaskMapper.firstLine(e.getMessage()) + "; not exported"));
        }
      }
    }
  }

  /** The records a task folder is written from, each parsed; names the first unreadable one. */
  private List<ObjectNode> records(String conversationId) throws CorruptRecordException {
    List<ObjectNode> records = new ArrayList<>();
    for (String type : List.of(RecordTypes.MESSAGE, RecordTypes.UI_MESSAGE,
        RecordTypes.FILE_CONTEXT)) {
      List<Record> list;
      try {
        list = tandem.store().history().listByConversation(type, conversationId);
      } catch (RuntimeException e) {
        throw new CorruptRecordException("its " + type + " records cannot be read: "
            + TaskMapper.firstLine(e.getMessage()));
      }
      for (Record r : list) {
        try {
          records.add(r.data());
        } catch (RuntimeException e) {
          throw new CorruptRecordException("corrupt record " + type + "/" + r.id() + ": "
              + TaskMapper.firstLine(e.getMessage()));
        }
      }
    }
    return records;
  }

  private static final class CorruptRecordException extends Exception {
    CorruptRecordException(String message) {
      super(message);
    }
  }
}
