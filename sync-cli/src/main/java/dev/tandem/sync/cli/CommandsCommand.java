package dev.tandem.sync.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.CommandInfo;
import dev.tandem.sync.CommandOptions;
import dev.tandem.sync.CommandUpdate;
import dev.tandem.sync.Device;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.internal.Json;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code tandem devices}, {@code tandem send} and {@code tandem commands} (CLI.md). */
final class CommandsCommand {
  /** How long {@code send} without {@code --wait} waits for the server to take the command. */
  static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(15);

  private CommandsCommand() {}

  @Command(name = "devices", mixinStandardHelpOptions = true,
      description = "The team's devices: name, platform, online, last seen.")
  static final class Devices extends BaseCommand {
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = SyncCommand.config(this);
      List<Device> devices;
      try (Tandem tandem = config.open(root(), false)) {
        devices = tandem.devices().list();
      }
      if (json) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Device d : devices) {
          a.addObject().put("deviceId", d.deviceId()).put("name", d.name())
              .put("platform", d.platform()).put("appVersion", d.appVersion())
              .put("online", d.online()).put("lastSeenAt", d.lastSeenAt())
              .put("createdAt", d.createdAt()).put("self", d.deviceId().equals(config.device()));
        }
        ObjectNode o = Json.object();
        o.set("devices", a);
        printJson(o);
        return 0;
      }
      for (Device d : devices) {
        out().printf("%-24s %-20s %-10s %-7s %s%s%n", d.deviceId(), dash(d.name()),
            dash(d.platform()), d.online() ? "online" : "offline", "last seen "
                + time(d.lastSeenAt()), d.deviceId().equals(config.device()) ? "  (this device)"
                : "");
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "send", mixinStandardHelpOptions = true,
      description = {"Sends a remote command to another device of the team.",
          "Without --wait it returns once the server has queued the command; with --wait it "
              + "prints each status and output as they arrive and exits 0 if the command "
              + "succeeded, 1 otherwise."})
  static final class Send extends BaseCommand {
    @Option(names = "--to", required = true, paramLabel = "DEVICE",
        description = "The target device's id.") String to;
    @Parameters(index = "0", paramLabel = "TYPE",
        description = "The command type, e.g. agent.prompt.") String type;
    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON",
        description = "The payload, a JSON object (default {}).") String payload;
    @Option(names = "--priority", paramLabel = "N", defaultValue = "5",
        description = "0-9, higher first (default 5).") int priority;
    @Option(names = "--ttl", paramLabel = "DURATION",
        description = "How long it may wait for the target: 30s, 10m, 2h, 7d (default 1d).")
    String ttl;
    @Option(names = "--key", paramLabel = "K",
        description = "Conflict key: supersedes a queued command with the same key and target.")
    String key;
    @Option(names = "--wait", description = "Print progress and the result as they arrive.")
    boolean await;
    @Option(names = "--json", description = "One JSON object per line.") boolean json;
    // A bound for tests and scripts; not part of the documented interface.
    @Option(names = "--max-wait-millis", hidden = true, defaultValue = "0") long maxWaitMillis;

    @Override
    public Integer call() throws InterruptedException {
      CommandOptions options;
      try {
        options = CommandOptions.defaults().priority(priority).conflictKey(key)
            .commandId(UUID.randomUUID().toString());
        if (ttl != null) {
          options = options.ttl(TokenCommand.parseDuration(ttl));
        }
        if (payload != null && !Json.parse(payload).isObject()) {
          throw new IllegalArgumentException("the payload must be a JSON object");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      CliConfig config = SyncCommand.config(this);
      String id = options.commandId();
      // Live only while waiting: the updates come over the WebSocket as they happen.
      try (Tandem tandem = config.open(root(), await)) {
        CompletableFuture<CommandUpdate> done = tandem.commands().send(to, type, payload,
            options.onProgress(u -> print(u)));
        if (!await) {
          return accepted(tandem, id, done);
        }
        try {
          CommandUpdate end = maxWaitMillis > 0
              ? done.get(maxWaitMillis, TimeUnit.MILLISECONDS) : done.get();
          print(end);
          return "succeeded".equals(end.status()) ? 0 : 1;
        } catch (ExecutionException e) {
          throw refused(e);
        } catch (TimeoutException e) {
          err().println("tandem: no final status within " + maxWaitMillis + " ms; see tandem "
              + "commands show " + id);
          return 1;
        }
      }
    }

    /** Waits until the server has the command (or refused it) and says so. */
    private int accepted(Tandem tandem, String id, CompletableFuture<CommandUpdate> done)
        throws InterruptedException {
      long deadline = System.nanoTime() + ACCEPT_TIMEOUT.toNanos();
      TransportException last = null;
      while (System.nanoTime() < deadline) {
        if (done.isCompletedExceptionally()) {
          try {
            done.get();
          } catch (ExecutionException e) {
            throw refused(e);
          }
        }
        try {
          CommandInfo c = tandem.commands().get(id);
          if (c != null) {
            if (json) {
              ObjectNode o = Json.object();
              o.put("commandId", id);
              o.put("status", c.status());
              out().println(Json.write(o));
            } else {
              out().println(id + " " + c.status());
            }
            out().flush();
            return 0;
          }
        } catch (TransportException e) {
          last = e;
        }
        Thread.sleep(100);
      }
      err().println("tandem: the server did not take the command " + id
          + (last == null ? "" : " (" + last.getMessage() + ")")
          + "; it is kept and sent by the next tandem command that reaches the server");
      return 1;
    }

    private RuntimeException refused(ExecutionException e) {
      Throwable cause = e.getCause();
      return cause instanceof RuntimeException ? (RuntimeException) cause
          : new IllegalStateException(String.valueOf(cause), cause);
    }

    private void print(CommandUpdate u) {
      if (json) {
        ObjectNode o = Json.object();
        o.put("commandId", u.commandId());
        o.put("status", u.status());
        if (u.output() != null) {
          o.set("output", Json.parse(u.output()));
        } else {
          o.putNull("output");
        }
        o.put("at", u.at());
        out().println(Json.write(o));
      } else {
        out().println(u.status() + (u.output() == null ? "" : " " + u.output()));
      }
      out().flush();
    }
  }

  @Command(name = "commands", mixinStandardHelpOptions = true,
      subcommands = CommandsCommand.Show.class,
      description = "Commands sent by or to this device, newest first, with their status.")
  static final class Commands extends BaseCommand {
    @Option(names = "--status", paramLabel = "S",
        description = "Only commands with this status (queued, delivered, acked, running, "
            + "succeeded, failed, expired, superseded, undeliverable).") String status;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
        description = "At most N (default 50, up to 500).") int limit;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = SyncCommand.config(this);
      List<CommandInfo> list;
      try (Tandem tandem = config.open(root(), false)) {
        list = tandem.commands().list(status, limit);
      }
      if (json) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (CommandInfo c : list) {
          a.add(toJson(c));
        }
        ObjectNode o = Json.object();
        o.set("commands", a);
        printJson(o);
        return 0;
      }
      for (CommandInfo c : list) {
        out().printf("%-36s %-14s %s -> %s  %-13s %s%n", c.commandId(), c.type(), c.source(),
            c.target(), c.status(), time(c.createdAt()));
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "One command with its status history.")
  static final class Show extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = "--json", description = "Machine-readable output.") boolean json;

    @Override
    public Integer call() {
      CliConfig config = SyncCommand.config(this);
      CommandInfo c;
      try (Tandem tandem = config.open(root(), false)) {
        c = tandem.commands().get(id);
      }
      if (c == null) {
        err().println("tandem: no command " + id + " in this team");
        return 1;
      }
      if (json) {
        printJson(toJson(c));
        return 0;
      }
      out().println(c.commandId() + "  " + c.type() + "  " + c.source() + " -> " + c.target()
          + "  priority " + c.priority() + "  " + c.status());
      out().println("payload " + oneLine(c.payload(), 200));
      for (CommandUpdate u : c.history()) {
        out().println("  " + time(u.at()) + "  " + u.status()
            + (u.output() == null ? "" : "  " + oneLine(u.output(), 200)));
      }
      out().flush();
      return 0;
    }
  }

  static ObjectNode toJson(CommandInfo c) {
    ObjectNode o = Json.object();
    o.put("commandId", c.commandId());
    o.put("source", c.source());
    o.put("target", c.target());
    o.put("type", c.type());
    o.set("payload", Json.parse(c.payload()));
    o.put("priority", c.priority());
    o.put("createdAt", c.createdAt());
    o.put("expiresAt", c.expiresAt());
    o.put("status", c.status());
    o.put("attempt", c.attempt());
    if (!c.history().isEmpty()) {
      ArrayNode h = o.putArray("history");
      for (CommandUpdate u : c.history()) {
        ObjectNode e = h.addObject();
        e.put("status", u.status());
        if (u.output() != null) {
          e.set("output", Json.parse(u.output()));
        } else {
          e.putNull("output");
        }
        e.put("at", u.at());
      }
    }
    return o;
  }

  private static String dash(String s) {
    return s == null ? "-" : s;
  }
}
