package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writes imported sessions back into {@code DIR} laid out like the agent's home ({@code
 * DIR/projects/…} for Claude Code, {@code DIR/sessions/…} and {@code DIR/session_index.jsonl}
 * for Codex, {@code DIR/sessions/…} for Continue), every file byte-identical to the one imported.
 *
 * <p>Paths come from record data, which may come from another device: each is checked before
 * anything of its conversation is written (no absolute paths, {@code ..}, backslashes, colons,
 * links below {@code DIR}; see {@link SafePaths}); a conversation naming an unsafe path is
 * skipped and reported, the rest exported.
 */
public final class SessionExporter {
  private final Tandem tandem;

  public SessionExporter(Tandem tandem) {
    this.tandem = Objects.requireNonNull(tandem, "tandem");
  }

  /**
   * Exports the conversations of {@code source} (one, with its sub-agents, when {@code
   * conversationId} is given).
   *
   * @throws IllegalArgumentException if {@code source} does not keep session files, or {@code
   *     conversationId} names no conversation of it
   * @throws IOException if {@code dir} cannot be created or a file cannot be written
   */
  public ExportReport export(Path dir, Source source, String conversationId) throws IOException {
    SessionFormat f = SessionImporter.format(source);
    List<ImportReport.Problem> problems = new ArrayList<>();
    List<ImportReport.Problem> skipped = new ArrayList<>();
    List<Record> conversations = new ArrayList<>();
    for (Record c : all()) {
      ObjectNode d;
      try {
        d = c.data();
      } catch (RuntimeException e) {
        problems.add(new ImportReport.Problem(c.id(), null, "corrupt record conversation/"
            + c.id() + ": " + TaskMapper.firstLine(e.getMessage()) + "; not exported"));
        continue;
      }
      if (!source.id().equals(d.path(TaskMapper.TANDEM).path("agent").asText(null))) {
        continue;
      }
      if (conversationId == null || c.id().equals(conversationId)
          || conversationId.equals(d.path("parentConversationId").asText(null))) {
        conversations.add(c);
      }
    }
    if (conversationId != null && conversations.stream()
        .noneMatch(c -> c.id().equals(conversationId))) {
      throw new IllegalArgumentException("no " + source + " conversation " + conversationId);
    }
    Files.createDirectories(dir);
    Path base = dir.toRealPath();
    int written = 0;
    Map<String, List<JsonNode>> indexes = new TreeMap<>();
    for (Record c : conversations) {
      ObjectNode data = c.data();
      JsonNode meta = data.path(TaskMapper.TANDEM);
      JsonNode files = meta.path("files");
      // every path checked before the first byte of this conversation is written
      Map<String, Path> targets = new TreeMap<>();
      try {
        for (Map.Entry<String, JsonNode> e : fields(files)) {
          targets.put(e.getKey(), SafePaths.resolve(base, e.getKey(), true, false));
        }
        JsonNode idx = meta.path("index");
        if (idx.isObject()) {
          String rel = idx.path("file").asText("");
          if (!rel.equals(CodexFormat.INDEX) && !rel.equals(ContinueFormat.INDEX)) {
            throw new SafePaths.UnsafePathException("unsafe index path " + SafePaths.quote(rel)
                + ": not one import reads");
          }
          SafePaths.resolve(base, rel, true, false);
        }
      } catch (SafePaths.UnsafePathException e) {
        skipped.add(new ImportReport.Problem(c.id(), null, e.getMessage() + "; skipped"));
        continue;
      }
      List<ObjectNode> records;
      try {
        records = records(c.id());
      } catch (IllegalStateException e) {
        problems.add(new ImportReport.Problem(c.id(), null, e.getMessage() + "; not exported"));
        continue;
      }
      Map<Path, byte[]> out = new TreeMap<>();
      try {
        for (Map.Entry<String, JsonNode> e : fields(files)) {
          String rel = e.getKey();
          JsonNode info = e.getValue();
          out.put(targets.get(rel), "jsonl".equals(info.path("kind").asText())
              ? LineStore.assemble(rel, info, records) : rawFile(rel, info, records));
        }
      } catch (TaskImportException e) {
        problems.add(new ImportReport.Problem(c.id(), e.file(), e.reason()));
        continue;
      }
      for (Map.Entry<Path, byte[]> e : out.entrySet()) {
        Files.createDirectories(e.getKey().getParent());
        try (OutputStream o = SafePaths.newOutputStream(e.getKey())) {
          o.write(e.getValue());
        }
      }
      if (!out.isEmpty()) {
        written++;
      }
      if (meta.path("index").isObject()) {
        indexes.computeIfAbsent(meta.get("index").path("file").asText(), k -> new ArrayList<>())
            .add(meta.get("index"));
      }
    }
    int indexFiles = 0;
    for (Map.Entry<String, List<JsonNode>> e : indexes.entrySet()) {
      try {
        Path target = SafePaths.resolve(base, e.getKey(), true, false);
        byte[] bytes = f.writeIndex(e.getKey(), e.getValue());
        Files.createDirectories(target.getParent());
        try (OutputStream o = SafePaths.newOutputStream(target)) {
          o.write(bytes);
        }
        indexFiles++;
      } catch (SafePaths.UnsafePathException ex) {
        skipped.add(new ImportReport.Problem(null, e.getKey(), ex.getMessage() + "; skipped"));
      } catch (TaskImportException ex) {
        problems.add(new ImportReport.Problem(null, ex.file(), ex.reason()));
      }
    }
    return new ExportReport(written, indexFiles, List.copyOf(problems), List.copyOf(skipped));
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode o) {
    List<Map.Entry<String, JsonNode>> l = new ArrayList<>();
    if (o.isObject()) {
      o.fields().forEachRemaining(l::add);
    }
    return l;
  }

