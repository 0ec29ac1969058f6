package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One agent that keeps its history in session files (Claude Code, Codex CLI, Continue): where
 * its data lives by default, how to recognise it, how a folder of it splits into sessions (one
 * conversation each), how a session's lines or file become records, and how its index file (the
 * titles) is read and written back. Import and export around it are shared ({@link
 * SessionImporter}, {@link SessionExporter}), so each agent only says what is its own.
 */
abstract class SessionFormat {
  /** Mapping version: part of the saved import state, so a new mapping re-imports in full. */
  static final int MAPPING_VERSION = 1;

  private final Source source;
  private final java.util.function.BiFunction<Path, Map<String, String>, Path> root;

  /**
   * @param homeVariable the environment variable that moves the agent's home
   * @param homeName the home's name in the user's home folder otherwise ({@code .claude}, …)
   */
  SessionFormat(Source source, String homeVariable, String homeName) {
    this.source = source;
    this.root = (home, env) -> dirFromEnv(env, homeVariable, home.resolve(homeName));
  }

  final Source source() {
    return source;
  }

  /** The agent's home folder ({@code ~/.claude}, …) for this user, existing or not. */
  final Path defaultRoot(Path home, Map<String, String> env) {
    return root.apply(home, env);
  }

  /** Returns true if {@code dir} is this agent's home or a folder inside it that scan accepts. */
  abstract boolean detect(Path dir);

  /** Splits {@code dir} into sessions. */
  abstract Scan scan(Path dir, long maxFileBytes) throws IOException;

  /** A fresh line mapper for a JSONL session, or null for a whole-file format. */
  LineMapper lineMapper(Unit unit) {
    return null;
  }

  /** Whole-file formats: derived records and conversation facts from the main file's bytes. */
  void mapWhole(Unit unit, byte[] bytes, Emit emit, ObjectNode st, List<String> warnings) {
    throw new UnsupportedOperationException();
  }

  /** The conversation's own fields (title, workspace, times …) from the mapper's state. */
  abstract void conversation(Unit unit, ObjectNode st, JsonNode index, ObjectNode c);

  /**
   * Reads the index file (relative path {@code rel} under the home) into one entry per
   * conversation id, each kept under {@code _tandem.index} of that conversation.
   */
  Map<String, ObjectNode> readIndex(String rel, byte[] bytes, List<String> warnings) {
    return new LinkedHashMap<>();
  }

  /** Writes the index file back from the entries of every exported conversation. */
  byte[] writeIndex(String rel, List<JsonNode> entries) throws TaskImportException {
    throw new TaskImportException(rel, "this agent has no index file");
  }

  /** What a scan found. */
  static final class Scan {
    final Path home;
    final List<Unit> units = new ArrayList<>();
    final List<ImportReport.Problem> refused = new ArrayList<>();
    final List<ImportReport.Problem> problems = new ArrayList<>();
    /** The index file, relative to the home, and where it is, or null. */
    String indexRel;
    Path index;

    Scan(Path home) {
      this.home = home;
    }
  }

  /** An empty scan of {@code home}, with its index file {@code indexRel} if that exists. */
  static Scan scanOf(Path home, String indexRel) {
    Scan scan = new Scan(home);
    if (Files.exists(home.resolve(indexRel), LinkOption.NOFOLLOW_LINKS)) {
      scan.index = home.resolve(indexRel);
      scan.indexRel = indexRel;
    }
    return scan;
  }

  /** One session: the conversation, its main file and its side files. */
  static final class Unit {
    final String conversationId;
    final String parentId;
    final Path main;
    final String mainRel;
    final boolean jsonl;
    /** Side files kept byte for byte, by path relative to the home. */
    final TreeMap<String, Path> side = new TreeMap<>();
    final ObjectNode facts = Json.object();

    Unit(String conversationId, String parentId, Path main, String mainRel, boolean jsonl) {
      this.conversationId = conversationId;
      this.parentId = parentId;
      this.main = main;
      this.mainRel = mainRel;
      this.jsonl = jsonl;
    }
  }

  /** Receives the records a session maps to; finds earlier ones (of a previous import too). */
  static final class Emit {
    final String cid;
    final String file;
    final Map<String, TaskRecord> out = new LinkedHashMap<>();
    private final java.util.function.BiFunction<String, String, ObjectNode> previous;

    Emit(String cid, String file,
        java.util.function.BiFunction<String, String, ObjectNode> previous) {
      this.cid = cid;
      this.file = file;
      this.previous = previous;
    }

    /** Returns the record's data as emitted so far, or as stored (a copy), or null. */
    ObjectNode get(String type, String id) {
      TaskRecord r = out.get(type + "/" + id);
      if (r != null) {
        return r.data();
      }
      ObjectNode p = previous == null ? null : previous.apply(type, id);
      if (p != null) {
        p = p.deepCopy();
        put(type, id, p);
      }
      return p;
    }

    void put(String type, String id, ObjectNode data) {
      add(new TaskRecord(type, id, data));
    }

    void add(TaskRecord r) {
      out.put(r.key(), r);
    }

    /** A new record holding line {@code n}. */
    ObjectNode lineRecord(String type, String id, int n, LineStore.Raw raw) {
      ObjectNode d = Json.object();
      d.put("conversationId", cid);
      LineStore.addLine(d, cid, file, n, raw, out);
      put(type, id, d);
      return d;
    }

    /** Adds line {@code n} to an existing record. */
    void addLine(ObjectNode d, int n, LineStore.Raw raw) {
      LineStore.addLine(d, cid, file, n, raw, out);
    }

