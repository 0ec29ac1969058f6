package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.WriteBatch;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What the task-folder importer ({@link HistoryImporter}) and the session importer ({@link
 * SessionImporter}) do alike: walking files safely, counting a run, keeping files byte for byte,
 * and writing only what changed next to what the store already holds.
 */
final class ImportSupport {
  /** The record types a conversation's import owns (besides the conversation itself). */
  static final List<String> CHILD_TYPES = List.of(RecordTypes.MESSAGE,
      RecordTypes.UI_MESSAGE, RecordTypes.TOOL_CALL, RecordTypes.FILE_CONTEXT);
  /** Conversation fields the user owns in the store; a re-import keeps them. */
  static final List<String> USER_FIELDS = List.of("privacy", "state");

  private ImportSupport() {}

  /** Checks an importer's file size limit. */
  static long requirePositive(long maxFileBytes) {
    if (maxFileBytes <= 0) {
      throw new IllegalArgumentException("maxFileBytes must be positive: " + maxFileBytes);
    }
    return maxFileBytes;
  }

  /** Fails as a missing file would when {@code dir} is not a directory. */
  static void requireDirectory(Path dir) throws NoSuchFileException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "not a directory");
    }
  }

  /**
   * Why {@code p} is not read, judged without following links or opening anything (opening a
   * FIFO blocks): null for a regular file within the limit, "" for a folder, else the reason.
   */
  static String refusal(Path p, long maxFileBytes) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return "cannot read: " + e;
    }
    if (a.isSymbolicLink()) {
      return "symbolic link; not read (only regular files are imported)";
    }
    if (a.isDirectory()) {
      return "";
    }
    if (!a.isRegularFile()) {
      return "not a regular file (a FIFO, socket or device); not read";
    }
    if (a.size() > maxFileBytes) {
      return "file is " + a.size() + " bytes, over the import limit of " + maxFileBytes
          + " bytes (raise it with --max-file-size); not read";
    }
    return null;
  }

  /** The counts and notes of one import run, made into its {@link ImportReport}. */
  static final class Run {
    int imported;
    int unchanged;
    int skipped;
    int failed;
    int written;
    int deleted;
    long bytes;
    final List<ImportReport.Problem> problems = new ArrayList<>();
    final List<ImportReport.Problem> warnings = new ArrayList<>();
    final List<ImportReport.Problem> refused = new ArrayList<>();

    /** Counts one conversation: imported if anything was written or deleted for it. */
    void count(int wrote, int removed) {
      if (wrote + removed == 0) {
        unchanged++;
      } else {
        imported++;
      }
      written += wrote;
      deleted += removed;
    }

    ImportReport report() {
      return new ImportReport(imported, unchanged, skipped, failed, written, deleted, bytes,
          List.copyOf(problems), List.copyOf(warnings), List.copyOf(refused));
    }
  }

  /** The live conversation record {@code cid}, or null. */
  static Record conversation(Tandem tandem, String cid) {
    LocalRecord lc = tandem.store().get(RecordTypes.CONVERSATION, cid);
    return lc == null || lc.current().deleted() ? null : lc.current();
  }

  /** Every record of the conversation's own types, by {@code type/id}. */
  static Map<String, Record> children(Tandem tandem, String cid) {
    Map<String, Record> out = new HashMap<>();
    for (String type : CHILD_TYPES) {
      for (Record r : tandem.store().history().listByConversation(type, cid)) {
        out.put(type + "/" + r.id(), r);
      }
    }
    return out;
  }

  /** Copies the fields the user owns from the stored conversation into the new data. */
  static void keepUserFields(ObjectNode conv, Record stored) {
    if (stored == null) {
      return;
    }
    ObjectNode old = stored.data();
    for (String f : USER_FIELDS) {
      if (old.has(f)) {
        conv.set(f, old.get(f));
      }
    }
  }

  /** Writes the record unless the store already holds the same data; returns true if written. */
  static boolean putIfChanged(WriteBatch b, String type, String id, ObjectNode data,
      Record existing) {
    String json = Json.write(data);
    if (existing != null && !existing.deleted()
        && (existing.json().equals(json) || existing.data().equals(data))) {
      return false;
    }
    b.put(type, id, json);
    return true;
  }

  /** The id of chunk {@code chunk} of a file kept byte for byte. */
  static String rawId(String cid, String name, int chunk) {
    return cid + ":file:" + TaskMapper.fileKey(name) + ":" + chunk;
  }

  /**
   * Keeps a file byte for byte: its UTF-8 text, or base64 when it is not UTF-8, in {@code
   * file_context} chunks given to {@code out}; its entry in {@code files} says how to rebuild it.
   */
  static void raw(String cid, String name, byte[] bytes, ObjectNode files,
      Consumer<TaskRecord> out) {
    String text;
    String encoding = "utf8";
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      text = Base64.getEncoder().encodeToString(bytes);
      encoding = "base64";
    }
    String enc = encoding;
    int n = chunks(cid, name, text, j -> rawId(cid, name, j), m -> m.put("encoding", enc), out);
    ObjectNode info = files.putObject(name);
    info.put("kind", "raw");
    info.put("chunks", n);
    info.put("encoding", encoding);
    info.put("bytes", bytes.length);
  }

  /**
   * Cuts {@code text} into {@code file_context} records of {@code file}, each holding the
   * conversation id, {@code _tandem} ({@code file}, {@code chunk} and what {@code meta} adds) and
   * its part of the text; returns how many.
   */
  static int chunks(String cid, String file, String text, IntFunction<String> id,
      Consumer<ObjectNode> meta, Consumer<TaskRecord> out) {
    List<String> parts = TaskMapper.chunk(text);
    for (int j = 0; j < parts.size(); j++) {
      ObjectNode d = Json.object();
      d.put("conversationId", cid);
      ObjectNode m = d.putObject(TaskMapper.TANDEM);
      m.put("file", file);
      m.put("chunk", j);
      meta.accept(m);
      d.put("text", parts.get(j));
      out.accept(new TaskRecord(RecordTypes.FILE_CONTEXT, id.apply(j), d));
    }
    return parts.size();
  }
}
