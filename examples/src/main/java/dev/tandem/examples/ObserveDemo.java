package dev.tandem.examples;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.DataChange;
import dev.tandem.sync.ListenerToken;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A UI's conversation list kept current with {@link Tandem#observe}: it is read again whenever
 * conversations change, whether the app itself wrote them, another device did (through the sync
 * server), or another process wrote to the app's database file (here a second, local-only
 * {@code Tandem} on the same file, as {@code tandem import} running beside the app would be).
 */
public final class ObserveDemo {
  private ObserveDemo() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.exit(run(System.out).containsAll(EnumSet.allOf(DataChange.Source.class)) ? 0 : 1);
  }

  /** Runs the demo and returns the sources of the changes the list was refreshed for. */
  public static Set<DataChange.Source> run(PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("tandem-observe");
    Set<DataChange.Source> heard = EnumSet.noneOf(DataChange.Source.class);
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      String team = "demo-team";
      try (Tandem app = Tandem.builder().database(dir.resolve("app.db")).deviceId("laptop")
              .server(server.uri(), server.createToken(team, "laptop"), team)
              .observeInterval(Duration.ofMillis(100)).build();
          Tandem phone = Tandem.builder().database(dir.resolve("phone.db")).deviceId("phone")
              .server(server.uri(), server.createToken(team, "phone"), team).build();
          Tandem otherProcess = Tandem.builder().database(dir.resolve("app.db"))
              .deviceId("laptop-import").build()) {
        ListenerToken token = app.observe(change -> {
          if (change.affects("conversation")) {
            synchronized (heard) {
              heard.add(change.source());
              heard.notifyAll();
            }
            out.println(change.source() + " change: the list is now " + titles(app));
          }
        });
        app.conversations().save(Conversation.builder("c-1").title("Written by the app").build());
        await(heard, DataChange.Source.LOCAL);
        phone.conversations().save(Conversation.builder("c-2").title("Written on the phone")
            .build());
        phone.syncNow();
        app.syncNow();
        await(heard, DataChange.Source.REMOTE);
        otherProcess.conversations().save(Conversation.builder("c-3")
            .title("Written by another process").build());
        await(heard, DataChange.Source.EXTERNAL);
        token.close();
      }
    }
    synchronized (heard) {
      return EnumSet.copyOf(heard);
    }
  }

  private static List<String> titles(Tandem app) {
    List<String> titles = new ArrayList<>();
    for (Conversation c : app.conversations().list(10, 0)) {
      titles.add(c.title());
    }
    return titles;
  }

  /** Waits, at most 30 s, until a change of {@code source} was heard. */
  private static void await(Set<DataChange.Source> heard, DataChange.Source source)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    synchronized (heard) {
      while (!heard.contains(source)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return;
        }
        heard.wait(left);
      }
    }
  }
}
