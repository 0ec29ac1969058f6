package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Message;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Claude Code: {@code ~/.claude/projects/<encoded cwd>/<sessionId>.jsonl}, with the session's
 * side folder {@code <sessionId>/} ({@code subagents/agent-<id>.jsonl} and {@code .meta.json},
 * {@code tool-results/<tool_use_id>.txt}). Paths are kept relative to {@code ~/.claude}.
 *
 * <p>Lines: {@code user}, {@code assistant} and {@code system} lines with a {@code uuid} are
 * messages ({@code uuid}/{@code parentUuid} kept, so the tree of edits and rewinds can be built);
 * assistant lines of one API response (same {@code message.id}) are one message's parts; every
 * other line is a bookkeeping event. {@code tool_use} blocks become {@code tool_call} records,
 * completed by the {@code tool_result} that names them. A sub-agent's file is a child
 * conversation ({@code <sessionId>:agent-<agentId>}, {@code parentConversationId} set).
 */
final class ClaudeCodeFormat extends SessionFormat {
  ClaudeCodeFormat() {
    super(Source.CLAUDE_CODE, "CLAUDE_CONFIG_DIR", ".claude");
  }

  @Override
  boolean detect(Path dir) {
    if (isDir(dir.resolve("projects"))) {
      return true;
    }
    return hasSessions(dir) || subfolderHasSessions(dir);
  }

