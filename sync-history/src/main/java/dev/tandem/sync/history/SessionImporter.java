package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Ids;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Imports the session files of Claude Code, Codex CLI and Continue into a {@link Tandem} store:
 * one conversation per session, every line (or, for Continue, the whole file) kept byte for byte
 * inside the records, so {@link SessionExporter} writes the files back identical.
 *
 * <ul>
 *   <li><b>Whole or nothing:</b> each session is written in one {@link Tandem#batch}.
 *   <li><b>Idempotent:</b> a record is written only if its data changed; records a session no
 *       longer maps to are deleted (they become tombstones that sync).
 *   <li><b>Append-aware:</b> the state of the last import (offset of the last complete line, a
 *       fingerprint of the bytes before it ({@link #prefixFingerprint}), the line count and the
 *       mapper's small state) is kept in
 *       local state {@code import:<source>:<conversationId>}. A file that only grew is read from
 *       that offset: only the new lines' records (and the message or tool call they continue)
 *       are written. A file rewritten in place (the prefix changed, or it shrank) is imported in
 *       full. An unchanged file (same size and time) is not read at all.
 * </ul>
 */
public final class SessionImporter {

  /** File bytes mapped and written per transaction when a long span of a session is read. */
  static final int WINDOW_BYTES = 4 << 20;

  private final Tandem tandem;
  private final long maxFileBytes;
  /** {@link #WINDOW_BYTES}; smaller in tests, to cut sample sessions into several windows. */
  int windowBytes = WINDOW_BYTES;
  /** Called after each window but the last is committed (tests interrupt an import there). */
  Runnable windowCommitted;

  /**
   * @param maxFileBytes the largest file read; bigger ones are refused, not opened
   * @throws IllegalArgumentException if {@code maxFileBytes} is not positive
   */
  public SessionImporter(Tandem tandem, long maxFileBytes) {
    this.tandem = Objects.requireNonNull(tandem, "tandem");
    this.maxFileBytes = ImportSupport.requirePositive(maxFileBytes);
  }

  /** The session-file agents, in the order {@code --source auto} probes them. */
  static final List<SessionFormat> FORMATS =
      List.of(new ClaudeCodeFormat(), new CodexFormat(), new ContinueFormat());

  static SessionFormat format(Source source) {
    for (SessionFormat f : FORMATS) {
      if (f.source() == source) {
        return f;
      }
    }
    throw new IllegalArgumentException(source + " does not keep session files");
  }

  /** Returns the session-file agent whose data {@code dir} holds, or null. */
  public static Source detect(Path dir) {
    for (SessionFormat f : FORMATS) {
      if (f.detect(dir)) {
        return f.source();
      }
    }
    return null;
  }

  /**
   * Imports the sessions under {@code dir}: the agent's home ({@code ~/.claude}, {@code
   * ~/.codex}, {@code ~/.continue}) or a folder inside it.
   *
   * @param source the agent, or null to detect it
   * @throws IOException if {@code dir} cannot be listed
   * @throws IllegalArgumentException if the agent is not given and cannot be detected
   */
  public ImportReport importDir(Path dir, Source source) throws IOException {
    ImportSupport.requireDirectory(dir);
    Source s = source != null ? source : detect(dir);
    if (s == null) {
      throw new IllegalArgumentException(dir + " holds no Claude Code, Codex or Continue "
          + "sessions");
    }
    SessionFormat f = format(s);
    SessionFormat.Scan scan = f.scan(dir, maxFileBytes);
    ImportSupport.Run run = new ImportSupport.Run();
    run.refused.addAll(scan.refused);
    run.problems.addAll(scan.problems);
    Map<String, ObjectNode> index = readIndex(f, scan, run);
    for (SessionFormat.Unit u : scan.units) {
      try {
        importUnit(f, u, index.remove(u.conversationId), run);
      } catch (TaskImportException e) {
        run.failed++;
        run.problems.add(new ImportReport.Problem(u.conversationId, e.file(), e.reason()));
      }
    }
    for (Map.Entry<String, ObjectNode> e : index.entrySet()) {
      if (Ids.isValidId(e.getKey())) {
        importIndexOnly(f, e.getKey(), e.getValue(), run);
      }
    }
    return run.report();
  }

  private Map<String, ObjectNode> readIndex(SessionFormat f, SessionFormat.Scan scan,
      ImportSupport.Run run) {
    if (scan.index == null) {
      return new HashMap<>();
    }
    String why = ImportSupport.refusal(scan.index, maxFileBytes);
    if (why != null) {
      if (!why.isEmpty()) {
        run.refused.add(new ImportReport.Problem(null, scan.indexRel, "index " + why));
      }
      return new HashMap<>();
    }
    byte[] bytes;
    try (InputStream in = TaskMapper.open(scan.index, maxFileBytes)) {
      bytes = Text.readAll(in);
    } catch (IOException e) {
      run.problems.add(new ImportReport.Problem(null, scan.indexRel, "index not read: " + e));
      return new HashMap<>();
    }
    List<String> warnings = new ArrayList<>();
    Map<String, ObjectNode> out = f.readIndex(scan.indexRel, bytes, warnings);
    for (String w : warnings) {
      run.warnings.add(new ImportReport.Problem(null, scan.indexRel, w));
    }
    return out;
  }

  private static String stateKey(SessionFormat f, String cid) {
    return "import:" + f.source().id() + ":" + cid;
  }

  private ObjectNode state(String key) {
    String s = tandem.localState(key);
    if (s == null) {
      return null;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(s);
      return n != null && n.isObject() ? (ObjectNode) n : null;
    } catch (IOException e) {
      return null; // an unreadable state only costs a full import
    }
  }

  private static String stat(Path p) throws TaskImportException {
    try {
      return Files.size(p) + "/" + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
          .toMillis();
    } catch (IOException e) {
      throw new TaskImportException(p.getFileName().toString(), "cannot read: " + e, e);
    }
  }

  private byte[] read(Path p, String rel) throws TaskImportException {
    return readFrom(p, rel, 0);
  }

  private void importUnit(SessionFormat f, SessionFormat.Unit u, ObjectNode indexEntry,
      ImportSupport.Run run) throws TaskImportException {
    String cid = u.conversationId;
    String key = stateKey(f, cid);
    ObjectNode old = state(key);
    ObjectNode sideStat = Json.object();
    for (Map.Entry<String, Path> s : u.side.entrySet()) {
      sideStat.put(s.getKey(), stat(s.getValue()));
    }
    String indexHash = indexEntry == null ? "" : TaskMapper.sha256(
        Json.write(indexEntry).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    String meta = "v" + SessionFormat.MAPPING_VERSION + ":" + stat(u.main) + ":"
        + TaskMapper.sha256(Json.write(sideStat).getBytes(StandardCharsets.UTF_8))
            .substring(0, 16) + ":" + indexHash;
    if (old != null && meta.equals(old.path("meta").asText())) {
      run.skipped++;
      return;
    }
    boolean sameMapping = old != null
        && old.path("v").asInt() == SessionFormat.MAPPING_VERSION;
    ObjectNode st;
    boolean append = false;
    SessionFormat.Emit emit;
    ObjectNode files = Json.object();
    List<String> warnings = new ArrayList<>();
    ObjectNode next = Json.object();
    next.put("v", SessionFormat.MAPPING_VERSION);
    next.put("meta", meta);
    byte[] bytes;
    ObjectNode oldConv = conversationData(cid);
    JsonNode oldFiles = oldConv == null ? Json.object()
        : oldConv.path(TaskMapper.TANDEM).path("files");
    ObjectNode oldSide = Json.object();
    int[] counts = new int[2];
    Set<String> stale = new HashSet<>();
    if (u.jsonl) {
      long offset = sameMapping ? old.path("offset").asLong(-1) : -1;
      long size = size(u.main, u.mainRel);
      append = offset >= 0 && offset <= size
          && old.path("prefix").asText("").equals(prefixFingerprint(u.main, u.mainRel, offset));
      if (append && old.path("side").isObject()) {
        oldSide = (ObjectNode) old.get("side");
      }
      long base = append ? offset : 0;
      // A long span is read and written one window at a time, each window committed with a state
      // an interrupted import resumes from (as an append), so memory does not grow with the
      // file. Only where nothing has to be deleted at the end: an append, or a conversation
      // without records yet.
      boolean windowed = size - base > windowBytes && (append || noChildren(cid));
      if (size - base > maxFileBytes) {
        throw new TaskImportException(u.mainRel, "grew by " + (size - base) + " bytes, over the "
            + "import limit of " + maxFileBytes + " bytes; not read");
      }
      int n = append ? old.path("lines").asInt() : 0;
      st = append && old.path("st").isObject() ? (ObjectNode) old.get("st").deepCopy()
          : Json.object();
      emit = new SessionFormat.Emit(cid, u.mainRel, append ? this::stored : null);
      SessionFormat.LineMapper lm = f.lineMapper(u);
      if (windowed && append) {
        // the old tail is re-emitted by the last window; a resumed import must not find it
        int had = oldFiles.path(u.mainRel).path("tail").path("chunks").asInt(0);
        for (int j = 0; j < had; j++) {
          stale.add(RecordTypes.FILE_CONTEXT + "/" + cid + ":tail:" + j);
        }
      }
      int complete;
      while (true) {
        // an import without windows reads only what follows the last complete line of the last
        // import, up to the end of the file as it is now
        bytes = windowed ? readWindow(u.main, u.mainRel, base, size)
            : readFrom(u.main, u.mainRel, base);
        complete = lastLineEnd(bytes);
        n = mapLines(lm, bytes, complete, n, emit, st);
        if (!windowed || base + bytes.length >= size) {
          break;
        }
        base += complete;
        run.bytes += complete;
        ObjectNode partial = Json.object();
        partial.put("v", SessionFormat.MAPPING_VERSION);
        partial.put("meta", ""); // never equal to a file's: a resumed import is not skipped
        partial.put("offset", base);
        partial.put("prefix", prefixFingerprint(u.main, u.mainRel, base));
        partial.put("lines", n);
        partial.set("st", st.deepCopy());
        partial.set("side", oldSide);
        ObjectNode partialFiles = Json.object();
        ObjectNode mainInfo = partialFiles.putObject(u.mainRel);
        mainInfo.put("kind", "jsonl");
        mainInfo.put("lines", n);
        for (String rel : u.side.keySet()) {
          if (oldFiles.path(rel).isObject()) {
            partialFiles.set(rel, oldFiles.get(rel)); // what a resumed import compares against
          }
        }
        ObjectNode conv = conversation(f, u, st, indexEntry, partialFiles);
        if (!write(cid, conv, emit.out.values(), append, stale, key, Json.write(partial), run,
            counts)) {
          return;
        }
        if (windowCommitted != null) {
          windowCommitted.run();
        }
        stale.clear();
        append = true;
        emit = new SessionFormat.Emit(cid, u.mainRel, this::stored);
      }
      run.bytes += bytes.length;
      ObjectNode info = files.putObject(u.mainRel);
      info.put("kind", "jsonl");
      info.put("lines", n);
      if (complete < bytes.length) {
        LineStore.Raw tail = LineStore.encode(bytes, complete, bytes.length);
        ObjectNode t = info.putObject("tail");
        t.put("chunks", ImportSupport.chunks(cid, u.mainRel, tail.text, j -> cid + ":tail:" + j,
            m -> m.put("tail", true), emit::add));
        if (tail.base64) {
          t.put("b64", true);
        }
      }
      next.put("offset", base + complete);
      next.put("prefix", prefixFingerprint(u.main, u.mainRel, base + complete));
      next.put("lines", n);
      next.set("st", st.deepCopy());
    } else {
      bytes = read(u.main, u.mainRel);
      st = Json.object();
      emit = new SessionFormat.Emit(cid, u.mainRel, null);
      f.mapWhole(u, bytes, emit, st, warnings);
      ImportSupport.raw(cid, u.mainRel, bytes, files, emit::add);
      run.bytes += bytes.length;
    }
    // Side files: re-read only those that changed since an append-mode import's last run.
    for (Map.Entry<String, Path> s : u.side.entrySet()) {
      String rel = s.getKey();
      if (append && sideStat.path(rel).asText().equals(oldSide.path(rel).asText(null))
          && oldFiles.path(rel).isObject()) {
        files.set(rel, oldFiles.get(rel));
      } else {
        byte[] b = read(s.getValue(), rel);
        ImportSupport.raw(cid, rel, b, files, emit::add);
        run.bytes += b.length;
      }
    }
    next.set("side", sideStat);
    ObjectNode conv = conversation(f, u, st, indexEntry, files);
    for (String w : warnings) {
      run.warnings.add(new ImportReport.Problem(cid, u.mainRel, w));
    }
    if (append) {
      // what the new state no longer has: a shorter tail, side files gone or shorter
      for (Map.Entry<String, JsonNode> e : iterable(oldFiles)) {
        JsonNode now = files.path(e.getKey());
        if (e.getKey().equals(u.mainRel)) {
          int had = e.getValue().path("tail").path("chunks").asInt(0);
          for (int j = now.path("tail").path("chunks").asInt(0); j < had; j++) {
            stale.add(RecordTypes.FILE_CONTEXT + "/" + cid + ":tail:" + j);
          }
        } else {
          int had = e.getValue().path("chunks").asInt(0);
          for (int j = now.path("chunks").asInt(0); j < had; j++) {
            stale.add(RecordTypes.FILE_CONTEXT + "/" + ImportSupport.rawId(cid, e.getKey(), j));
          }
        }
      }
    }
    if (write(cid, conv, emit.out.values(), append, stale, key, Json.write(next), run,
        counts)) {
      run.count(counts[0], counts[1]);
    }
  }

  /** Maps the complete lines of {@code bytes} (those before {@code complete}), from line n. */
  private static int mapLines(SessionFormat.LineMapper lm, byte[] bytes, int complete, int n,
      SessionFormat.Emit emit, ObjectNode st) {
    int from = 0;
    for (int i = 0; i < complete; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      LineStore.Raw raw = LineStore.encode(bytes, from, i);
      lm.line(n, raw, parse(raw, bytes, from, i), emit, st);
      n++;
      from = i + 1;
    }
    return n;
  }

  /** The conversation record of a session, its {@code _tandem.files} being {@code files}. */
  private static ObjectNode conversation(SessionFormat f, SessionFormat.Unit u, ObjectNode st,
      ObjectNode indexEntry, ObjectNode files) {
    ObjectNode conv = Json.object();
    conv.put("id", u.conversationId);
    conv.put("source", f.source().id());
    if (u.parentId != null) {
      conv.put("parentConversationId", u.parentId);
    }
    f.conversation(u, st, indexEntry, conv);
    times(conv, st, indexEntry);
    ObjectNode meta = conv.putObject(TaskMapper.TANDEM);
    meta.put("mapping", SessionFormat.MAPPING_VERSION);
    meta.put("agent", f.source().id());
    meta.put("path", u.mainRel);
    meta.set("files", files);
    if (indexEntry != null) {
      meta.set("index", indexEntry);
    }
    return conv;
  }

  private boolean noChildren(String cid) {
    for (String type : ImportSupport.CHILD_TYPES) {
      if (tandem.store().history().countByConversation(type, cid) > 0) {
        return false;
      }
    }
    return true;
  }



  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode o) {
    List<Map.Entry<String, JsonNode>> l = new ArrayList<>();
    o.fields().forEachRemaining(l::add);
    return l;
  }

  private static void times(ObjectNode conv, ObjectNode st, ObjectNode indexEntry) {
    long created = st.path("createdAt").asLong(0);
    long updated = st.path("updatedAt").asLong(0);
    if (indexEntry != null) {
      long t = indexEntry.path("updatedAt").asLong(0);
      updated = Math.max(updated, t);
      if (created == 0) {
        created = indexEntry.path("createdAt").asLong(t);
      }
    }
    conv.put("createdAt", created);
    conv.put("updatedAt", Math.max(created, updated));
  }

  private void importIndexOnly(SessionFormat f, String cid, ObjectNode entry,
      ImportSupport.Run run) {
    String key = stateKey(f, cid);
    String fp = "index:" + TaskMapper.sha256(Json.write(entry).getBytes(StandardCharsets.UTF_8));
    if (fp.equals(tandem.localState(key))) {
      run.skipped++;
      return;
    }
    ObjectNode had = conversationData(cid);
    if (had != null && had.path(TaskMapper.TANDEM).path("path").isTextual()) {
      // its session file was imported before and is gone now: keep what was imported, as for
      // a deleted task folder (no tombstones on every device because a file was moved away)
      run.skipped++;
      return;
    }
    ObjectNode conv = Json.object();
    conv.put("id", cid);
    conv.put("source", f.source().id());
    SessionFormat.Unit u = new SessionFormat.Unit(cid, null, null, null, false);
    f.conversation(u, Json.object(), entry, conv);
    times(conv, Json.object(), entry);
    ObjectNode m = conv.putObject(TaskMapper.TANDEM);
    m.put("mapping", SessionFormat.MAPPING_VERSION);
    m.put("agent", f.source().id());
    m.putNull("path");
    m.putObject("files");
    m.set("index", entry);
    int[] counts = new int[2];
    if (write(cid, conv, List.of(), false, Set.of(), key, fp, run, counts)) {
      run.count(counts[0], counts[1]);
    }
  }

  private ObjectNode stored(String type, String id) {
    LocalRecord r = tandem.store().get(type, id);
    return r == null || r.current().deleted() ? null : r.current().data();
  }

  private ObjectNode conversationData(String cid) {
    try {
      return stored(RecordTypes.CONVERSATION, cid);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JsonNode parse(LineStore.Raw raw, byte[] b, int from, int to) {
    if (raw.base64 || from == to) {
      return null;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(b, from, to - from);
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null; // not JSON (an agent still writing, a damaged line): kept as an event
    }
  }

  static int lastLineEnd(byte[] b) {
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        return i + 1;
      }
    }
    return 0;
  }

  private static final int SAMPLE = 64 * 1024;
  private static final int BLOCKS = 32;
  private static final int BLOCK = 4 * 1024;

  /**
   * A fingerprint of the first {@code length} bytes of a file without reading them all: CRC-32
   * of the first and the last 64 KiB of that prefix and of 32 blocks of 4 KiB spread evenly
   * over it, with the length. An agent that appends leaves it unchanged; one that rewrites the
   * file (a different head, anything shifted, truncated or re-ordered) changes it, and the file
   * is imported in full. Only an edit that keeps the length and touches none of the sampled
   * bytes goes unseen, until the next full import.
   */
  static String prefixFingerprint(Path file, String rel, long length) throws TaskImportException {
    CRC32 c = new CRC32();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      sample(ch, c, 0, Math.min(SAMPLE, length));
      if (length > SAMPLE) {
        sample(ch, c, Math.max(SAMPLE, length - SAMPLE), length);
        for (int i = 1; i <= BLOCKS; i++) {
          long at = length * i / (BLOCKS + 1);
          sample(ch, c, at, Math.min(length, at + BLOCK));
        }
      }
    } catch (IOException e) {
      throw new TaskImportException(rel, "cannot read: " + e.getMessage(), e);
    }
    return length + ":" + Long.toHexString(c.getValue());
  }

  private static void sample(FileChannel ch, CRC32 c, long from, long to) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) (to - from));
    long at = from;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at);
      if (n < 0) {
        throw new IOException("file shrank while being read");
      }
      at += n;
    }
    c.update(buf.array(), 0, buf.position());
  }

  private long size(Path p, String rel) throws TaskImportException {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new TaskImportException(rel, "cannot read: " + e.getMessage(), e);
    }
  }

  /** Reads from {@code offset} to the end, refusing more than the import limit. */
  private byte[] readFrom(Path p, String rel, long offset) throws TaskImportException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      if (size - offset > maxFileBytes) {
        throw new TaskImportException(rel, "grew by " + (size - offset) + " bytes, over the "
            + "import limit of " + maxFileBytes + " bytes; not read");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) (size - offset));
      long at = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, at);
        if (n < 0) {
          break;
        }
        at += n;
      }
      return java.util.Arrays.copyOf(buf.array(), buf.position());
    } catch (IOException e) {
      throw new TaskImportException(rel, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Reads about {@link #windowBytes} from {@code offset}, more if no line ends in them, never
   * past {@code end} (the size when the import began: what is appended meanwhile is the next
   * import's).
   */
  private byte[] readWindow(Path p, String rel, long offset, long end)
      throws TaskImportException {
    long want = windowBytes;
    while (true) {
      long len = Math.min(want, end - offset);
      byte[] b = readRange(p, rel, offset, (int) len);
      if (offset + b.length >= end || lastLineEnd(b) > 0) {
        return b;
      }
      want *= 2; // one line longer than a window: read until it ends
    }
  }

  private static byte[] readRange(Path p, String rel, long offset, int len)
      throws TaskImportException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer buf = ByteBuffer.allocate(len);
      long at = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, at);
        if (n < 0) {
          throw new TaskImportException(rel, "file shrank while being read");
        }
        at += n;
      }
      return buf.array();
    } catch (IOException e) {
      throw new TaskImportException(rel, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * Writes one transaction of a session, adding what it wrote and deleted to {@code counts};
   * returns false (the failure reported in {@code run}) if it was rolled back.
   */
  private boolean write(String cid, ObjectNode conv, java.util.Collection<TaskRecord> records,
      boolean append, Set<String> stale, String key, String state, ImportSupport.Run run,
      int[] total) {
    int[] counts = new int[2];
    Map<String, Record> existing = append ? new HashMap<>()
        : ImportSupport.children(tandem, cid);
    Record oldConv = ImportSupport.conversation(tandem, cid);
    ImportSupport.keepUserFields(conv, oldConv);
    try {
      tandem.batch(b -> {
        if (ImportSupport.putIfChanged(b, RecordTypes.CONVERSATION, cid, conv, oldConv)) {
          counts[0]++;
        }
        for (TaskRecord r : records) {
          Record ex = append ? current(r.type(), r.id()) : existing.remove(r.key());
          if (ImportSupport.putIfChanged(b, r.type(), r.id(), r.data(), ex)) {
            counts[0]++;
          }
        }
        for (Record gone : existing.values()) {
          if (b.delete(gone.type(), gone.id())) {
            counts[1]++;
          }
        }
        for (String k : stale) {
          int slash = k.indexOf('/');
          if (b.delete(k.substring(0, slash), k.substring(slash + 1))) {
            counts[1]++;
          }
        }
        b.putLocalState(key, state);
      });
    } catch (RuntimeException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(cid, null, "not imported: " + e.getMessage()));
      return false;
    }
    total[0] += counts[0];
    total[1] += counts[1];
    return true;
  }

  private Record current(String type, String id) {
    LocalRecord r = tandem.store().get(type, id);
    return r == null ? null : r.current();
  }
}
