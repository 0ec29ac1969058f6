package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Conflict;
import dev.tandem.sync.Record;
import dev.tandem.sync.RecordTypes;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncResult;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.protocol.Op;
import dev.tandem.sync.spi.LocalRecord;
import dev.tandem.sync.spi.OutboxEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sync", mixinStandardHelpOptions = true, description = {"Syncs with the server.",
    "Reads the server, team, device and token from the config written by tandem init "
        + "(--config); a missing or incomplete config is exit code 1."},
    subcommands = {SyncCommand.Now.class, SyncCommand.Status.class, SyncCommand.Retry.class,
        SyncCommand.Watch.class})
final class SyncCommand extends BaseCommand {
  /**
   * Host state key of the last error of a CLI sync. The engine keeps its last error in memory
   * only, and every CLI command is a new process: {@code sync status} would never see it.
   */
  static final String LAST_ERROR_KEY = "cli.last_sync_error";

  /** How long {@code sync status} waits for {@code /health}. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  /** How many refused changes {@code sync status} lists with their reasons. */
  static final int MAX_FAILED_SHOWN = 20;

  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  /** The config named by {@code --config}; throws (exit 1, naming the file) if unusable. */
  static CliConfig config(BaseCommand c) {
    return CliConfig.read(c.root().configPath().toAbsolutePath());
  }

  static void rememberError(Tandem tandem, String error) {
    tandem.batch(b -> b.putLocalState(LAST_ERROR_KEY, error));
  }

  /** A change the server refused, with its reason. */
  record FailedEntry(String type, String id, String error) {}

  /** Lists parked entries with their reasons, oldest first. */
  static List<FailedEntry> failedEntries(Tandem tandem, int limit) {
    List<FailedEntry> out = new ArrayList<>();
    for (OutboxEntry e : tandem.failedEntries(limit)) {
      out.add(new FailedEntry(e.type(), e.entityId(), e.errorMessage()));
    }
    return out;
  }

  /** The message of what stopped a run or failed last, or null. */
  static String message(SyncException e) {
    return e == null ? null : e.getMessage();
  }

  static String iso(long millis) {
    return millis <= 0 ? null : Instant.ofEpochMilli(millis).toString();
  }

  /** Prints a sync result; returns the exit code. */
  static int report(BaseCommand c, Tandem tandem, SyncResult r, boolean json, ObjectNode extra) {
    String error = message(r.failure());
    if (error == null && r.failed() > 0) {
      List<FailedEntry> f = failedEntries(tandem, 1);
      error = r.failed() + " change(s) refused by the server"
          + (f.isEmpty() ? "" : ", e.g. " + f.get(0).type() + " " + f.get(0).id() + ": "
              + f.get(0).error());
    }
    rememberError(tandem, error);
    if (json) {
      ObjectNode o = Json.object();
      if (extra != null) {
        o.setAll(extra);
      }
      o.put("ok", r.ok());
      o.put("pushed", r.pushed());
      o.put("pulled", r.pulled());
      o.put("failed", r.failed());
      ArrayNode a = o.putArray("conflicts");
      for (Conflict k : r.conflicts()) {
        ObjectNode x = a.addObject();
        x.put("type", k.type());
        x.put("id", k.id());
        x.put("path", k.path());
        x.put("resolution", k.resolution());
      }
      if (r.failure() != null) {
        o.put("error", r.failure().getMessage());
      }
      c.printJson(o);
    } else if (r.ok() || movedAnything(r)) {
      // A run that failed before moving anything prints no "pushed 0, pulled 0" on stdout, as
      // if it had worked: the reason goes to stderr alone.
      c.out().println("pushed " + r.pushed() + ", pulled " + r.pulled() + ", failed "
          + r.failed() + ", conflicts " + r.conflicts().size());
      for (Conflict k : r.conflicts()) {
        c.out().println("  conflict " + k.type() + " " + k.id()
            + (k.path() == null || k.path().isEmpty() ? "" : " " + k.path())
            + ": " + k.resolution());
      }
      if (r.failed() > 0) {
        c.out().println("  " + r.failed() + " change(s) refused by the server; "
            + "tandem sync status shows them, tandem sync retry sends them again");
      }
      c.out().flush();
    }
    if (!r.ok()) {
      String failure = message(r.failure());
      c.err().println("tandem: sync failed: " + failure + hint(failure));
      c.err().flush();
      return 1;
    }
    return 0;
  }

