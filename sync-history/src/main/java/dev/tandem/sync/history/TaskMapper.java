package dev.tandem.sync.history;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.internal.Json;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Maps one task folder to records and back. Pure: no store, so it is tested on its own.
 *
 * <p>Every element of {@code api_conversation_history.json} becomes a {@code message}, every
 * element of {@code ui_messages.json} a {@code ui_message}: the original object's fields, as
 * parsed, plus {@code conversationId} and a {@code _tandem} object ({@code file}, {@code
 * ordinal}). An original object that already has one of those two keys is kept whole under
 * {@code raw} instead. Record ids are {@code <conversationId>:<kind>:<index>}, so a rewritten file
 * maps onto the same ids and a re-import only touches what changed. Files the importer does not
 * interpret are kept byte for byte in {@code file_context} records.
 */
public final class TaskMapper {
  /** The field holding Tandem's bookkeeping inside imported record data. */
  public static final String TANDEM = "_tandem";

  public static final String API_FILE = "api_conversation_history.json";
  public static final String UI_FILE = "ui_messages.json";
  public static final String LEGACY_FILE = "claude_messages.json";
  public static final String METADATA_FILE = "task_metadata.json";
  public static final String HISTORY_ITEM_FILE = "history_item.json";
  public static final List<String> TASK_FILES =
      List.of(API_FILE, UI_FILE, LEGACY_FILE, METADATA_FILE, HISTORY_ITEM_FILE);

  /** Format version of the mapping; part of the fingerprint so a new mapping re-imports. */
  static final int MAPPING_VERSION = 1;

  // Characters per raw-file chunk: even fully escaped (6 bytes per char) a chunk stays well
  // under the store's 4 MiB record limit.
  static final int CHUNK_CHARS = 512 * 1024;

  private static final Pattern STRAY = Pattern.compile(".*\\.tmp\\.\\d+\\..*\\.json|.*\\.lock");
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final long maxFileBytes;

  /** @param maxFileBytes files larger than this are refused with a clear message */
  public TaskMapper(long maxFileBytes) {
    this.maxFileBytes = maxFileBytes;
  }

  /** A HistoryItem found in the extension's task list, with where it came from. */
  public static final class HistoryEntry {
    private final ObjectNode item;
    private final String file;
    private final int index;

    public HistoryEntry(ObjectNode item, String file, int index) {
      this.item = item;
      this.file = file;
      this.index = index;
    }

    public ObjectNode item() {
      return item;
    }

    public String file() {
      return file;
    }

