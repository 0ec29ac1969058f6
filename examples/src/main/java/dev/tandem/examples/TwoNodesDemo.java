package dev.tandem.examples;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.Main;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two sync server nodes on one PostgreSQL database, and two devices, each on a different node:
 * the laptop writes a conversation through node 1 and the desktop, live on node 2, prints it
 * with how long it took. The write crosses nodes through PostgreSQL's {@code LISTEN/NOTIFY}.
 *
 * <p>{@code java -cp examples/target/tandem-demo.jar dev.tandem.examples.TwoNodesDemo
 * jdbc:postgresql://localhost:5432/tandem?user=tandem} (or the URL in
 * {@code TANDEM_DATABASE_URL}; a password in {@code TANDEM_DATABASE_PASSWORD}). The demo's team
 * is {@code demo-team}; its records stay in the database.
 */
public final class TwoNodesDemo {
  private TwoNodesDemo() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    String url = args.length > 0 ? args[0] : System.getenv(Main.DATABASE_URL_ENV);
    if (url == null || url.isEmpty()) {
      System.err.println("usage: TwoNodesDemo jdbc:postgresql://host:port/db?user=U"
          + " (or $" + Main.DATABASE_URL_ENV + "; the password in $"
          + Main.DATABASE_PASSWORD_ENV + ")");
      System.exit(2);
    }
    TwoDevicesDemo.Result r = run(System.out, url, System.getenv(Main.DATABASE_PASSWORD_ENV));
    System.exit(r.arrived ? 0 : 1);
  }

  /** Runs the demo against the database at {@code url}; {@code password} may be null. */
  public static TwoDevicesDemo.Result run(PrintStream out, String url, String password)
      throws Exception {
    Path dir = Files.createTempDirectory("tandem-two-nodes");
    Map<String, String> env = new HashMap<>();
    env.put(Main.DATABASE_URL_ENV, url);
    if (password != null) {
      env.put(Main.DATABASE_PASSWORD_ENV, password);
    }
    Main.Options options = Main.parse("--port", "0");
    try (TandemServer node1 = Main.start(options, env);
        TandemServer node2 = Main.start(options, env)) {
      out.println("node 1 listening on " + node1.uri());
      out.println("node 2 listening on " + node2.uri());
      String team = "demo-team";
      // Each device prefers its own node and fails over to the other.
      try (Tandem laptop = device(dir, "laptop", team, node1.createToken(team, "laptop"),
              node1.uri(), node2.uri());
          Tandem desktop = device(dir, "desktop", team, node2.createToken(team, "desktop"),
              node2.uri(), node1.uri())) {
        laptop.syncNow();
        desktop.syncNow();
        // Ids of this run, so that a second run on the same database is a new conversation.
        long now = System.currentTimeMillis();
        String conversation = "nodes-c-" + now;
        String lastMessage = "nodes-m2-" + now;
        CountDownLatch arrivedLatch = new CountDownLatch(1);
        long[] arrivedAt = new long[1];
        desktop.addListener(new SyncListener() {
          @Override
          public void onRemoteChange(Record record) {
            if (record.id().equals(lastMessage)) {
              arrivedAt[0] = System.nanoTime();
              arrivedLatch.countDown();
            }
          }
        });
        // The live channel opens in the background; wait for it so the delay shows live
        // propagation rather than the 10 s sweep. Bounded.
        long liveDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (desktop.status().mode() != SyncStatus.Mode.LIVE
            && System.nanoTime() < liveDeadline) {
          Thread.sleep(20);
        }
        out.println("desktop (node 2) sync mode: " + desktop.status().mode());
        long start = System.nanoTime();
        laptop.conversations().save(Conversation.builder(conversation)
            .title("Written through node 1").source("native").createdAt(now).updatedAt(now)
            .build());
        laptop.messages().save(Message.builder("nodes-m1-" + now, conversation).role("user")
            .content("Does this reach the desktop on the other node?").ts(now).build());
        laptop.messages().save(Message.builder(lastMessage, conversation).role("assistant")
            .content("Yes: node 1 notified node 2 through PostgreSQL.").ts(now + 1).build());
        out.println("laptop (node 1) wrote " + conversation + " with 2 messages");
        boolean arrived = arrivedLatch.await(30, TimeUnit.SECONDS);
        if (!arrived) {
          out.println("the desktop did not receive the conversation within 30 s");
          return new TwoDevicesDemo.Result(false, -1, 0);
        }
        long delayMillis = TimeUnit.NANOSECONDS.toMillis(arrivedAt[0] - start);
        int count = 0;
        for (Message m : desktop.messages().all(conversation)) {
          out.printf("  %-9s %s%n", m.role(), m.text());
          count++;
        }
        out.println("write on laptop (node 1) -> visible on desktop (node 2): " + delayMillis
            + " ms (" + desktop.status().mode() + ")");
        return new TwoDevicesDemo.Result(true, delayMillis, count);
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static Tandem device(Path dir, String id, String team, String token, URI... nodes) {
    return Tandem.builder()
        .database(dir.resolve(id + ".db"))
        .deviceId(id)
        .transport(OkHttpTransport.builder().baseUrls(Arrays.asList(nodes)).token(token)
            .teamId(team).deviceId(id).build())
        .build();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