  static boolean movedAnything(SyncResult r) {
    return r.pushed() > 0 || r.pulled() > 0 || r.failed() > 0 || !r.conflicts().isEmpty();
  }

  /** What to do about a refused token; the transport names the status as "HTTP 401". */
  static String hint(String error) {
    if (error == null) {
      return "";
    }
    if (error.contains("HTTP 401")) {
      return " (the server refused the token: it is unknown, revoked, replaced or expired;"
          + " create a new one with tandem token create, then run tandem init again)";
    }
    if (error.contains("HTTP 403")) {
      return " (the token belongs to another team or device: run tandem init with the team"
          + " and device it was created for)";
    }
    return "";
  }

  @Command(name = "now", mixinStandardHelpOptions = true,
      description = {"Pushes then pulls once; prints what moved.",
          "Exit code 1 if the server cannot be reached or refuses (the error is printed); local "
              + "changes stay queued."})
  static final class Now extends BaseCommand {
    @Mixin CompressionOption compression;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = config(this);
      try (Tandem tandem = config.open(root(), false, compression.compression)) {
        return report(this, tandem, tandem.syncNow(), json, null);
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Pending, failed, last sync, last error, online/offline.",
          "Does not sync: online/offline comes from a quick GET /health of the server."})
  static final class Status extends BaseCommand {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = config(this);
      SyncStatus s;
      String lastError;
      List<FailedEntry> failed;
      try (Tandem tandem = config.open(root(), false)) {
        s = tandem.status();
        lastError = s.failure() != null ? s.failure().getMessage()
            : tandem.localState(LAST_ERROR_KEY);
        failed = failedEntries(tandem, MAX_FAILED_SHOWN);
      }
      CliConfig.Health h = CliConfig.health(config.server(), PROBE_TIMEOUT);
      if (json) {
        ObjectNode o = Json.object();
        o.put("server", config.server().toString());
        o.put("team", config.team());
        o.put("device", config.device());
        o.put("online", h.ok);
        o.put("pending", s.pending());
        o.put("failed", s.failed());
        o.put("lastSyncAt", iso(s.lastSyncAt()));
        o.put("lastError", lastError);
        if (!h.ok) {
          o.put("offlineReason", h.error);
        }
        ArrayNode a = o.putArray("failedChanges");
        for (FailedEntry f : failed) {
          a.addObject().put("type", f.type()).put("id", f.id()).put("error", f.error());
        }
        printJson(o);
        return 0;
      }
      out().println("server     " + config.server() + " (team " + config.team() + ", device "
          + config.device() + ")");
      out().println("connection " + (h.ok ? "online" : "offline: " + h.error));
      out().println("pending    " + s.pending());
      out().println("failed     " + s.failed()
          + (s.failed() > 0 ? " (tandem sync retry sends them again)" : ""));
      for (FailedEntry f : failed) {
        out().println("  " + f.type() + " " + f.id() + ": " + f.error());
      }
      if (s.failed() > failed.size() && !failed.isEmpty()) {
        out().println("  …");
      }
      String last = iso(s.lastSyncAt());
      out().println("last sync  " + (last == null ? "never" : last));
      out().println("last error " + (lastError == null ? "-" : lastError));
      out().flush();
      return 0;
    }
  }

  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = {"Moves failed entries back to pending, then syncs.",
          "Exit code 1 if the sync fails."})
  static final class Retry extends BaseCommand {
    @Mixin CompressionOption compression;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = config(this);
      try (Tandem tandem = config.open(root(), false, compression.compression)) {
        int moved = tandem.retryFailed();
        if (!json) {
          out().println("moved " + moved + " failed change(s) back to pending");
        }
        ObjectNode extra = Json.object();
        extra.put("retried", moved);
        return report(this, tandem, tandem.syncNow(), json, extra);
      }
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = {"Stays connected and prints one line per arriving change, until Ctrl-C.",
          "Text: op type id [conversation]. --json: one object per line with type, id, op "
              + "(upsert|delete), hlc and, for records of a conversation, conversationId. "
              + "Connection changes go to stderr. Local changes are pushed meanwhile."})
  static final class Watch extends BaseCommand {
    @Mixin CompressionOption compression;
    @Option(names = "--json", description = "One JSON object per line.") boolean json;

    // Bounds for tests and scripts; not part of the documented interface.
    @Option(names = "--max-changes", hidden = true, defaultValue = "0") int maxChanges;
    @Option(names = "--max-millis", hidden = true, defaultValue = "0") long maxMillis;

    @Override
    public Integer call() throws InterruptedException {
      CliConfig config = config(this);
      CountDownLatch stop = new CountDownLatch(1);
      AtomicInteger seen = new AtomicInteger();
      // Callbacks run on our own thread: they look records up in the store, which must not
      // happen on the engine's thread.
      ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tandem-watch");
        t.setDaemon(true);
        return t;
      });
      Tandem tandem = config.open(root(), true, compression.compression);
      Thread hook = new Thread(() -> {
        stop.countDown();
        tandem.close();
      }, "tandem-watch-shutdown");
      boolean hooked = addHook(hook);
      boolean interrupted = false;
      try {
        AtomicReference<SyncStatus.Mode> lastMode = new AtomicReference<>();
        tandem.addListener(new SyncListener() {
          @Override
          public void onRemoteChange(Record record) {
            if (stop.getCount() == 0) {
              return;
            }
            print(tandem, record);
            if (maxChanges > 0 && seen.incrementAndGet() >= maxChanges) {
              stop.countDown();
            }
          }

          @Override
          public void onStatus(SyncStatus status) {
            if (status.mode() != lastMode.getAndSet(status.mode())) {
              err().println("tandem: " + describe(status));
              err().flush();
            }
          }
        }, callbacks);
        err().println("tandem: watching " + config.server() + " as " + config.device()
            + " (Ctrl-C to stop)");
        err().flush();
        if (maxMillis > 0) {
          stop.await(maxMillis, TimeUnit.MILLISECONDS);
        } else {
          stop.await();
        }
      } catch (InterruptedException e) {
        // Interrupted (in-process callers): stop like Ctrl-C. The flag is restored after the
        // close below, which waits briefly for a sync in flight.
        interrupted = true;
      } finally {
        stop.countDown();
        tandem.close();
        callbacks.shutdown();
        try {
          callbacks.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
        if (hooked) {
          removeHook(hook);
        }
        out().flush();
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      return 0;
    }

    private void print(Tandem tandem, Record r) {
      String conversationId = null;
      if (RecordTypes.belongsToConversation(r.type())) {
        conversationId = conversationIdOf(tandem, r);
      }
      String op = Op.of(r.deleted()).wireName();
      if (json) {
        ObjectNode o = Json.object();
        o.put("type", r.type());
        o.put("id", r.id());
        o.put("op", op);
        o.put("hlc", r.hlc().toString());
        if (conversationId != null) {
          o.put("conversationId", conversationId);
        }
        out().println(Json.write(o));
      } else {
        out().println(op + " " + r.type() + " " + r.id()
            + (conversationId == null ? "" : " (conversation " + conversationId + ")"));
      }
      out().flush();
    }

    /**
     * A tombstone has no data: the stored version or its last agreed base may still know the
     * conversation. After a remote delete both can be tombstones; then it is unknown (omitted).
     */
    private static String conversationIdOf(Tandem tandem, Record r) {
      if (!r.deleted()) {
        return r.data().path("conversationId").asText(null);
      }
      try {
        LocalRecord lr = tandem.store().get(r.type(), r.id());
        if (lr == null) {
          return null;
        }
        for (Record v : new Record[] {lr.current(), lr.base()}) {
          if (v != null && !v.deleted()) {
            return v.data().path("conversationId").asText(null);
          }
        }
      } catch (RuntimeException e) {
        // Closed while shutting down: the line is still worth printing without it.
      }
      return null;
    }

    private static String describe(SyncStatus s) {
      switch (s.mode()) {
        case LIVE:
          return "live";
        case POLLING:
          return "connected (polling)";
        case OFFLINE:
          return "offline" + (s.failure() == null ? "" : ": " + s.failure().getMessage())
              + " (retrying)";
        default:
          return s.mode().toString().toLowerCase(java.util.Locale.ROOT);
      }
    }
  }

  static boolean addHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException e) {
      return false; // already shutting down
    }
  }

  static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Shutting down: the hook is running or ran.
    }
  }
}
