package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Message;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Codex CLI: rollouts {@code ~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl} (and {@code
 * archived_sessions/}), titles in {@code ~/.codex/session_index.jsonl}. Paths are kept relative
 * to {@code ~/.codex}; the conversation id is the rollout's uuid.
 *
 * <p>Lines {@code {timestamp, type, payload}}: {@code response_item} messages and reasoning are
 * messages (those before the first {@code task_started}, the developer's, and the injected
 * AGENTS.md / environment blocks marked {@code injected}); a {@code function_call} or {@code
 * custom_tool_call} and its {@code *_output} (paired by {@code call_id}) are one {@code
 * tool_call} record holding both lines; every other line is an event. Each message carries the
 * turn it belongs to ({@code task_started} … {@code task_complete} / {@code turn_aborted}).
 */
final class CodexFormat extends SessionFormat {
  static final String INDEX = "session_index.jsonl";
  private static final Pattern ROLLOUT = Pattern.compile(
      "rollout-.*?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
          + "\\.jsonl");

  CodexFormat() {
    super(Source.CODEX, "CODEX_HOME", ".codex");
  }

  @Override
  boolean detect(Path dir) {
    return home(dir) != null;
  }

  /** The Codex home for {@code dir}: itself, or the folder above its {@code sessions/}. */
  private static Path home(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (isHome(abs)) {
      return abs;
    }
    for (Path p = abs; p != null && p.getParent() != null; p = p.getParent()) {
      String n = p.getFileName().toString();
      if ((n.equals("sessions") || n.equals("archived_sessions")) && isHome(p.getParent())) {
        return p.getParent();
      }
    }
    return null;
  }

