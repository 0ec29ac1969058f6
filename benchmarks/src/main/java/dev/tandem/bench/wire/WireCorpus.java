package dev.tandem.bench.wire;

import dev.tandem.sync.Tandem;
import dev.tandem.sync.history.HistoryImporter;
import dev.tandem.sync.history.SessionImporter;
import dev.tandem.sync.history.Source;
import dev.tandem.sync.protocol.Change;
import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PullResponse;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.protocol.PushResponse;
import dev.tandem.sync.spi.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Agent history turned into the JSON the wire carries: each unit (one repository's Roo/Cline
 * task folders with its task list, or one Claude Code, Codex or Continue session) is imported by
 * the real importers into a fresh local store, pushed through a transport that keeps the request
 * bodies ({@code ProtocolCodec.writePushRequest}, exactly what {@code OkHttpTransport} sends), and
 * the same changes are served back as pull pages of 500 ({@code writePullResponse}, as the server
 * writes them). Clock, device id and batch ids are fixed so that the bytes are the same on every
 * run.
 */
final class WireCorpus {
  static final int PULL_PAGE = 500;
  static final int PUSH_BATCH = 1000;
  private static final long EPOCH = 1_767_225_600_000L; // 2026-01-01, any fixed instant

  /** The wire bodies of one unit. */
  static final class Unit {
    final String name;
    final boolean heldOut;
    final List<byte[]> pushes;
    final List<byte[]> pulls;
    /** The changes as a pull serves them (with seq and origin device), in push order. */
    final List<Change> served;

    Unit(String name, boolean heldOut, List<byte[]> pushes, List<byte[]> pulls,
        List<Change> served) {
      this.name = name;
      this.heldOut = heldOut;
      this.pushes = pushes;
      this.pulls = pulls;
      this.served = served;
    }

    /**
     * The live shape: each change pushed alone, as a device sends a message the moment the
     * agent writes it, and pulled alone by the other device.
     */
    List<byte[]> livePushes() {
      List<byte[]> out = new ArrayList<>();
      for (Change c : served) {
        Change sent = new Change(c.type(), c.id(), c.op(), c.hlc(), null, c.data(), 0, null);
        out.add(ProtocolCodec.writePushRequest(new PushRequest(
            String.format("live-%06d", c.seq()), "device-a", List.of(sent))));
      }
      return out;
    }

    List<byte[]> livePulls() {
      List<byte[]> out = new ArrayList<>();
      for (Change c : served) {
        out.add(ProtocolCodec.writePullResponse(new PullResponse(List.of(c),
            Long.toString(c.seq()), false, EPOCH)));
      }
      return out;
    }

    long rawBytes() {
      return Stream.concat(pushes.stream(), pulls.stream()).mapToLong(b -> b.length).sum();
    }
  }

  private WireCorpus() {}

  /**
   * Builds the units of a corpus laid out as {@code sync-history/src/test/resources}: {@code
   * corpus/tasks/<owner>__<repo>__<taskId>/}, {@code corpus/global/<owner>__<repo>/} and {@code
   * sessions/{claude-code,codex,continue}/}. Every third unit of each kind, in name order, is
   * held out from training.
   */
  static List<Unit> build(Path resources, Path work) throws IOException {
    List<Unit> out = roo(resources.resolve("corpus/tasks"), resources.resolve("corpus/global"),
        Set.of(), work);
    out.addAll(sessions(resources.resolve("sessions/claude-code"), work, Source.CLAUDE_CODE,
        ".jsonl"));
    out.addAll(sessions(resources.resolve("sessions/codex"), work, Source.CODEX, ".jsonl"));
    out.addAll(sessions(resources.resolve("sessions/continue"), work, Source.CONTINUE, ".json"));
    return out;
  }

  /**
   * The Roo/Cline units of another corpus laid out as {@code tasks/<owner>__<repo>__<taskId>/},
   * leaving out the task folders whose names are in {@code skip} (those trained on), and without
   * task lists. All of them count as held out.
   */
  static List<Unit> otherTasks(Path tasks, Set<String> skip, Path work) throws IOException {
    List<Unit> out = new ArrayList<>();
    for (Unit u : roo(tasks, work.resolve("no-task-lists"), skip, work)) {
      out.add(new Unit(u.name, true, u.pushes, u.pulls, u.served));
    }
    return out;
  }

  private static List<Unit> roo(Path tasks, Path global, Set<String> skip, Path work)
      throws IOException {
    List<Unit> out = new ArrayList<>();
    Map<String, List<Path>> repos = new TreeMap<>();
    if (Files.isDirectory(tasks)) {
      for (Path task : list(tasks)) {
        String name = task.getFileName().toString();
        if (skip.contains(name)) {
          continue;
        }
        int cut = name.lastIndexOf("__");
        repos.computeIfAbsent(name.substring(0, cut), k -> new ArrayList<>()).add(task);
      }
    }
    if (Files.isDirectory(global)) {
      for (Path g : list(global)) {
        repos.computeIfAbsent(g.getFileName().toString(), k -> new ArrayList<>());
      }
    }
    int i = 0;
    for (Map.Entry<String, List<Path>> repo : repos.entrySet()) {
      Path home = Files.createTempDirectory(work, "roo-" + i + "-");
      layOutRepo(repo.getValue(), global.resolve(repo.getKey()), home);
      out.add(unit("roo:" + repo.getKey(), i % 3 == 2, home,
          t -> new HistoryImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
              .importDir(home, null, null)));
      i++;
    }
    return out;
  }

