package dev.tandem.examples;

import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Record;
import dev.tandem.sync.SyncListener;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts an embedded sync server and two devices, writes a conversation on the laptop, and prints
 * it from the desktop together with how long it took to get there.
 *
 * <p>Run it with {@code java -jar examples/target/tandem-demo.jar} after {@code mvn install
 * -DskipTests}.
 */
public final class TwoDevicesDemo {
  private TwoDevicesDemo() {}

  public static void main(String[] args) throws Exception {
    // The server logs every request; the demo's own output is the point here.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Result r = run(System.out);
    System.exit(r.arrived ? 0 : 1);
  }

  /** What the demo observed; returned so that its test can check it. */
  public static final class Result {
    public final boolean arrived;
    public final long delayMillis;
    public final int messagesOnDesktop;

    Result(boolean arrived, long delayMillis, int messagesOnDesktop) {
      this.arrived = arrived;
      this.delayMillis = delayMillis;
      this.messagesOnDesktop = messagesOnDesktop;
    }
  }

  public static Result run(PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("tandem-demo");
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      out.println("sync server listening on " + server.uri());
      String team = "demo-team";
      try (Tandem laptop = Tandem.builder()
              .database(dir.resolve("laptop.db"))
              .deviceId("laptop")
              .server(server.uri(), server.createToken(team, "laptop"), team)
              .build();
          Tandem desktop = Tandem.builder()
              .database(dir.resolve("desktop.db"))
              .deviceId("desktop")
              .server(server.uri(), server.createToken(team, "desktop"), team)
              .build()) {
        // Both devices connect first, so that the delay measured below is a write's trip alone.
        laptop.syncNow();
        desktop.syncNow();
        CountDownLatch lastMessage = new CountDownLatch(1);
        long[] arrivedAt = new long[1];
        desktop.addListener(new SyncListener() {
          @Override
          public void onRemoteChange(Record record) {
            if (record.id().equals("demo-m3")) {
              arrivedAt[0] = System.nanoTime();
              lastMessage.countDown();
            }
          }
        });
        // The live channel opens in the background after the first sync; give it a moment so
        // the delay below shows live propagation rather than the 10 s polling sweep.
        long liveDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (desktop.status().mode() != SyncStatus.Mode.LIVE
            && System.nanoTime() < liveDeadline) {
          Thread.sleep(20);
        }
        out.println("desktop sync mode: " + desktop.status().mode());

        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        laptop.conversations().save(Conversation.builder("demo-c1")
            .title("Why is the build red?").source("native").createdAt(now).updatedAt(now)
            .build());
        laptop.messages().save(Message.builder("demo-m1", "demo-c1").role("user")
            .content("The CI job fails on main since this morning.").ts(now).build());
        laptop.messages().save(Message.builder("demo-m2", "demo-c1").role("assistant")
            .content("The lockfile was regenerated with a newer npm; pin it back.").ts(now + 1)
            .build());
        laptop.messages().save(Message.builder("demo-m3", "demo-c1").role("user")
            .content("Pinned. Green again, thanks!").ts(now + 2).build());
        out.println("laptop wrote conversation demo-c1 with 3 messages");

        boolean arrived = lastMessage.await(30, TimeUnit.SECONDS);
        if (!arrived) {
          out.println("the desktop did not receive the conversation within 30 s");
          return new Result(false, -1, 0);
        }
        long delayMillis = TimeUnit.NANOSECONDS.toMillis(arrivedAt[0] - start);
        Conversation c = desktop.conversations().get("demo-c1");
        out.println();
        out.println("desktop sees \"" + (c == null ? "?" : c.title()) + "\":");
        int count = 0;
        for (Message m : desktop.messages().all("demo-c1")) {
          out.printf("  %-9s %s%n", m.role(), m.text());
          count++;
        }
        out.println();
        out.println("write on laptop -> visible on desktop: " + delayMillis + " ms ("
            + desktop.status().mode() + ")");
        return new Result(true, delayMillis, count);
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