  /** Codex's home has its index, archived rollouts, or sessions/ in year folders. */
  private static boolean isHome(Path p) {
    if (Files.isRegularFile(p.resolve(INDEX)) || isDir(p.resolve("archived_sessions"))) {
      return true;
    }
    Path sessions = p.resolve("sessions");
    if (!isDir(sessions)) {
      return false;
    }
    try (java.util.stream.Stream<Path> s = Files.list(sessions)) {
      return s.anyMatch(y -> isDir(y) && y.getFileName().toString().matches("\\d{4}"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  Scan scan(Path dir, long maxFileBytes) throws IOException {
    Path home = home(dir);
    if (home == null) {
      throw new IOException(dir + " is not a Codex home (no sessions/, archived_sessions/ or "
          + INDEX + ")");
    }
    // the index is read from a subfolder too: the conversations keep their index lines either way
    Scan scan = scanOf(home, INDEX);
    Path start = dir.toAbsolutePath().normalize();
    List<Path> roots = new ArrayList<>();
    if (start.equals(home)) {
      roots.add(home.resolve("sessions"));
      roots.add(home.resolve("archived_sessions"));
    } else {
      roots.add(start);
    }
    for (Path r : roots) {
      if (isDir(r)) {
        walk(scan, home, r, maxFileBytes, 0);
      }
    }
    return scan;
  }

  private void walk(Scan scan, Path home, Path dir, long max, int depth) throws IOException {
    if (depth > 6) {
      return; // YYYY/MM/DD is three deep; nothing Codex writes is deeper
    }
    for (Path f : regularFiles(dir, max, null, scan.refused)) {
      Matcher m = ROLLOUT.matcher(f.getFileName().toString());
      if (m.matches()) {
        String rel = home.relativize(f).toString().replace('\\', '/');
        Unit u = new Unit(m.group(1).toLowerCase(java.util.Locale.ROOT), null, f, rel, true);
        u.facts.put("rollout", f.getFileName().toString());
        scan.units.add(u);
      }
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      for (Path sub : (Iterable<Path>) s.sorted()::iterator) {
        if (isDir(sub)) {
          walk(scan, home, sub, max, depth + 1);
        }
      }
    }
  }

  @Override
  LineMapper lineMapper(Unit unit) {
    return new Lines();
  }

  private static final class Lines extends LineMapper {
    @Override
    void object(int n, LineStore.Raw raw, JsonNode o, String type, Emit e, ObjectNode st) {
      JsonNode p = o.path("payload");
      String pt = p.path("type").asText("");
      long ts = isoMillis(o.get("timestamp"));
      touch(st, ts);
      if (type.equals("session_meta")) {
        if (p.path("cwd").isTextual()) {
          st.put("cwd", p.get("cwd").asText());
        }
        for (String f : new String[] {"cli_version", "originator", "model_provider"}) {
          if (p.path(f).isTextual()) {
            st.put(f, p.get(f).asText());
          }
        }
        e.event(n, raw, type, null, ts);
        return;
      }
      if (type.equals("turn_context")) {
        if (p.path("model").isTextual()) {
          st.put("model", p.get("model").asText());
        }
        e.event(n, raw, type, null, ts);
        return;
      }
      if (type.equals("event_msg")) {
        if (pt.equals("task_started")) {
          st.put("turns", st.path("turns").asInt() + 1);
          st.set("turn", p.get("turn_id"));
        } else if (pt.equals("task_complete") || pt.equals("turn_aborted")) {
          st.remove("turn");
        }
        String text = pt.equals("user_message") || pt.equals("agent_message")
            ? p.path("message").asText(null) : null;
        e.event(n, raw, pt.isEmpty() ? type : pt, text, ts);
        return;
      }
      if (!type.equals("response_item")) {
        e.event(n, raw, type.isEmpty() ? "unknown" : type, null, ts);
        return;
      }
      if (pt.equals("message") || pt.equals("reasoning")) {
        ObjectNode d = e.lineRecord(RecordTypes.MESSAGE, e.cid + ":m:" + n, n, raw);
        String role = pt.equals("reasoning") ? "assistant" : p.path("role").asText("?");
        d.put("role", role);
        d.put("kind", pt);
        String text;
        if (pt.equals("reasoning")) {
          StringBuilder sb = new StringBuilder();
          for (JsonNode s : p.path("summary")) {
            if (s.path("text").isTextual()) {
              sb.append(sb.length() == 0 ? "" : "\n").append(s.get("text").asText());
            }
          }
          text = sb.toString();
        } else {
          text = Message.textOf(p.get("content"));
        }
        d.put("content", LineStore.cap(text));
        if (ts > 0) {
          d.put("ts", ts);
        }
        if (p.path("phase").isTextual()) {
          d.put("phase", p.get("phase").asText());
        }
        if (st.has("turn")) {
          d.set("turnId", st.get("turn"));
        }
        boolean injected = role.equals("developer") || role.equals("system")
            || (role.equals("user") && (st.path("turns").asInt() == 0 || injectedText(text)));
        d.put("injected", injected);
        if (role.equals("user") && !injected && !st.has("firstUser")) {
          st.put("firstUser", title(text));
        }
        return;
      }
      boolean output = pt.endsWith("_output");
      if (p.hasNonNull("call_id") && (pt.endsWith("_call") || output)) {
        String callId = p.get("call_id").asText();
        String id = e.cid + ":tool:" + key(callId);
        ObjectNode t = e.get(RecordTypes.TOOL_CALL, id);
        if (t == null) {
          t = e.lineRecord(RecordTypes.TOOL_CALL, id, n, raw);
          t.put("toolUseId", callId);
          t.putNull("name");
          t.putNull("arguments");
          t.putNull("result");
          t.put("status", "pending");
        } else {
          e.addLine(t, n, raw);
        }
        if (output) {
          JsonNode out = p.get("output");
          t.set("result", out != null && out.isTextual()
              ? Json.MAPPER.getNodeFactory().textNode(LineStore.cap(out.asText())) : out);
          t.put("status", "ok");
          if (ts > 0) {
            t.put("finishedAt", ts);
          }
        } else {
          t.put("kind", pt);
          t.set("name", p.get("name"));
          JsonNode args = p.has("arguments") ? p.get("arguments") : p.get("input");
          t.set("arguments", args);
          if (args != null && args.isTextual()) {
            t.set("arguments", Json.MAPPER.getNodeFactory().textNode(LineStore.cap(args.asText())));
          }
          if (ts > 0) {
            t.put("startedAt", ts);
            t.put("ts", ts);
          }
          if (st.has("turn")) {
            t.set("turnId", st.get("turn"));
          }
        }
        return;
      }
      e.event(n, raw, pt.isEmpty() ? type : pt, null, ts);
    }
  }

  /** Instructions Codex puts into the first user messages, not typed by the user. */
  static boolean injectedText(String t) {
    String s = Text.strip(t);
    return s.startsWith("<environment_context>") || s.startsWith("<user_instructions>")
        || s.startsWith("# AGENTS.md") || s.startsWith("<INSTRUCTIONS>")
        || s.startsWith("<permissions") || s.startsWith("<collaboration_mode>");
  }

  @Override
  void conversation(Unit unit, ObjectNode st, JsonNode index, ObjectNode c) {
    ObjectNode m = describe(c, st, unit,
        index == null ? null : index.path("title").asText(null),
        st.path("firstUser").asText(null));
    for (String f : new String[] {"model", "cli_version", "originator", "model_provider"}) {
      if (st.has(f)) {
        m.set(f, st.get(f));
      }
    }
  }

  @Override
  Map<String, ObjectNode> readIndex(String rel, byte[] bytes, List<String> warnings) {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    int complete = SessionImporter.lastLineEnd(bytes);
    int from = 0;
    int n = 0;
    List<Object[]> orphans = new ArrayList<>();
    for (int i = 0; i < complete; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      LineStore.Raw raw = LineStore.encode(bytes, from, i);
      String id = null;
      JsonNode o = null;
      try {
        o = raw.base64 ? null : Json.MAPPER.readTree(bytes, from, i - from);
      } catch (IOException e) {
        o = null;
      }
      if (o != null && o.path("id").isTextual()) {
        id = o.get("id").asText().toLowerCase(java.util.Locale.ROOT);
      }
      if (id == null || !dev.tandem.sync.Ids.isValidId(id)) {
        orphans.add(new Object[] {n, raw});
      } else {
        ObjectNode entry = out.computeIfAbsent(id, k -> entry(rel));
        addIndexLine(entry, n, raw);
        if (o.path("thread_name").isTextual()) {
          entry.put("title", o.get("thread_name").asText());
        }
        long t = isoMillis(o.get("updated_at"));
        if (t > entry.path("updatedAt").asLong(0)) {
          entry.put("updatedAt", t);
        }
      }
      n++;
      from = i + 1;
    }
    if (complete < bytes.length || !orphans.isEmpty()) {
      // lines naming no session, and an unfinished last line, stay with the first entry
      if (out.isEmpty()) {
        warnings.add("no session named in it; not kept");
        return out;
      }
      ObjectNode first = out.values().iterator().next();
      for (Object[] o : orphans) {
        addIndexLine(first, (Integer) o[0], (LineStore.Raw) o[1]);
      }
      if (complete < bytes.length) {
        LineStore.Raw tail = LineStore.encode(bytes, complete, bytes.length);
        first.put("tail", tail.text);
        first.put("tailB64", tail.base64);
      }
    }
    return out;
  }

  private static ObjectNode entry(String rel) {
    ObjectNode e = Json.object();
    e.put("file", rel);
    e.putArray("lines");
    return e;
  }

  private static void addIndexLine(ObjectNode entry, int n, LineStore.Raw raw) {
    ObjectNode l = ((ArrayNode) entry.get("lines")).addObject();
    l.put("n", n);
    if (raw.base64) {
      l.put("b64", raw.text);
    } else {
      l.put("raw", raw.text);
    }
  }

  @Override
  byte[] writeIndex(String rel, List<JsonNode> entries) throws TaskImportException {
    TreeMap<Integer, byte[]> lines = new TreeMap<>();
    byte[] tail = null;
    for (JsonNode e : entries) {
      for (JsonNode l : e.path("lines")) {
        byte[] b = l.has("b64") ? java.util.Base64.getDecoder().decode(l.get("b64").asText())
            : l.path("raw").asText("").getBytes(StandardCharsets.UTF_8);
        lines.put(l.path("n").asInt(), b);
      }
      if (e.path("tail").isTextual()) {
        tail = e.path("tailB64").asBoolean(false)
            ? java.util.Base64.getDecoder().decode(e.get("tail").asText())
            : e.get("tail").asText().getBytes(StandardCharsets.UTF_8);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] b : lines.values()) {
      out.write(b, 0, b.length);
      out.write('\n');
    }
    if (tail != null) {
      out.write(tail, 0, tail.length);
    }
    return out.toByteArray();
  }
}
