package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Clock;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.spi.StoreConfig;
import dev.tandem.sync.sqlite.HybridStorageBackend;
import dev.tandem.sync.sqlite.MigrationStatus;
import dev.tandem.sync.sqlite.Migrator;
import java.nio.file.Path;
import java.util.Collections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "db", mixinStandardHelpOptions = true, description = "The local schema's migrations.",
    subcommands = {DbCommand.Migrate.class, DbCommand.Status.class, DbCommand.Rollback.class})
final class DbCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(err());
    return 2;
  }

  /** Opens the database without migrating it: these commands manage the schema themselves. */
  abstract static class DbBase extends BaseCommand {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    HybridStorageBackend openRaw() throws Exception {
      Path p = root().preparedDbPath();
      return HybridStorageBackend.open(new StoreConfig(p, StoreConfig.DEFAULT_MAX_RECORD_BYTES,
          false, Clock.SYSTEM, Collections.emptySet()), false);
    }

    void report(Migrator m, String action, int changed) {
      if (json) {
        ObjectNode o = Json.object();
        if (action != null) {
          o.put(action, changed);
        }
        o.put("current", m.currentVersion());
        o.put("latest", m.latestVersion());
        ArrayNode a = o.putArray("migrations");
        for (MigrationStatus s : m.status()) {
          a.addObject().put("version", s.version()).put("description", s.description())
              .put("state", s.state().name().toLowerCase())
              .put("executedAt", s.executedAt());
        }
        printJson(o);
        return;
      }
      if (action != null) {
        out().println(action + " " + changed + " migration(s)");
      }
      out().println("schema version " + m.currentVersion() + " (latest " + m.latestVersion()
          + ")");
      for (MigrationStatus s : m.status()) {
        out().printf("  %3d  %-17s %s%n", s.version(), s.state().name().toLowerCase(),
            s.description());
      }
      out().flush();
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Migrates the local schema to the latest (or --to) version.")
  static final class Migrate extends DbBase {
    @Option(names = "--to", paramLabel = "VERSION") Integer to;

    @Override
    public Integer call() throws Exception {
      try (HybridStorageBackend store = openRaw()) {
        Migrator m = store.migrations();
        int n = to == null ? m.migrate() : m.migrate(to);
        report(m, "applied", n);
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Current and latest schema version, and each migration's state.")
  static final class Status extends DbBase {
    @Override
    public Integer call() throws Exception {
      try (HybridStorageBackend store = openRaw()) {
        report(store.migrations(), null, 0);
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Rolls the local schema back to VERSION (0 = empty).")
  static final class Rollback extends DbBase {
    @Option(names = "--to", required = true, paramLabel = "VERSION") int to;

    @Override
    public Integer call() throws Exception {
      try (HybridStorageBackend store = openRaw()) {
        Migrator m = store.migrations();
        int n = m.rollback(to);
        report(m, "rolled back", n);
      }
      return 0;
    }
  }
}
