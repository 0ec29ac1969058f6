package dev.tandem.sync.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.LocalRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Imports Roo Code / Cline task folders into a {@link Tandem} store.
 *
 * <ul>
 *   <li><b>Whole or nothing:</b> each task is written in one {@link Tandem#batch}; a task that
 *       fails (bad file, record too large) leaves the store as it was and is reported.
 *   <li><b>Idempotent:</b> record ids are positions in the files; a record is written only if its
 *       data changed, and records beyond the new end of a rewritten file are deleted (they become
 *       tombstones that sync), so the store always holds exactly the latest state.
 *   <li><b>Incremental:</b> a fingerprint of the folder (names, sizes, mtimes) is kept in local
 *       state under {@code import:<source>:<taskId>}; an unchanged folder is skipped without being
 *       read. When the fingerprint moved but the bytes did not (a copy, a touch), a content hash
 *       still avoids parsing.
 * </ul>
 */
public final class HistoryImporter {
  /** Default largest file accepted: bigger ones are refused, not read (heap safety). */
  public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;

  private static final List<String> CHILD_TYPES = List.of(RecordTypes.MESSAGE,
      RecordTypes.UI_MESSAGE, RecordTypes.TOOL_CALL, RecordTypes.FILE_CONTEXT);
  /** Conversation fields the user owns in the store; a re-import keeps them. */
  private static final List<String> USER_FIELDS = List.of("privacy", "state");
  /** The task-list files read (and the only ones export writes), relative to a storage root. */
  static final List<String> HISTORY_FILES =
      List.of("state/taskHistory.json", "task_history.json");

  /** Receives progress: called before each task. */
  public interface Progress {
    void task(int done, int total, String taskId);
  }

  private final Tandem tandem;
  private final TaskMapper mapper;
  private final long maxFileBytes;

  /**
   * @param maxFileBytes the largest file read; bigger ones (task files and task lists) are
   *     refused without being opened and listed in {@link ImportReport#refused()}
   * @throws IllegalArgumentException if {@code maxFileBytes} is not positive
   */
  public HistoryImporter(Tandem tandem, long maxFileBytes) {
    this.tandem = Objects.requireNonNull(tandem, "tandem");
    this.maxFileBytes = requirePositive(maxFileBytes);
    this.mapper = new TaskMapper(maxFileBytes);
  }

  /** Checks an importer's file size limit (shared with {@link SessionImporter}). */
  static long requirePositive(long maxFileBytes) {
    if (maxFileBytes <= 0) {
      throw new IllegalArgumentException("maxFileBytes must be positive: " + maxFileBytes);
    }
    return maxFileBytes;
  }

  /**
   * A directory to scan: the task folders in it, the root holding the task list, and entries of
   * {@code tasks/} that are symbolic links (refused, never followed).
   */
  static final class ScanRoot {
    private final Path root;
    private final List<Path> taskFolders;
    private final List<Path> linkedFolders;

    ScanRoot(Path root, List<Path> taskFolders, List<Path> linkedFolders) {
      this.root = root;
      this.taskFolders = taskFolders;
      this.linkedFolders = linkedFolders;
    }

    Path root() {
      return root;
    }

    List<Path> taskFolders() {
      return taskFolders;
    }

    List<Path> linkedFolders() {
      return linkedFolders;
    }

    ScanRoot(Path root, List<Path> taskFolders) {
      this(root, taskFolders, List.of());
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof ScanRoot)) {
        return false;
      }
      ScanRoot o = (ScanRoot) other;
      return java.util.Objects.equals(root, o.root)
          && java.util.Objects.equals(taskFolders, o.taskFolders)
          && java.util.Objects.equals(linkedFolders, o.linkedFolders);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(root, taskFolders, linkedFolders);
    }

    @Override
    public String toString() {
      return "ScanRoot[" + "root=" + root + ", " + "taskFolders=" + taskFolders + ", "
          + "linkedFolders=" + linkedFolders + "]";
    }
  }

  /**
   * Finds the task folders of {@code dir}: a global-storage root (with {@code tasks/}), a {@code
   * tasks/} directory, a single task folder, or a workspace with a {@code .cline_storage/}.
   */
  static List<ScanRoot> resolve(Path dir) throws IOException {
    List<ScanRoot> out = new ArrayList<>();
    if (Files.isDirectory(dir.resolve(".cline_storage"))) {
      out.addAll(resolve(dir.resolve(".cline_storage")));
    }
    Path tasks;
    Path root;
    if (Files.isDirectory(dir.resolve("tasks"))) {
      root = dir;
      tasks = dir.resolve("tasks");
    } else if (TaskMapper.looksLikeTask(dir)) {
      Path parent = dir.toAbsolutePath().getParent();
      boolean inTasks = parent != null && parent.getFileName() != null
          && parent.getFileName().toString().equals("tasks");
      out.add(new ScanRoot(inTasks ? parent.getParent() : null, List.of(dir)));
      return out;
    } else {
      tasks = dir;
      Path abs = dir.toAbsolutePath();
      root = abs.getFileName() != null && abs.getFileName().toString().equals("tasks")
          ? abs.getParent() : dir;
    }
    List<Path> folders = new ArrayList<>();
    List<Path> links = new ArrayList<>();
    try (Stream<Path> s = Files.list(tasks)) {
      s.sorted().forEach(p -> {
        String n = p.getFileName().toString();
        // Roo's reconcile() ignores names starting with '_' or '.' (_index.json and the like).
        if (n.startsWith("_") || n.startsWith(".")) {
          return;
        }
        if (Files.isSymbolicLink(p)) {
          links.add(p);
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          folders.add(p);
        }
      });
    }
    if (!folders.isEmpty() || !links.isEmpty() || root != null) {
      out.add(new ScanRoot(root, folders, links));
    }
    return out;
  }

  /**
   * Imports everything under {@code dir}.
   *
   * @param forced the source, or null to detect it per task
   * @throws IOException if {@code dir} cannot be listed
   */
  public ImportReport importDir(Path dir, Source forced, Progress progress) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new java.nio.file.NoSuchFileException(dir.toString(), null, "not a directory");
    }
    Run run = new Run();
    List<ScanRoot> roots = resolve(dir);
    int total = roots.stream().mapToInt(r -> r.taskFolders().size()).sum();
    int done = 0;
    for (ScanRoot root : roots) {
      for (Path link : root.linkedFolders()) {
        run.refused.add(new ImportReport.Problem(link.getFileName().toString(), null,
            "task folder is a symbolic link; not followed"));
      }
      Map<String, TaskMapper.HistoryEntry> history = readHistory(root.root(), run);
      for (Path folder : root.taskFolders()) {
        if (progress != null) {
          progress.task(done, total, folder.getFileName().toString());
        }
        importTask(folder, forced, history.remove(folder.getFileName().toString()), run);
        done++;
      }
      for (Map.Entry<String, TaskMapper.HistoryEntry> e : history.entrySet()) {
        // A task in the list whose folder is gone (deleted, or not copied): keep its entry.
        importHistoryOnly(e.getKey(), forced == null ? Source.CLINE : forced, e.getValue(), run);
      }
    }
    if (progress != null) {
      progress.task(done, total, null);
    }
    return run.report();
  }

  /** Imports several directories into one report. */
  public ImportReport importDirs(List<Path> dirs, Source forced, Progress progress)
      throws IOException {
    ImportReport sum = null;
    for (Path d : dirs) {
      ImportReport r = importDir(d, forced, progress);
      sum = sum == null ? r : add(sum, r);
    }
    return sum == null
        ? new ImportReport(0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), List.of()) : sum;
  }

  private static ImportReport add(ImportReport a, ImportReport b) {
    List<ImportReport.Problem> p = new ArrayList<>(a.problems());
    p.addAll(b.problems());
    List<ImportReport.Problem> w = new ArrayList<>(a.warnings());
    w.addAll(b.warnings());
    List<ImportReport.Problem> f = new ArrayList<>(a.refused());
    f.addAll(b.refused());
    return new ImportReport(a.imported() + b.imported(), a.unchanged() + b.unchanged(),
        a.skipped() + b.skipped(), a.failed() + b.failed(),
        a.recordsWritten() + b.recordsWritten(), a.recordsDeleted() + b.recordsDeleted(),
        a.bytesRead() + b.bytesRead(), p, w, f);
  }

  private static final class Run {
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

    ImportReport report() {
      return new ImportReport(imported, unchanged, skipped, failed, written, deleted, bytes,
          List.copyOf(problems), List.copyOf(warnings), List.copyOf(refused));
    }
  }

  private Map<String, TaskMapper.HistoryEntry> readHistory(Path root, Run run) {
    Map<String, TaskMapper.HistoryEntry> out = new LinkedHashMap<>();
    if (root == null) {
      return out;
    }
    for (String rel : HISTORY_FILES) {
      Path f = root.resolve(rel);
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        continue; // absent
      }
      String why = a.isSymbolicLink() ? "symbolic link; not read"
          : a.isDirectory() ? "is a directory; not read"
          : !a.isRegularFile() ? "not a regular file (a FIFO, socket or device); not read"
          : a.size() > maxFileBytes ? "file is " + a.size() + " bytes, over the import limit of "
              + maxFileBytes + " bytes (raise it with --max-file-size); not read"
          : null;
      if (why != null) {
        run.refused.add(new ImportReport.Problem(null, f.toString(), "task list " + why));
        continue;
      }
      JsonNode list;
      try (InputStream in = TaskMapper.open(f, maxFileBytes)) {
        list = Json.MAPPER.readTree(in);
      } catch (IOException e) {
        run.problems.add(new ImportReport.Problem(null, f.toString(),
            "task list not read: " + TaskMapper.firstLine(e.getMessage())));
        continue;
      }
      if (list == null || !list.isArray()) {
        run.problems.add(new ImportReport.Problem(null, f.toString(),
            "task list not read: expected a JSON array of HistoryItems"));
        continue;
      }
      for (int i = 0; i < list.size(); i++) {
        JsonNode item = list.get(i);
        if (item.isObject() && item.hasNonNull("id")) {
          out.putIfAbsent(item.get("id").asText(),
              new TaskMapper.HistoryEntry((ObjectNode) item, rel, i));
        } else {
          run.warnings.add(new ImportReport.Problem(null, f.toString(),
              "entry " + i + " has no id; ignored"));
        }
      }
    }
    return out;
  }

  private void importTask(Path folder, Source forced, TaskMapper.HistoryEntry history, Run run) {
    String taskId = folder.getFileName().toString();
    TaskMapper.Listing listing;
    try {
      listing = TaskMapper.scan(folder, maxFileBytes);
    } catch (IOException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, null, "cannot list folder: " + e));
      return;
    }
    List<Path> files = listing.files();
    for (Map.Entry<String, String> r : listing.refused().entrySet()) {
      run.refused.add(new ImportReport.Problem(taskId, r.getKey(), r.getValue()));
    }
    if (files.isEmpty() && listing.refused().isEmpty()) {
      run.problems.add(new ImportReport.Problem(taskId, null, "empty folder, not a task; skipped"));
      return;
    }
    if (!TaskMapper.looksLikeTask(folder)) {
      run.problems.add(new ImportReport.Problem(taskId, null, "not a task folder (none of "
          + String.join(", ", TaskMapper.TASK_FILES) + "); skipped"));
      return;
    }
    if (files.stream().noneMatch(p -> TaskMapper.TASK_FILES.contains(p.getFileName().toString()))
        && !TaskMapper.TASK_FILES.stream().anyMatch(f -> Files.isDirectory(folder.resolve(f),
            LinkOption.NOFOLLOW_LINKS))) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, null, "not imported: every task file ("
          + String.join(", ", listing.refused().keySet()) + ") was refused, see above"));
      return;
    }
    Source keySource = forced != null ? forced
        : TaskMapper.detect(folder, files, null, null,
            Files.exists(folder.resolve(TaskMapper.HISTORY_ITEM_FILE)));
    String key = "import:" + keySource.id() + ":" + TaskMapper.conversationId(taskId);
    String stored = tandem.localState(key);
    String meta;
    try {
      meta = metaFingerprint(files, listing.refused(), history);
    } catch (TaskImportException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, e.file(), e.reason()));
      return;
    }
    if (stored != null && stored.startsWith(meta + ":")) {
      run.skipped++;
      return;
    }
    String content;
    try {
      content = contentHash(files, history);
    } catch (TaskImportException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, e.file(), e.reason()));
      return;
    }
    String fingerprint = meta + ":" + content;
    if (stored != null && stored.endsWith(":" + content)) {
      tandem.batch(b -> b.putLocalState(key, fingerprint));
      run.skipped++;
      return;
    }
    MappedTask mapped;
    try {
      mapped = mapper.map(folder, listing, forced, history);
    } catch (TaskImportException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, e.file(), e.reason()));
      return;
    }
    for (String w : mapped.warnings()) {
      run.warnings.add(new ImportReport.Problem(taskId, null, w));
    }
    for (Path p : files) {
      try {
        run.bytes += Files.size(p);
      } catch (IOException ignored) {
        // counted only for throughput figures
      }
    }
    write(taskId, mapped, listing.refused().keySet(), key, fingerprint, run);
  }

  private void importHistoryOnly(String taskId, Source source, TaskMapper.HistoryEntry h,
      Run run) {
    if (!dev.tandem.sync.Ids.isValidId(TaskMapper.conversationId(taskId))) {
      return;
    }
    String key = "import:" + source.id() + ":" + TaskMapper.conversationId(taskId);
    String fingerprint = "history:" + TaskMapper.sha256(
        Json.write(h.item()).concat("\n" + h.file() + "\n" + h.index())
            .getBytes(StandardCharsets.UTF_8));
    if (fingerprint.equals(tandem.localState(key))) {
      run.skipped++;
      return;
    }
    write(taskId, mapper.mapHistoryOnly(taskId, source, h), Set.of(), key, fingerprint, run);
  }

  /**
   * Writes one mapped task in one transaction: only what changed, plus deletions. What an earlier
   * import stored from a file refused now (a file that became a link or grew over the limit) is
   * kept: a refusal must not turn into tombstones on every device.
   */
  private void write(String taskId, MappedTask m, Set<String> refused, String key,
      String fingerprint, Run run) {
    String cid = m.conversationId();
    Map<String, Record> existing = new HashMap<>();
    for (String type : CHILD_TYPES) {
      for (Record r : tandem.store().history().listByConversation(type, cid)) {
        existing.put(type + "/" + r.id(), r);
      }
    }
    LocalRecord conv = tandem.store().get(RecordTypes.CONVERSATION, cid);
    Record existingConv = conv == null || conv.current().deleted() ? null : conv.current();
    ObjectNode convData = m.conversation();
    if (existingConv != null) {
      ObjectNode old = existingConv.data();
      for (String f : USER_FIELDS) {
        if (old.has(f)) {
          convData.set(f, old.get(f));
        }
      }
      JsonNode oldFiles = old.path(TaskMapper.TANDEM).path("files");
      JsonNode newFiles = convData.path(TaskMapper.TANDEM).path("files");
      if (!refused.isEmpty() && newFiles.isObject()) {
        for (String name : refused) {
          if (oldFiles.has(name)) {
            ((ObjectNode) newFiles).set(name, oldFiles.get(name));
          }
        }
      }
    }
    if (!refused.isEmpty()) {
      existing.values().removeIf(r -> fromRefused(r, refused));
    }
    int[] counts = new int[2];
    String[] failedFile = new String[1];
    try {
      tandem.batch(b -> {
        if (putIfChanged(b, RecordTypes.CONVERSATION, cid, convData, existingConv)) {
          counts[0]++;
        }
        for (TaskRecord r : m.records()) {
          failedFile[0] = r.data().path(TaskMapper.TANDEM).path("file").asText(null);
          if (putIfChanged(b, r.type(), r.id(), r.data(), existing.remove(r.key()))) {
            counts[0]++;
          }
        }
        failedFile[0] = null;
        for (Record gone : existing.values()) {
          if (b.delete(gone.type(), gone.id())) {
            counts[1]++;
          }
        }
        b.putLocalState(key, fingerprint);
      });
    } catch (RuntimeException e) {
      run.failed++;
      run.problems.add(new ImportReport.Problem(taskId, failedFile[0],
          "not imported: " + e.getMessage()));
      return;
    }
    if (counts[0] + counts[1] == 0) {
      run.unchanged++;
    } else {
      run.imported++;
    }
    run.written += counts[0];
    run.deleted += counts[1];
  }

  private static boolean fromRefused(Record r, Set<String> refused) {
    JsonNode meta;
    try {
      meta = r.data().path(TaskMapper.TANDEM);
    } catch (RuntimeException e) {
      return true; // unreadable: keeping it is the side that loses nothing
    }
    if (meta.path("file").isTextual() && refused.contains(meta.get("file").asText())) {
      return true;
    }
    // tool calls are derived from the api history (or a legacy file holding it)
    return r.type().equals(RecordTypes.TOOL_CALL) && (refused.contains(TaskMapper.API_FILE)
        || refused.contains(TaskMapper.LEGACY_FILE));
  }

  private static boolean putIfChanged(dev.tandem.sync.WriteBatch b, String type, String id,
      ObjectNode data, Record existing) {
    String json = Json.write(data);
    if (existing != null && !existing.deleted()
        && (existing.json().equals(json) || existing.data().equals(data))) {
      return false;
    }
    b.put(type, id, json);
    return true;
  }

  // ---- fingerprints ----

  private static String metaFingerprint(List<Path> files, Map<String, String> refused,
      TaskMapper.HistoryEntry h) throws TaskImportException {
    StringBuilder sb = new StringBuilder("v").append(TaskMapper.MAPPING_VERSION);
    for (Map.Entry<String, String> r : refused.entrySet()) {
      // a refusal that ends (the link replaced by the real file) must trigger a re-import
      sb.append("\nrefused\t").append(r.getKey()).append('\t').append(r.getValue());
    }
    for (Path p : files) {
      try {
        sb.append('\n').append(p.getFileName()).append('\t').append(Files.size(p)).append('\t')
            .append(Files.getLastModifiedTime(p).toMillis());
      } catch (IOException e) {
        throw new TaskImportException(p.getFileName().toString(), "cannot read: " + e, e);
      }
    }
    appendHistory(sb, h);
    return TaskMapper.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32);
  }

  private static void appendHistory(StringBuilder sb, TaskMapper.HistoryEntry h) {
    if (h != null) {
      sb.append("\nhistory\t").append(h.file()).append('\t').append(h.index()).append('\t')
          .append(Json.write(h.item()));
    }
  }

  private static String contentHash(List<Path> files, TaskMapper.HistoryEntry h)
      throws TaskImportException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    byte[] buf = new byte[1 << 16];
    for (Path p : files) {
      md.update(p.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      try (InputStream in = TaskMapper.open(p, Long.MAX_VALUE)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      } catch (IOException e) {
        throw new TaskImportException(p.getFileName().toString(), "cannot read: " + e, e);
      }
      md.update((byte) 0);
    }
    StringBuilder sb = new StringBuilder();
    appendHistory(sb, h);
    md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    return Hex.of(md.digest()).substring(0, 32);
  }
}