  /** Each session file is a unit, copied alone (with its subagent folder) into an agent home. */
  private static List<Unit> sessions(Path agentHome, Path work, Source source, String suffix)
      throws IOException {
    List<Unit> out = new ArrayList<>();
    if (!Files.isDirectory(agentHome)) {
      return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(agentHome)) {
      files = s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(p -> !p.toString().contains("/subagents/"))
          .filter(p -> !p.getFileName().toString().equals("sessions.json"))
          .filter(p -> !p.getFileName().toString().equals("session_index.jsonl"))
          .sorted(Comparator.comparing(Path::toString))
          .collect(Collectors.toList());
    }
    int i = 0;
    for (Path f : files) {
      Path home = work.resolve(source.name().toLowerCase() + "-" + i);
      Path rel = agentHome.relativize(f);
      Files.createDirectories(home.resolve(rel).getParent());
      Files.copy(f, home.resolve(rel));
      String stem = f.getFileName().toString().replace(suffix, "");
      Path sub = f.resolveSibling(stem);
      if (Files.isDirectory(sub)) {
        copyTree(sub, home.resolve(rel).resolveSibling(stem));
      }
      out.add(unit(source.name().toLowerCase() + ":" + stem, i % 3 == 2, home,
          t -> new SessionImporter(t, HistoryImporter.DEFAULT_MAX_FILE_BYTES)
              .importDir(home, source)));
      i++;
    }
    return out;
  }

  /** One repository's task folders under {@code tasks/<taskId>}, its task list where Cline keeps it. */
  private static void layOutRepo(List<Path> taskFolders, Path globalDir, Path home)
      throws IOException {
    for (Path task : taskFolders) {
      String name = task.getFileName().toString();
      copyTree(task, home.resolve("tasks").resolve(name.substring(name.lastIndexOf("__") + 2)));
    }
    if (Files.isDirectory(globalDir)) {
      for (Path f : list(globalDir)) {
        String n = f.getFileName().toString();
        Path to = n.equals("taskHistory.json") ? home.resolve("state/taskHistory.json")
            : home.resolve(n);
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
    Files.createDirectories(home.resolve("tasks"));
  }

  private interface Import {
    void into(Tandem t) throws IOException;
  }

  private static Unit unit(String name, boolean heldOut, Path home, Import importer)
      throws IOException {
    Capture capture = new Capture();
    long[] now = {EPOCH};
    try (Tandem t = Tandem.builder().database(home.resolve("wire.db")).deviceId("device-a")
        .transport(capture).clock(() -> now[0]).autoSync(false).live(false).build()) {
      importer.into(t);
      t.syncNow();
    }
    List<Change> served = new ArrayList<>();
    long seq = 0;
    for (PushRequest p : capture.pushes) {
      for (Change c : p.changes()) {
        served.add(new Change(c.type(), c.id(), c.op(), c.hlc(), null, c.data(), ++seq,
            "device-a"));
      }
    }
    return new Unit(name, heldOut, capture.bodies, pullPages(served), served);
  }

  /**
   * A unit made of given changes: pushed in batches of {@value #PUSH_BATCH} (the engine's
   * backlog batch), pulled in pages of {@value #PULL_PAGE}.
   */
  static Unit fromServed(String name, boolean heldOut, List<Change> served) {
    List<byte[]> pushes = new ArrayList<>();
    for (int from = 0; from < served.size(); from += PUSH_BATCH) {
      List<Change> batch = new ArrayList<>();
      for (Change c : served.subList(from, Math.min(served.size(), from + PUSH_BATCH))) {
        batch.add(new Change(c.type(), c.id(), c.op(), c.hlc(), null, c.data(), 0, null));
      }
      pushes.add(ProtocolCodec.writePushRequest(new PushRequest(
          String.format("batch-%06d", pushes.size() + 1), "device-a", batch)));
    }
    return new Unit(name, heldOut, pushes, pullPages(served), served);
  }

  private static List<byte[]> pullPages(List<Change> served) {
    List<byte[]> pulls = new ArrayList<>();
    for (int from = 0; from < served.size(); from += PULL_PAGE) {
      int to = Math.min(served.size(), from + PULL_PAGE);
      pulls.add(ProtocolCodec.writePullResponse(new PullResponse(served.subList(from, to),
          Long.toString(served.get(to - 1).seq()), to < served.size(), EPOCH)));
    }
    return pulls;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().collect(Collectors.toList());
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s.sorted()::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /** Accepts every batch and keeps its body; the batch id is renumbered to be deterministic. */
  private static final class Capture implements Transport {
    final List<PushRequest> pushes = new ArrayList<>();
    final List<byte[]> bodies = new ArrayList<>();

    @Override
    public PushResponse push(PushRequest request) {
      PushRequest fixed = new PushRequest(String.format("batch-%06d", pushes.size() + 1),
          request.deviceId(), request.changes());
      pushes.add(fixed);
      bodies.add(ProtocolCodec.writePushRequest(fixed));
      Map<String, Integer> synced = new LinkedHashMap<>();
      for (Change c : request.changes()) {
        synced.merge(c.type(), 1, Integer::sum);
      }
      return new PushResponse(true, synced, List.of(), List.of(), null);
    }

    @Override
    public PullResponse pull(String cursor, int limit) {
      return new PullResponse(List.of(), cursor, false, EPOCH);
    }

    @Override
    public void health() {}

    @Override
    public void close() {}
  }
}
