package dev.tandem.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.sync.CommandOptions;
import dev.tandem.sync.CommandUpdate;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.internal.Json;
import dev.tandem.sync.server.TandemServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A phone tells a desktop's coding agent what to do. The phone sends an {@code agent.prompt}
 * command while the desktop is offline; the desktop comes online, takes it, streams three
 * progress updates, writes the exchange into a synced conversation and reports the result; the
 * phone prints the progress as it arrives and then reads the conversation.
 *
 * <p>Run it with {@code java -cp examples/target/tandem-demo.jar
 * dev.tandem.examples.RemoteAgentDemo} after {@code mvn install -DskipTests}.
 */
public final class RemoteAgentDemo {
  static final String TEAM = "demo-team";
  static final String CONVERSATION = "agent-c1";

  private RemoteAgentDemo() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Result r = run(System.out);
    System.exit(r.status.equals("succeeded") && r.messagesOnPhone == 2 ? 0 : 1);
  }

  /** What the demo observed; returned so that its test can check it. */
  public static final class Result {
    public final String status;
    public final List<String> progress;
    public final int messagesOnPhone;
    public final int handlerRuns;

    Result(String status, List<String> progress, int messagesOnPhone, int handlerRuns) {
      this.status = status;
      this.progress = progress;
      this.messagesOnPhone = messagesOnPhone;
      this.handlerRuns = handlerRuns;
    }
  }

  public static Result run(PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("tandem-agent-demo");
    try (TandemServer server = TandemServer.builder().port(0).dataDir(dir.resolve("server"))
        .build()) {
      server.start();
      out.println("sync server listening on " + server.uri());
      // The desktop exists on the server (it has a token) but is not running yet.
      String desktopToken = server.createToken(TEAM, "desktop");
      try (Tandem phone = device(dir, server, "phone", server.createToken(TEAM, "phone"))) {
        phone.devices().setSelf("Phone", "android", "demo");
        List<String> progress = new CopyOnWriteArrayList<>();
        CompletableFuture<CommandUpdate> sent = phone.commands().send("desktop", "agent.prompt",
            "{\"conversationId\":\"" + CONVERSATION + "\",\"prompt\":\"Why is CI red?\"}",
            CommandOptions.defaults().onProgress(u -> {
              if (u.status().equals("running")) {
                progress.add(u.output());
              }
              out.println("phone  <- " + u.status() + (u.output() == null ? "" : " " + u.output()));
            }));
        out.println("phone  -> agent.prompt to the desktop, which is offline");

        int[] runs = new int[1];
        try (Tandem desktop = device(dir, server, "desktop", desktopToken)) {
          desktop.commands().onCommand("agent.prompt", (cmd, report) -> {
            runs[0]++;
            JsonNode p = Json.parse(cmd.payload());
            String conversation = p.path("conversationId").asText();
            String prompt = p.path("prompt").asText();
            report.progress("{\"step\":\"reading the CI log\"}");
            report.progress("{\"step\":\"found it: the lockfile was regenerated\"}");
            long now = System.currentTimeMillis();
            desktop.conversations().save(Conversation.builder(conversation)
                .title(prompt).source("native").createdAt(now).updatedAt(now).build());
            desktop.messages().save(Message.builder(conversation + "-m1", conversation)
                .role("user").content(prompt).ts(now).build());
            desktop.messages().save(Message.builder(conversation + "-m2", conversation)
                .role("assistant").content("The lockfile was regenerated with a newer npm;"
                    + " I pinned it back and the build is green.").ts(now + 1).build());
            report.progress("{\"step\":\"wrote the answer into " + conversation + "\"}");
            report.succeed("{\"conversationId\":\"" + conversation + "\",\"messages\":2}");
          });
          out.println("desktop online, handling agent.prompt");
          CommandUpdate end = sent.get(60, TimeUnit.SECONDS);
          out.println("phone  <- " + end.status() + " " + end.output());

          // The result names the conversation; the messages come by sync (live, then a pull).
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          List<Message> messages = new ArrayList<>();
          while (System.nanoTime() < deadline) {
            phone.syncNow();
            messages = phone.messages().all(CONVERSATION);
            if (messages.size() >= 2) {
              break;
            }
            Thread.sleep(50);
          }
          out.println();
          out.println("phone reads " + CONVERSATION + ":");
          for (Message m : messages) {
            out.printf("  %-9s %s%n", m.role(), m.text());
          }
          return new Result(end.status(), progress, messages.size(), runs[0]);
        }
      }
    } finally {
      deleteRecursively(dir);
    }
  }

  private static Tandem device(Path dir, TandemServer server, String id, String token) {
    return Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .server(server.uri(), token, TEAM).build();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
