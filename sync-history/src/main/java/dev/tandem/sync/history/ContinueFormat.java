package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Message;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Continue: {@code ~/.continue/sessions/<sessionId>.json} ({@code {sessionId, title,
 * workspaceDirectory, history[]}}) and the list {@code sessions/sessions.json}. Continue rewrites
 * a session file whole, so the file is kept byte for byte ({@code file_context} chunks) and each
 * {@code history[]} item becomes a derived {@code message} (role, text, the item's id), for
 * {@code show} and {@code search}. Each list entry is kept in its session's conversation and
 * written back in list order with the list's layout.
 */
final class ContinueFormat extends SessionFormat {
  static final String INDEX = "sessions/sessions.json";

  ContinueFormat() {
    super(Source.CONTINUE, "CONTINUE_GLOBAL_DIR", ".continue");
  }

  @Override
  boolean detect(Path dir) {
    return home(dir) != null;
  }

  private static Path home(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (isDir(abs.resolve("sessions"))) {
      return abs;
    }
    if (abs.getFileName() != null && abs.getFileName().toString().equals("sessions")
        && Files.isRegularFile(abs.resolve("sessions.json"))) {
      return abs.getParent();
    }
    return null;
  }

  @Override
  Scan scan(Path dir, long maxFileBytes) throws IOException {
    Path home = home(dir);
    if (home == null) {
      throw new IOException(dir + " is not a Continue folder (no sessions/)");
    }
    Scan scan = scanOf(home, INDEX);
    Path sessions = home.resolve("sessions");
    for (Path f : regularFiles(sessions, maxFileBytes, null, scan.refused)) {
      String n = f.getFileName().toString();
      if (!n.endsWith(".json") || n.equals("sessions.json")) {
        continue;
      }
      String id = TaskMapper.conversationId(n.substring(0, n.length() - 5));
      Unit u = new Unit(id, null, f, "sessions/" + n, false);
      scan.units.add(u);
    }
    return scan;
  }

  @Override
  void mapWhole(Unit unit, byte[] bytes, Emit e, ObjectNode st, List<String> warnings) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(bytes);
    } catch (IOException ex) {
      warnings.add("not valid JSON (" + TaskMapper.firstLine(ex.getMessage())
          + "); kept as an opaque file");
      return;
    }
    if (root == null || !root.isObject()) {
      warnings.add("not a session object; kept as an opaque file");
      return;
    }
    if (root.path("title").isTextual()) {
      st.put("title", root.get("title").asText());
    }
    if (root.path("workspaceDirectory").isTextual()) {
      st.put("cwd", root.get("workspaceDirectory").asText());
    }
    int i = 0;
    for (JsonNode item : root.path("history")) {
      JsonNode m = item.path("message");
      ObjectNode d = Json.object();
      d.put("conversationId", e.cid);
      ObjectNode meta = d.putObject(TaskMapper.TANDEM);
      meta.put("derived", true);
      meta.put("ordinal", i);
      d.put("role", m.path("role").asText("?"));
      d.put("content", LineStore.cap(Message.textOf(m.get("content"))));
      if (m.path("id").isTextual()) {
        d.put("itemId", m.get("id").asText());
      }
      if (item.path("reasoning").isObject()) {
        d.put("reasoning", LineStore.cap(item.path("reasoning").path("text").asText("")));
      }
      d.put("contextItems", item.path("contextItems").size());
      e.put(RecordTypes.MESSAGE, e.cid + ":m:" + i, d);
      i++;
    }
  }

  @Override
  void conversation(Unit unit, ObjectNode st, JsonNode index, ObjectNode c) {
    String t = st.path("title").asText(null);
    JsonNode entry = index == null ? null : index.path("entry");
    if (t == null && entry != null) {
      t = entry.path("title").asText(null);
    }
    if (title(t) != null) {
      c.put("title", title(t));
    }
    String ws = st.path("cwd").asText(null);
    if (ws == null && entry != null) {
      ws = entry.path("workspaceDirectory").asText(null);
    }
    if (ws != null) {
      c.put("workspacePath", ws);
    }
    c.putObject("metadata");
  }

  @Override
  Map<String, ObjectNode> readIndex(String rel, byte[] bytes, List<String> warnings) {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    JsonNode list;
    try {
      list = Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      warnings.add("not valid JSON (" + TaskMapper.firstLine(e.getMessage()) + "); not kept");
      return out;
    }
    if (list == null || !list.isArray()) {
      warnings.add("not a JSON array; not kept");
      return out;
    }
    JsonLayout layout;
    try {
      layout = JsonLayout.detect(bytes);
    } catch (RuntimeException e) {
      layout = JsonLayout.COMPACT;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      String id = item.path("sessionId").asText(null);
      if (id == null || !dev.tandem.sync.Ids.isValidId(TaskMapper.conversationId(id))
          || out.containsKey(TaskMapper.conversationId(id))) {
        warnings.add("entry " + i + " names no session, or one already listed; not kept");
        continue;
      }
      ObjectNode e = Json.object();
      e.put("file", rel);
      e.put("position", i);
      e.set("entry", item);
      e.set("layout", layout.toJson());
      long created = 0;
      try {
        created = Long.parseLong(item.path("dateCreated").asText("0"));
      } catch (NumberFormatException ignored) {
        // a date Continue did not write: no time
      }
      e.put("createdAt", created);
      e.put("updatedAt", created);
      out.put(TaskMapper.conversationId(id), e);
    }
    return out;
  }

  @Override
  byte[] writeIndex(String rel, List<JsonNode> entries) throws TaskImportException {
    TreeMap<Integer, JsonNode> items = new TreeMap<>();
    JsonNode layout = null;
    for (JsonNode e : entries) {
      items.put(e.path("position").asInt(), e.get("entry"));
      layout = e.get("layout");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      JsonLayout.fromJson(layout).writeArray(out, new ArrayList<>(items.values()));
    } catch (IOException e) {
      throw new TaskImportException(rel, "cannot write: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }
}