    public int index() {
      return index;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof HistoryEntry)) {
        return false;
      }
      HistoryEntry o = (HistoryEntry) other;
      return java.util.Objects.equals(item, o.item)
          && java.util.Objects.equals(file, o.file)
          && index == o.index;
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(item, file, index);
    }

    @Override
    public String toString() {
      return "HistoryEntry[" + "item=" + item + ", " + "file=" + file + ", " + "index=" + index
          + "]";
    }
  }

  /**
   * Returns a record-safe conversation id for a task folder name: the name itself when valid,
   * otherwise the name with unsafe characters replaced plus a short hash (stable and unique).
   */
  public static String conversationId(String folderName) {
    if (Ids.isValidId(folderName) && folderName.length() <= 96) {
      return folderName;
    }
    String safe = folderName.replaceAll("[^A-Za-z0-9._:-]", "_");
    if (safe.length() > 80) {
      safe = safe.substring(0, 80);
    }
    return safe + "-" + sha256(folderName.getBytes(StandardCharsets.UTF_8)).substring(0, 10);
  }

  /** Returns true if {@code dir} holds at least one file a task folder has. */
  public static boolean looksLikeTask(Path dir) {
    for (String f : TASK_FILES) {
      // NOFOLLOW: a dangling link named like a task file still marks a task (with a missing
      // file, reported as such) rather than a random folder.
      if (Files.exists(dir.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A task folder's files as found on disk, without reading any: those that will be read, sorted
   * by name, and those refused, each with the reason.
   */
  static final class Listing {
    private final List<Path> files;
    private final Map<String, String> refused;

    Listing(List<Path> files, Map<String, String> refused) {
      this.files = files;
      this.refused = refused;
    }

    List<Path> files() {
      return files;
    }

    Map<String, String> refused() {
      return refused;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof Listing)) {
        return false;
      }
      Listing o = (Listing) other;
      return java.util.Objects.equals(files, o.files)
          && java.util.Objects.equals(refused, o.refused);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(files, refused);
    }

    @Override
    public String toString() {
      return "Listing[" + "files=" + files + ", " + "refused=" + refused + "]";
    }
  }

  /**
   * Lists a task folder. Only regular files are read: a symbolic link is refused wherever it
   * points (inside the folder it would only duplicate a file, outside it could send anything
   * the user can read, such as credentials, to the server); FIFOs, sockets and devices are
   * refused before anything opens them (opening a FIFO blocks); files over {@code maxFileBytes}
   * are refused. Subfolders ({@code checkpoints/}) and leftovers of interrupted writes are
   * ignored.
   */
  static Listing scan(Path folder, long maxFileBytes) throws IOException {
    List<Path> files = new ArrayList<>();
    Map<String, String> refused = new TreeMap<>();
    List<Path> entries;
    try (Stream<Path> s = Files.list(folder)) {
      entries = s.sorted().collect(java.util.stream.Collectors.toList());
    }
    for (Path p : entries) {
      String n = p.getFileName().toString();
      if (STRAY.matcher(n).matches()) {
        continue;
      }
      String why = ImportSupport.refusal(p, maxFileBytes);
      if (why == null) {
        files.add(p);
      } else if (Files.isSymbolicLink(p)) {
        refused.put(n, "symbolic link" + linkTarget(folder, p)
            + "; not read (only regular files inside the task folder are imported)");
      } else if (!why.isEmpty()) {
        refused.put(n, why);
      }
    }
    return new Listing(files, refused);
  }

  private static String linkTarget(Path folder, Path link) {
    try {
      Path t = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
      return t.startsWith(folder.toAbsolutePath().normalize()) || t.startsWith(folder.normalize())
          ? " (to a file in the task folder)" : " to a file outside the task folder";
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  /**
   * Opens a file that {@link #scan} accepted, without following a link that replaced it since,
   * and fails instead of reading past {@code max} bytes if it grew.
   */
  static InputStream open(Path file, long max) throws IOException {
    InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    return new FilterInputStream(in) {
      private long left = max;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        // one byte past the limit is asked for, so growth is seen rather than cut off
        int n = super.read(b, off, (int) Math.min(len, left == Long.MAX_VALUE ? len : left + 1));
        if (n > 0) {
          left -= n;
          if (left < 0) {
            throw new IOException("file grew over the import limit of " + max
                + " bytes while being read");
          }
        }
        return n;
      }
    };
  }

  /**
   * Maps a task folder.
   *
   * @param folder the task folder; its name is the task id
   * @param forced the source, or null to detect it
   * @param history the task's HistoryItem from the extension's list, or null
   * @throws TaskImportException naming the file and the reason when the task cannot be imported
   */
  public MappedTask map(Path folder, Source forced, HistoryEntry history)
      throws TaskImportException {
    Listing listing;
    try {
      listing = scan(folder, maxFileBytes);
    } catch (IOException e) {
      throw new TaskImportException(null, "cannot list folder: " + e, e);
    }
    return map(folder, listing, forced, history);
  }

  /** Maps a task folder from its {@link #scan}: refused files are left out. */
  MappedTask map(Path folder, Listing listing, Source forced, HistoryEntry history)
      throws TaskImportException {
    String folderName = folder.getFileName().toString();
    String cid = conversationId(folderName);
    List<String> warnings = new ArrayList<>();
    List<Path> files = listing.files();
    for (String f : TASK_FILES) {
      if (Files.isDirectory(folder.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
        throw new TaskImportException(f, "is a directory, expected a file");
      }
    }
    List<TaskRecord> records = new ArrayList<>();
    ObjectNode fileInfo = Json.object();
    List<ObjectNode> api = null;
    List<ObjectNode> ui = null;
    JsonNode metadata = null;
    ObjectNode historyItemFile = null;
    for (Path p : files) {
      String name = p.getFileName().toString();
      if (!Files.isReadable(p)) {
        throw new TaskImportException(name, "file is not readable (permission denied)");
      }
      switch (name) {
        case API_FILE: {
          api = readArray(p, name);
          addArray(records, fileInfo, cid, name, "api", RecordTypes.MESSAGE, api, p);
          break;
        }
        case UI_FILE: {
          ui = readArray(p, name);
          addArray(records, fileInfo, cid, name, "ui", RecordTypes.UI_MESSAGE, ui, p);
          break;
        }
        case LEGACY_FILE: {
          // Cline's pre-2.0 ui file, or (Roo reads it as) api history: decide by content.
          List<ObjectNode> legacy;
          try {
            legacy = readArray(p, name);
          } catch (TaskImportException e) {
            warnings.add(name + ": " + e.reason() + "; kept as an opaque file");
            addRaw(records, fileInfo, cid, name, p);
            break;
          }
          boolean isApi = !legacy.isEmpty() && legacy.get(0).has("role");
          if (!isApi && ui == null && !Files.exists(folder.resolve(UI_FILE))) {
            ui = legacy;
          }
          if (isApi && api == null && !Files.exists(folder.resolve(API_FILE))) {
            api = legacy;
          }
          addArray(records, fileInfo, cid, name, "legacy",
              isApi ? RecordTypes.MESSAGE : RecordTypes.UI_MESSAGE, legacy, p);
          break;
        }
        default: {
          addRaw(records, fileInfo, cid, name, p);
          if (name.equals(METADATA_FILE)) {
            metadata = parseLenient(p, name, warnings);
          } else if (name.equals(HISTORY_ITEM_FILE)) {
            JsonNode h = parseLenient(p, name, warnings);
            if (h != null && h.isObject()) {
              historyItemFile = (ObjectNode) h;
            }
          }
          break;
        }
      }
    }
    if (metadata != null) {
      addFilesInContext(records, cid, metadata, warnings);
    }
    if (api != null) {
      addToolCalls(records, cid, api);
    }
    Source source = forced != null ? forced
        : detect(folder, files, ui, metadata, historyItemFile != null);
    ObjectNode conversation = conversationData(cid, folderName, source, fileInfo, api, ui,
        history, historyItemFile);
    return new MappedTask(cid, source, conversation, records, warnings);
  }

  /** Maps a HistoryItem whose task folder is missing: a conversation without messages. */
  public MappedTask mapHistoryOnly(String taskId, Source source, HistoryEntry history) {
    String cid = conversationId(taskId);
    ObjectNode conversation = conversationData(cid, null, source, Json.object(), null, null,
        history, null);
    return new MappedTask(cid, source, conversation, List.of(), List.of());
  }

  // ---- arrays ----

  /** Stream-parses a JSON array of objects, naming the element and position of any error. */
  static List<ObjectNode> readArray(Path file, String name) throws TaskImportException {
    List<ObjectNode> out = new ArrayList<>();
    try (JsonParser p = Json.MAPPER.createParser(open(file, Long.MAX_VALUE))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new TaskImportException(name, "file is empty, expected a JSON array");
      }
      if (t != JsonToken.START_ARRAY) {
        throw new TaskImportException(name, "expected a JSON array of objects, found "
            + describe(t));
      }
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw new TaskImportException(name, "truncated: the array is not closed (after "
              + out.size() + " elements)");
        }
        if (t != JsonToken.START_OBJECT) {
          throw new TaskImportException(name, "element " + out.size() + " is " + describe(t)
              + ", expected an object");
        }
        out.add((ObjectNode) Json.MAPPER.readTree(p));
      }
      if (p.nextToken() != null) {
        throw new TaskImportException(name, "unexpected content after the array at line "
            + p.currentLocation().getLineNr());
      }
      return out;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
              + ")";
      String msg = e.getOriginalMessage();
      if (msg != null && msg.startsWith("Unexpected end-of-input")) {
        msg = "truncated JSON: " + msg;
      }
      throw new TaskImportException(name, "invalid JSON" + where + ": " + firstLine(msg), e);
    } catch (IOException e) {
      throw new TaskImportException(name, "cannot read: " + e, e);
    }
  }

  private static void addArray(List<TaskRecord> records, ObjectNode fileInfo, String cid,
      String name, String kind, String type, List<ObjectNode> elements, Path p)
      throws TaskImportException {
    for (int i = 0; i < elements.size(); i++) {
      records.add(new TaskRecord(type, cid + ":" + kind + ":" + i,
          wrap(cid, elements.get(i), name, i)));
    }
    ObjectNode info = fileInfo.putObject(name);
    info.put("kind", "array");
    info.put("type", type);
    info.put("idKind", kind);
    info.put("count", elements.size());
    try {
      info.set("layout", JsonLayout.detect(p).toJson());
    } catch (IOException e) {
      throw new TaskImportException(name, "cannot read: " + e, e);
    }
  }

  /** Returns record data for one original element: its fields plus Tandem's. */
  static ObjectNode wrap(String cid, ObjectNode original, String file, int ordinal) {
    ObjectNode meta = Json.object();
    meta.put("file", file);
    meta.put("ordinal", ordinal);
    ObjectNode d = Json.object();
    d.put("conversationId", cid);
    d.set(TANDEM, meta);
    if (original.has("conversationId") || original.has(TANDEM)) {
      meta.put("wrapped", true);
      d.set("raw", original);
    } else {
      d.setAll(original);
    }
    return d;
  }

  /**
   * Returns the original element of record data made by {@link #wrap}, or null when wrapped data
   * has lost its {@code raw} object.
   */
  static ObjectNode unwrap(ObjectNode data) {
    if (data.path(TANDEM).path("wrapped").asBoolean(false)) {
      JsonNode raw = data.get("raw");
      return raw instanceof ObjectNode ? (ObjectNode) raw : null;
    }
    ObjectNode o = data.deepCopy();
    o.remove("conversationId");
    o.remove(TANDEM);
    return o;
  }

  // ---- opaque files ----

  static String fileKey(String name) {
    if (Ids.isValidId(name) && name.length() <= 60) {
      return name;
    }
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.length() > 40) {
      safe = safe.substring(0, 40);
    }
    return safe + "-" + sha256(name.getBytes(StandardCharsets.UTF_8)).substring(0, 10);
  }

  private void addRaw(List<TaskRecord> records, ObjectNode fileInfo, String cid,
      String name, Path p) throws TaskImportException {
    byte[] bytes;
    try {
      try (InputStream in = open(p, maxFileBytes)) {
        bytes = Text.readAll(in);
      }
    } catch (IOException e) {
      throw new TaskImportException(name, "cannot read: " + e, e);
    }
    ImportSupport.raw(cid, name, bytes, fileInfo, records::add);
  }

  static List<String> chunk(String text) {
    List<String> out = new ArrayList<>();
    int i = 0;
    do {
      int end = Math.min(text.length(), i + CHUNK_CHARS);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end--;
      }
      out.add(text.substring(i, end));
      i = end;
    } while (i < text.length());
    return out;
  }

  private static JsonNode parseLenient(Path p, String name, List<String> warnings) {
    try {
      try (InputStream in = open(p, Long.MAX_VALUE)) {
        return Json.MAPPER.readTree(in);
      }
    } catch (IOException e) {
      warnings.add(name + ": not valid JSON (" + firstLine(e.getMessage())
          + "); kept as an opaque file");
      return null;
    }
  }

  // ---- derived records: files in context, tool calls ----

  private static void addFilesInContext(List<TaskRecord> records, String cid, JsonNode metadata,
      List<String> warnings) {
    JsonNode fic = metadata.path("files_in_context");
    if (!fic.isArray()) {
      if (!metadata.isObject() || metadata.size() > 0) {
        warnings.add(METADATA_FILE + ": no files_in_context array (written by another tool?); "
            + "kept as an opaque file");
      }
      return;
    }
    int i = 0;
    for (JsonNode e : fic) {
      if (e.isObject()) {
        ObjectNode d = wrap(cid, (ObjectNode) e, METADATA_FILE, i);
        ((ObjectNode) d.get(TANDEM)).put("derived", true);
        records.add(new TaskRecord(RecordTypes.FILE_CONTEXT, cid + ":fic:" + i, d));
      }
      i++;
    }
  }

  /**
   * Derives one {@code tool_call} per {@code tool_use} block, completed by the matching {@code
   * tool_result}. XML-era tool calls live in text and are not derived.
   */
  static void addToolCalls(List<TaskRecord> records, String cid, List<ObjectNode> api) {
    Map<String, ObjectNode> byUseId = new HashMap<>();
    for (int m = 0; m < api.size(); m++) {
      ObjectNode msg = api.get(m);
      JsonNode content = msg.get("content");
      if (content == null || !content.isArray()) {
        continue;
      }
      JsonNode ts = msg.get("ts");
      for (int b = 0; b < content.size(); b++) {
        JsonNode block = content.get(b);
        String type = block.path("type").asText("");
        if (type.equals("tool_use")) {
          ObjectNode d = Json.object();
          d.put("conversationId", cid);
          ObjectNode meta = d.putObject(TANDEM);
          meta.put("derived", true);
          meta.put("ordinal", m);
          meta.put("block", b);
          d.put("messageId", cid + ":api:" + m);
          d.set("toolUseId", block.get("id"));
          d.set("name", block.get("name"));
          d.set("arguments", block.get("input"));
          d.putNull("result");
          d.put("status", "pending");
          d.set("startedAt", ts);
          d.putNull("finishedAt");
          if (ts != null && ts.isNumber()) {
            d.set("ts", ts);
          }
          records.add(new TaskRecord(RecordTypes.TOOL_CALL, cid + ":tool:" + m + "." + b, d));
          if (block.hasNonNull("id")) {
            byUseId.put(block.get("id").asText(), d);
          }
        } else if (type.equals("tool_result")) {
          ObjectNode d = byUseId.get(block.path("tool_use_id").asText(""));
          if (d != null) {
            d.set("result", block.get("content"));
            d.put("status", block.path("is_error").asBoolean(false) ? "error" : "ok");
            d.set("finishedAt", ts);
          }
        }
      }
    }
  }

  // ---- conversation ----

  static Source detect(Path folder, List<Path> files, List<ObjectNode> ui, JsonNode metadata,
      boolean hasHistoryItem) {
    String path = folder.toAbsolutePath().toString().replace('\\', '/').toLowerCase();
    if (path.contains(Source.KILO.extensionFolder())) {
      return Source.KILO;
    }
    if (path.contains(Source.ROO.extensionFolder())) {
      return Source.ROO;
    }
    if (path.contains(Source.CLINE.extensionFolder()) || path.contains("/.cline_storage/")
        || path.contains("/.cline/")) {
      return Source.CLINE;
    }
    if (hasHistoryItem) {
      return Source.ROO;
    }
    for (Path p : files) {
      String n = p.getFileName().toString();
      if (n.equals("context_history.json") || n.startsWith("focus_chain_taskid_")
          || n.equals("settings.json")) {
        return Source.CLINE;
      }
    }
    if (ui != null && !ui.isEmpty()) {
      if (ui.get(0).has("conversationHistoryIndex")) {
        return Source.CLINE;
      }
      for (ObjectNode row : ui) {
        if (row.has("apiProtocol") || row.has("progressStatus") || row.has("contextCondense")) {
          return Source.ROO;
        }
      }
    }
    if (metadata != null) {
      String m = metadata.toString();
      if (m.contains("\"roo_read_date\"") || m.contains("\"roo_edited\"")) {
        return Source.ROO;
      }
      if (m.contains("\"cline_read_date\"") || m.contains("\"environment_history\"")) {
        return Source.CLINE;
      }
    }
    // Roo ids are UUIDs, Cline ids are Date.now() (format doc §1.4).
    return UUID.matcher(folder.getFileName().toString()).find() ? Source.ROO : Source.CLINE;
  }

  private static ObjectNode conversationData(String cid, String folderName, Source source,
      ObjectNode fileInfo, List<ObjectNode> api, List<ObjectNode> ui, HistoryEntry history,
      ObjectNode historyItemFile) {
    ObjectNode item = history != null ? history.item() : historyItemFile;
    ObjectNode c = Json.object();
    c.put("id", cid);
    String title = item != null && item.hasNonNull("task") ? item.get("task").asText() : null;
    if (title == null || Text.isBlank(title)) {
      title = firstText(ui, api);
    }
    if (title != null) {
      title = Text.strip(title);
      c.put("title", title.length() > 200 ? title.substring(0, 200) + "…" : title);
    }
    if (item != null) {
      String ws = item.hasNonNull("workspace") ? item.get("workspace").asText()
          : item.hasNonNull("cwdOnTaskInitialization")
              ? item.get("cwdOnTaskInitialization").asText() : null;
      if (ws != null) {
        c.put("workspacePath", ws);
      }
    }
    long created = Long.MAX_VALUE;
    long updated = 0;
    for (List<ObjectNode> list : java.util.Arrays.asList(ui, api)) {
      if (list != null) {
        for (ObjectNode o : list) {
          JsonNode ts = o.get("ts");
          if (ts != null && ts.canConvertToLong()) {
            created = Math.min(created, ts.asLong());
            updated = Math.max(updated, ts.asLong());
          }
        }
      }
    }
    String id = folderName != null ? folderName : cid;
    if (created == Long.MAX_VALUE) {
      created = id.matches("\\d{13}") ? Long.parseLong(id)
          : item != null ? item.path("ts").asLong(0) : 0;
    }
    if (item != null) {
      updated = Math.max(updated, item.path("ts").asLong(0));
    }
    c.put("createdAt", created);
    c.put("updatedAt", Math.max(updated, created));
    c.put("source", source.id());
    ObjectNode metadata = c.putObject("metadata");
    if (history != null) {
      metadata.set("historyItem", history.item());
    }
    ObjectNode meta = c.putObject(TANDEM);
    meta.put("mapping", MAPPING_VERSION);
    if (folderName != null) {
      meta.put("folder", folderName);
    } else {
      meta.putNull("folder");
    }
    meta.set("files", fileInfo);
    if (history != null) {
      meta.put("historyFile", history.file());
      meta.put("historyIndex", history.index());
    }
    return c;
  }

  private static String firstText(List<ObjectNode> ui, List<ObjectNode> api) {
    if (ui != null) {
      for (ObjectNode row : ui) {
        String say = row.path("say").asText("");
        if ((say.equals("text") || say.equals("task")) && row.hasNonNull("text")) {
          return row.get("text").asText();
        }
      }
    }
    if (api != null) {
      for (ObjectNode m : api) {
        if ("user".equals(m.path("role").asText())) {
          String t = contentText(m.get("content"));
          t = t.replaceFirst("(?s)^\\s*<task>\\s*", "").replaceFirst("(?s)\\s*</task>.*", "");
          return t;
        }
      }
    }
    return null;
  }

  /** Returns the text of a message's content: the string, or its text blocks joined. */
  public static String contentText(JsonNode c) {
    return dev.tandem.sync.Message.textOf(c);
  }

  // ---- export ----

  /**
   * Writes a task folder back from its conversation data and records (those whose {@code
   * _tandem} is derived are ignored).
   *
   * @throws TaskImportException if the records are incomplete (for example a partial sync)
   */
  public static void writeTask(Path folder, ObjectNode conversation, List<ObjectNode> records)
      throws IOException, TaskImportException {
    JsonNode files = conversation.path(TANDEM).path("files");
    Map<String, TreeMap<Integer, ObjectNode>> byFile = new HashMap<>();
    for (ObjectNode d : records) {
      JsonNode meta = d.path(TANDEM);
      if (meta.path("derived").asBoolean(false) || !meta.has("file")) {
        continue;
      }
      int pos = meta.has("chunk") ? meta.get("chunk").asInt() : meta.path("ordinal").asInt();
      byFile.computeIfAbsent(meta.get("file").asText(), k -> new TreeMap<>()).put(pos, d);
    }
    // Everything is checked before the first byte is written: a refused task writes nothing.
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    files.fields().forEachRemaining(entries::add);
    for (Map.Entry<String, JsonNode> e : entries) {
      String name = e.getKey();
      String why = SafePaths.problem(name, false);
      if (why != null) {
        throw new TaskImportException(SafePaths.quote(name), "unsafe file name: " + why);
      }
      JsonNode info = e.getValue();
      TreeMap<Integer, ObjectNode> parts = byFile.getOrDefault(name, new TreeMap<>());
      boolean raw = "raw".equals(info.path("kind").asText());
      int expected = raw ? info.path("chunks").asInt() : info.path("count").asInt();
      if (parts.size() != expected || (expected > 0 && parts.lastKey() != expected - 1)) {
        throw new TaskImportException(name, "incomplete in the store: expected " + expected
            + (raw ? " chunks" : " elements") + ", found " + parts.size());
      }
    }
    Files.createDirectories(folder);
    for (Map.Entry<String, JsonNode> e : entries) {
      String name = e.getKey();
      JsonNode info = e.getValue();
      TreeMap<Integer, ObjectNode> parts = byFile.getOrDefault(name, new TreeMap<>());
      boolean raw = "raw".equals(info.path("kind").asText());
      Path target = folder.resolve(name);
      try {
        SafePaths.checkNoLinks(folder, target, name, false);
      } catch (SafePaths.UnsafePathException ex) {
        throw new TaskImportException(name, ex.getMessage());
      }
      if (raw) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode d : parts.values()) {
          sb.append(d.path("text").asText());
        }
        byte[] bytes;
        try {
          bytes = "base64".equals(info.path("encoding").asText())
              ? Base64.getDecoder().decode(sb.toString())
              : sb.toString().getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException ex) {
          throw new TaskImportException(name, "corrupt in the store: bad base64: "
              + ex.getMessage());
        }
        try (var out = SafePaths.newOutputStream(target)) {
          out.write(bytes);
        }
      } else {
        List<ObjectNode> elements = new ArrayList<>(parts.size());
        for (ObjectNode d : parts.values()) {
          ObjectNode element = unwrap(d);
          if (element == null) {
            throw new TaskImportException(name, "corrupt in the store: element "
                + d.path(TANDEM).path("ordinal").asInt() + " has no raw object");
          }
          elements.add(element);
        }
        try (var out = new java.io.BufferedOutputStream(SafePaths.newOutputStream(target),
            1 << 16)) {
          JsonLayout.fromJson(info.get("layout")).writeArray(out, elements);
        }
      }
    }
  }

  // ---- helpers ----

  static String describe(JsonToken t) {
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString();
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static String sha256(byte[] bytes) {
    try {
      return Hex.of(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static ArrayNode array() {
    return Json.MAPPER.createArrayNode();
  }
}