  private static byte[] rawFile(String rel, JsonNode info, List<ObjectNode> records)
      throws TaskImportException {
    TreeMap<Integer, String> chunks = new TreeMap<>();
    for (ObjectNode d : records) {
      JsonNode m = d.path(TaskMapper.TANDEM);
      if (rel.equals(m.path("file").asText(null)) && m.has("chunk") && !m.has("line")
          && !m.path("tail").asBoolean(false)) {
        chunks.put(m.get("chunk").asInt(), d.path("text").asText(""));
      }
    }
    int expected = info.path("chunks").asInt();
    if (chunks.size() != expected) {
      throw new TaskImportException(rel, "incomplete in the store: expected " + expected
          + " chunks, found " + chunks.size());
    }
    StringBuilder sb = new StringBuilder();
    for (String s : chunks.values()) {
      sb.append(s);
    }
    if (!"base64".equals(info.path("encoding").asText())) {
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(sb.toString());
    } catch (IllegalArgumentException e) {
      throw new TaskImportException(rel, "corrupt in the store: bad base64: " + e.getMessage());
    }
  }

  private List<Record> all() {
    List<Record> out = new ArrayList<>();
    for (int offset = 0; ; ) {
      List<Record> page = tandem.store().history().conversationsByActivity(500, offset);
      out.addAll(page);
      if (page.size() < 500) {
        return out;
      }
      offset += page.size();
    }
  }

  private List<ObjectNode> records(String cid) {
    List<ObjectNode> out = new ArrayList<>();
    for (String type : List.of(RecordTypes.MESSAGE, RecordTypes.UI_MESSAGE,
        RecordTypes.TOOL_CALL, RecordTypes.FILE_CONTEXT)) {
      for (Record r : tandem.store().history().listByConversation(type, cid)) {
        try {
          out.add(r.data());
        } catch (RuntimeException e) {
          throw new IllegalStateException("corrupt record " + type + "/" + r.id() + ": "
              + TaskMapper.firstLine(e.getMessage()));
        }
      }
    }
    return out;
  }
}