  private static boolean hasSessions(Path dir) {
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".jsonl")
          && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && looksLikeClaude(p));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A Claude Code session's first line has a {@code sessionId} (older builds start with a
   * {@code summary} line naming a {@code leafUuid}); Codex rollouts have neither.
   */
  private static boolean looksLikeClaude(Path p) {
    try (java.io.BufferedReader r = Files.newBufferedReader(p,
        java.nio.charset.StandardCharsets.UTF_8)) {
      String first = r.readLine();
      return first == null || first.isEmpty() || first.contains("\"sessionId\"")
          || first.contains("\"leafUuid\"") || first.contains("\"parentUuid\"");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean subfolderHasSessions(Path dir) {
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> isDir(p) && hasSessions(p));
    } catch (IOException e) {
      return false;
    }
  }

  static String stem(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  @Override
  Scan scan(Path dir, long maxFileBytes) throws IOException {
    Path projects;
    List<Path> folders = new java.util.ArrayList<>();
    if (isDir(dir.resolve("projects"))) {
      projects = dir.resolve("projects");
    } else if (hasSessions(dir)) {
      projects = dir.toAbsolutePath().getParent();
      folders.add(dir);
    } else {
      projects = dir;
    }
    Scan scan = new Scan(projects.getParent() != null ? projects.getParent() : projects);
    if (folders.isEmpty()) {
      try (java.util.stream.Stream<Path> s = Files.list(projects)) {
        s.sorted().filter(SessionFormat::isDir).forEach(folders::add);
      }
    }
    for (Path folder : folders) {
      String prefix = "projects/" + folder.getFileName() + "/";
      for (Path f : regularFiles(folder, maxFileBytes, folder.getFileName().toString(),
          scan.refused)) {
        if (!f.getFileName().toString().endsWith(".jsonl")) {
          continue;
        }
        String sid = stem(f);
        Unit main = new Unit(TaskMapper.conversationId(sid), null, f,
            prefix + f.getFileName(), true);
        main.facts.put("sessionId", sid);
        scan.units.add(main);
        Path side = folder.resolve(sid);
        if (isDir(side)) {
          addSide(scan, main, side, prefix + sid + "/", maxFileBytes);
        }
      }
    }
    return scan;
  }

  private void addSide(Scan scan, Unit main, Path side, String rel, long maxFileBytes)
      throws IOException {
    for (Path f : regularFiles(side, maxFileBytes, main.conversationId, scan.refused)) {
      main.side.put(rel + f.getFileName(), f);
    }
    try (java.util.stream.Stream<Path> s = Files.list(side)) {
      for (Path sub : (Iterable<Path>) s.sorted()::iterator) {
        if (!isDir(sub)) {
          continue;
        }
        String subRel = rel + sub.getFileName() + "/";
        if (sub.getFileName().toString().equals("subagents")) {
          addSubagents(scan, main, sub, subRel, maxFileBytes);
        } else {
          addSide(scan, main, sub, subRel, maxFileBytes);
        }
      }
    }
  }

  private void addSubagents(Scan scan, Unit main, Path dir, String rel, long maxFileBytes)
      throws IOException {
    List<Path> files = regularFiles(dir, maxFileBytes, main.conversationId, scan.refused);
    java.util.Set<String> metaOwned = new java.util.HashSet<>();
    for (Path f : files) {
      String n = f.getFileName().toString();
      if (!n.endsWith(".jsonl")) {
        continue;
      }
      String agent = stem(f);
      Unit child = new Unit(TaskMapper.conversationId(main.conversationId + ":" + agent),
          main.conversationId, f, rel + n, true);
      child.facts.put("sessionId", main.facts.path("sessionId").asText());
      child.facts.put("agentId", agent.startsWith("agent-") ? agent.substring(6) : agent);
      Path meta = dir.resolve(agent + ".meta.json");
      if (files.contains(meta)) {
        child.side.put(rel + meta.getFileName(), meta);
        metaOwned.add(meta.getFileName().toString());
        try {
          JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(meta));
          if (m != null && m.isObject()) {
            child.facts.set("agentType", m.get("agentType"));
            child.facts.set("description", m.get("description"));
          }
        } catch (IOException | RuntimeException e) {
          // kept byte for byte all the same; only the title is lost
        }
      }
      scan.units.add(child);
    }
    for (Path f : files) {
      String n = f.getFileName().toString();
      if (!n.endsWith(".jsonl") && !metaOwned.contains(n)) {
        main.side.put(rel + n, f);
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
      long ts = isoMillis(o.get("timestamp"));
      boolean turn = (type.equals("user") || type.equals("assistant") || type.equals("system"))
          && o.hasNonNull("uuid");
      if (!turn) {
        bookkeeping(n, raw, o, type, ts, e, st);
        return;
      }
      touch(st, ts);
      if (o.path("cwd").isTextual() && !st.has("cwd")) {
        st.put("cwd", o.get("cwd").asText());
      }
      JsonNode msg = o.path("message");
      String apiId = msg.path("id").asText(null);
      ObjectNode d;
      if (type.equals("assistant") && apiId != null && apiId.equals(st.path("lastApiId")
          .asText(null)) && (d = e.get(RecordTypes.MESSAGE, st.path("lastMsg").asText())) != null) {
        // one API response written one content block per line: the same message's parts
        e.addLine(d, n, raw);
        d.withArray("uuids").add(o.get("uuid").asText());
      } else {
        String id = e.cid + ":m:" + n;
        d = e.lineRecord(RecordTypes.MESSAGE, id, n, raw);
        d.put("role", msg.path("role").isTextual() ? msg.get("role").asText() : type);
        d.put("lineType", type);
        d.put("content", "");
        d.put("uuid", o.get("uuid").asText());
        d.set("parentUuid", o.get("parentUuid"));
        d.putArray("uuids").add(o.get("uuid").asText());
        if (ts > 0) {
          d.put("ts", ts);
        }
        if (apiId != null) {
          d.put("apiMessageId", apiId);
        }
        if (msg.path("model").isTextual()) {
          d.put("model", msg.get("model").asText());
          st.put("model", msg.get("model").asText());
        }
        for (String f : new String[] {"isSidechain", "isMeta", "agentId", "subtype"}) {
          if (o.has(f)) {
            d.set(f, o.get(f));
          }
        }
        if (type.equals("assistant") && apiId != null) {
          st.put("lastApiId", apiId);
          st.put("lastMsg", id);
        }
      }
      String text = type.equals("system") ? o.path("content").asText("")
          : Message.textOf(msg.get("content"));
      if (!text.isEmpty()) {
        String prev = d.path("content").asText("");
        d.put("content", LineStore.cap(prev.isEmpty() ? text : prev + "\n" + text));
        if (type.equals("user") && !o.path("isMeta").asBoolean(false) && !st.has("firstUser")
            && !text.startsWith("<")) {
          st.put("firstUser", title(text));
        }
      }
      JsonNode content = msg.get("content");
      if (content != null && content.isArray()) {
        for (JsonNode b : content) {
          String bt = b.path("type").asText("");
          if (bt.equals("tool_use") && b.hasNonNull("id")) {
            toolUse(e, d, b, ts);
          } else if (bt.equals("tool_result") && b.hasNonNull("tool_use_id")) {
            toolResult(e, d, b, o, ts);
          }
        }
      }
    }

    private static ObjectNode tool(Emit e, String useId) {
      String id = e.cid + ":tool:" + key(useId);
      ObjectNode t = e.get(RecordTypes.TOOL_CALL, id);
      if (t == null) {
        t = Json.object();
        t.put("conversationId", e.cid);
        t.putObject(TaskMapper.TANDEM).put("derived", true);
        t.put("toolUseId", useId);
        t.putNull("name");
        t.putNull("arguments");
        t.putNull("result");
        t.put("status", "pending");
        e.put(RecordTypes.TOOL_CALL, id, t);
      }
      return t;
    }

    private static void toolUse(Emit e, ObjectNode msg, JsonNode b, long ts) {
      ObjectNode t = tool(e, b.get("id").asText());
      t.put("messageId", e.cid + ":m:" + msg.path(TaskMapper.TANDEM).path("ordinal").asInt());
      t.set("name", b.get("name"));
      t.set("arguments", b.get("input"));
      if (ts > 0) {
        t.put("startedAt", ts);
        t.put("ts", ts);
      }
      ((ObjectNode) t.get(TaskMapper.TANDEM)).put("ordinal",
          msg.path(TaskMapper.TANDEM).path("ordinal").asInt());
    }

    private static void toolResult(Emit e, ObjectNode msg, JsonNode b, JsonNode line, long ts) {
      ObjectNode t = tool(e, b.get("tool_use_id").asText());
      t.set("result", b.get("content"));
      t.put("status", b.path("is_error").asBoolean(false) ? "error" : "ok");
      t.put("resultMessageId", e.cid + ":m:" + msg.path(TaskMapper.TANDEM).path("ordinal")
          .asInt());
      if (ts > 0) {
        t.put("finishedAt", ts);
      }
      JsonNode agent = line.path("toolUseResult").path("agentId");
      if (agent.isTextual()) {
        t.put("childConversationId",
            TaskMapper.conversationId(e.cid + ":agent-" + agent.asText()));
      }
    }

    private static void bookkeeping(int n, LineStore.Raw raw, JsonNode o, String type, long ts,
        Emit e, ObjectNode st) {
      String text = null;
      switch (type) {
        case "custom-title":
          text = o.path("customTitle").asText(null);
          if (text != null) {
            st.put("customTitle", text);
          }
          break;
        case "summary":
          text = o.path("summary").asText(null);
          if (text != null && !st.has("summary")) {
            st.put("summary", text);
          }
          break;
        case "agent-name":
          text = o.path("agentName").asText(null);
          break;
        case "last-prompt":
          text = o.path("lastPrompt").asText(null);
          break;
        default:
          break;
      }
      e.event(n, raw, type.isEmpty() ? "unknown" : type, text, ts);
      touch(st, ts);
    }
  }

  @Override
  void conversation(Unit unit, ObjectNode st, JsonNode index, ObjectNode c) {
    ObjectNode m = describe(c, st, unit, st.path("customTitle").asText(null),
        unit.facts.path("description").asText(null), st.path("firstUser").asText(null),
        st.path("summary").asText(null));
    if (st.has("model")) {
      m.set("model", st.get("model"));
    }
  }
}