    /** A bookkeeping line: a {@code ui_message} of type {@code event}, kept verbatim. */
    ObjectNode event(int n, LineStore.Raw raw, String event, String text, long ts) {
      ObjectNode d = lineRecord(RecordTypes.UI_MESSAGE, cid + ":e:" + n, n, raw);
      d.put("type", "event");
      d.put("event", event);
      d.put("text", text == null ? "" : LineStore.cap(text));
      if (ts > 0) {
        d.put("ts", ts);
      }
      return d;
    }
  }

  /** Maps the lines of one JSONL session in order; its state is saved for append imports. */
  abstract static class LineMapper {
    /**
     * Maps line {@code n}; one that is not a JSON object is kept as an event.
     *
     * @param parsed the line as JSON, or null when it is not a JSON object
     * @param st the mapper's state: small, saved between imports
     */
    final void line(int n, LineStore.Raw raw, JsonNode parsed, Emit e, ObjectNode st) {
      if (parsed == null) {
        e.event(n, raw, raw.text.isEmpty() ? "blank" : "invalid", null, 0);
        return;
      }
      object(n, raw, parsed, parsed.path("type").asText(""), e, st);
    }

    /** Maps line {@code n}, a JSON object whose {@code type} is {@code type} ("" if none). */
    abstract void object(int n, LineStore.Raw raw, JsonNode o, String type, Emit e,
        ObjectNode st);
  }

  // ---- helpers for the formats ----

  /** Epoch milliseconds of an ISO-8601 instant, or 0. */
  static long isoMillis(JsonNode v) {
    if (v == null || !v.isTextual()) {
      return 0;
    }
    String s = v.asText();
    long fast = utcMillis(s);
    if (fast >= 0) {
      return fast;
    }
    try {
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeParseException e) {
      return 0;
    }
  }

  /**
   * The common form agents write, {@code 2026-01-02T03:04:05.678Z} (any number of fraction
   * digits up to nine, or none), without {@link Instant#parse}'s cost; -1 for anything else, which
   * is then parsed in full.
   */
  static long utcMillis(String s) {
    int len = s.length();
    if (len < 20 || len > 30 || s.charAt(len - 1) != 'Z' || s.charAt(4) != '-'
        || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return -1;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 7);
    int day = digits(s, 8, 10);
    int hour = digits(s, 11, 13);
    int minute = digits(s, 14, 16);
    int second = digits(s, 17, 19);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 28 + 3 || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return -1; // before 1970, leap seconds, 24:00 and the like: left to the full parser
    }
    int millis = 0;
    if (len > 20) {
      if (s.charAt(19) != '.' || len == 21) {
        return -1;
      }
      int frac = digits(s, 20, len - 1);
      if (frac < 0) {
        return -1;
      }
      millis = frac;
      for (int i = len - 1 - 20; i < 3; i++) {
        millis *= 10;
      }
      for (int i = len - 1 - 20; i > 3; i--) {
        millis /= 10;
      }
    }
    long days;
    try {
      days = java.time.LocalDate.of(year, month, day).toEpochDay();
    } catch (java.time.DateTimeException e) {
      return -1; // 31 April and the like
    }
    return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
  }

  /** The decimal number in {@code s[from, to)}, or -1 if anything there is not a digit. */
  private static int digits(String s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** Widens the state's time span to {@code ts}. */
  static void touch(ObjectNode st, long ts) {
    if (ts <= 0) {
      return;
    }
    if (!st.has("createdAt") || st.get("createdAt").asLong() > ts) {
      st.put("createdAt", ts);
    }
    if (st.path("updatedAt").asLong(0) < ts) {
      st.put("updatedAt", ts);
    }
  }

  /**
   * Sets what a JSONL session's conversation always has: the title (from the first candidate
   * that is not null), the workspace (the state's {@code cwd}); returns its metadata, holding the
   * session's facts.
   */
  static ObjectNode describe(ObjectNode c, ObjectNode st, Unit unit, String... titles) {
    String t = null;
    for (String candidate : titles) {
      if (candidate != null) {
        t = candidate;
        break;
      }
    }
    if (title(t) != null) {
      c.put("title", title(t));
    }
    if (st.has("cwd")) {
      c.put("workspacePath", st.get("cwd").asText());
    }
    ObjectNode m = c.with("metadata");
    m.setAll(unit.facts);
    return m;
  }

  static String title(String s) {
    if (s == null) {
      return null;
    }
    String t = Text.strip(s);
    if (t.isEmpty()) {
      return null;
    }
    return t.length() > 200 ? t.substring(0, 200) + "…" : t;
  }

  /** Lists the regular files of {@code dir} (sorted), refusing links and special files. */
  static List<Path> regularFiles(Path dir, long maxFileBytes, String owner,
      List<ImportReport.Problem> refused) throws IOException {
    List<Path> out = new ArrayList<>();
    List<Path> entries;
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      entries = s.sorted().collect(java.util.stream.Collectors.toList());
    }
    for (Path p : entries) {
      String why = ImportSupport.refusal(p, maxFileBytes);
      if (why == null) {
        out.add(p);
      } else if (!why.isEmpty()) {
        refused.add(new ImportReport.Problem(owner, p.getFileName().toString(), why));
      }
    }
    return out;
  }

  /** The folder an agent's variable names, else {@code fallback} (an empty variable is unset). */
  static Path dirFromEnv(Map<String, String> env, String variable, Path fallback) {
    String dir = env.get(variable);
    return dir != null && !dir.isEmpty() ? Paths.get(dir) : fallback;
  }

  static boolean isDir(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }

  /** A record-safe key for a free-form id (a tool call id, a file name). */
  static String key(String s) {
    return TaskMapper.fileKey(s);
  }
}
