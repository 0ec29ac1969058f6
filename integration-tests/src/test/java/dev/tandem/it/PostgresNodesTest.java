package dev.tandem.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.sync.Record;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.TransportException;
import dev.tandem.sync.protocol.PushRequest;
import dev.tandem.sync.server.EmbeddedPostgresHolder;
import dev.tandem.sync.server.Main;
import dev.tandem.sync.server.PostgresListener;
import dev.tandem.sync.server.PostgresServerStore;
import dev.tandem.sync.server.TandemServer;
import dev.tandem.sync.spi.Transport;
import dev.tandem.sync.transport.OkHttpTransport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server nodes on one (embedded) PostgreSQL, started the way {@code tandem server --database-url}
 * starts them, with real devices: they converge across nodes, hear other nodes' writes live,
 * have revocations honoured everywhere, and fail over when a node is killed.
 */
class PostgresNodesTest {
  private static final String TEAM = "team-1";
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path dir;
  private String url;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void database() {
    url = EmbeddedPostgresHolder.newDatabase("nodes");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TandemServer node() {
    TandemServer server = Main.start(Main.parse("--port", "0", "--database-url", url), Map.of());
    open.add(server);
    return server;
  }

  private static PostgresServerStore store(TandemServer node) {
    return (PostgresServerStore) node.store();
  }

  private OkHttpTransport transport(List<URI> nodes, String token, String device) {
    return OkHttpTransport.builder().baseUrls(nodes).token(token).teamId(TEAM).deviceId(device)
        .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(30)).build();
  }

  private Tandem device(String id, Transport transport, boolean live) {
    Tandem.Builder b = Tandem.builder().database(dir.resolve(id + ".db")).deviceId(id)
        .transport(transport);
    // Live devices get no sweep within the test's time: only a live notice explains a pull.
    b = live ? b.sweepInterval(Duration.ofHours(1)) : b.autoSync(false);
    Tandem t = b.build();
    open.add(t);
    return t;
  }

  private Tandem device(String id, TandemServer node, boolean live) {
    return device(id, transport(List.of(node.uri()), node.createToken(TEAM, id), id), live);
  }

  private static List<String> ids(Tandem t) {
    List<String> out = new ArrayList<>();
    for (Record r : t.records("message").list(null, 10_000)) {
      out.add(r.id() + "=" + r.json());
    }
    return out;
  }

  /**
   * PROTOCOL "Remote commands" across nodes: a phone on node 1 sends to a desktop connected to
   * node 2; node 2 delivers it, the desktop's progress and result reach the phone on node 1, and
   * each hears the other's presence (frames, and node 1's {@code GET /devices}).
   */
  @Test
  void aCommandSentOnNode1_runsOnADeviceOfNode2_andItsResultsReachTheSender() throws Exception {
    TandemServer n1 = node();
    TandemServer n2 = node();
    Tandem phone = device("phone", n1, true);
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    phone.devices().addPresenceListener((id, online, at) -> heard.add(id + "=" + online));
    await().atMost(PATIENCE).until(() -> phone.status().mode() == SyncStatus.Mode.LIVE);
    Tandem desk = device("desk", n2, true);
    desk.commands().onCommand("agent.prompt", (cmd, report) -> {
      report.progress("{\"step\":1}");
      report.succeed("{\"echo\":" + cmd.payload() + "}");
    });
    await().atMost(PATIENCE).until(() -> desk.status().mode() == SyncStatus.Mode.LIVE);
    await().atMost(PATIENCE).until(() -> heard.contains("desk=true"));
    // GET /devices on node 1 knows it too, from node 2's presence row.
    await().atMost(PATIENCE).until(() -> online(phone, "desk"));

    List<dev.tandem.sync.CommandUpdate> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.tandem.sync.CommandUpdate end = phone.commands().send("desk", "agent.prompt",
        "{\"prompt\":\"hi\"}", dev.tandem.sync.CommandOptions.defaults()
            .onProgress(progress::add)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

    assertEquals("succeeded", end.status());
    assertEquals("{\"echo\":{\"prompt\":\"hi\"}}", end.output());
    assertTrue(progress.stream().anyMatch(u -> u.status().equals("running")
        && "{\"step\":1}".equals(u.output())), progress.toString());
    desk.close();
    await().atMost(PATIENCE).until(() -> heard.contains("desk=false"));
    await().atMost(PATIENCE).until(() -> !online(phone, "desk"));
  }

  /** Whether {@code GET /devices}, asked by {@code asker}, says {@code device} is online. */
  private static boolean online(Tandem asker, String device) {
    return asker.devices().list().stream()
        .anyMatch(d -> d.deviceId().equals(device) && d.online());
  }

  @Test
  void devicesOnThreeNodes_converge() {
    TandemServer[] nodes = {node(), node(), node()};
    Tandem[] devices = new Tandem[3];
    for (int i = 0; i < 3; i++) {
      devices[i] = device("d" + i, nodes[i], false);
    }
    for (int i = 0; i < 3; i++) {
      for (int n = 0; n < 20; n++) {
        devices[i].records("message").put("m-" + i + "-" + n, "{\"n\":" + n + "}");
      }
      devices[i].records("message").put("shared", "{\"by\":" + i + "}");
    }
    for (int round = 0; round < 2; round++) {
      for (Tandem d : devices) {
        assertTrue(d.syncNow().ok());
      }
    }
    List<String> first = ids(devices[0]);
    assertEquals(61, first.size());
    assertEquals(first, ids(devices[1]));
    assertEquals(first, ids(devices[2]));
    assertEquals(61 + 2, store(nodes[2]).currentSeq(TEAM), "60 records and 3 versions of one");
  }

  @Test
  void writePushedToNode1_isHeardLiveByADeviceOnNode2() {
    TandemServer node1 = node();
    TandemServer node2 = node();
    Tandem writer = device("writer", node1, false);
    Tandem reader = device("reader", node2, true);
    await().atMost(PATIENCE).until(() -> reader.status().mode() == SyncStatus.Mode.LIVE);
    writer.records("message").put("m", "{\"via\":\"node1\"}");
    assertTrue(writer.syncNow().ok());
    await().atMost(PATIENCE).until(() -> reader.records("message").get("m") != null);
    assertEquals("{\"via\":\"node1\"}", reader.records("message").get("m").json());
  }

  @Test
  void tokenRevokedOnNode1_isRefusedByNode1AtOnce_andByNode2_withinASecond() {
    TandemServer node1 = node();
    TandemServer node2 = node();
    String token = node1.createToken(TEAM, "phone");
    try (OkHttpTransport onNode1 = transport(List.of(node1.uri()), token, "phone");
        OkHttpTransport onNode2 = transport(List.of(node2.uri()), token, "phone")) {
      // Accepted, and now in both nodes' token caches (trusted for up to 2 s without a notice).
      onNode1.pull(null, 1);
      onNode2.pull(null, 1);
      node1.revokeToken(TEAM, "phone");
      long revokedAt = System.nanoTime();
      TransportException here = org.junit.jupiter.api.Assertions.assertThrows(
          TransportException.class, () -> onNode1.pull(null, 1));
      assertEquals(401, here.httpStatus());
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> {
        try {
          onNode2.pull(null, 1);
          return false;
        } catch (TransportException e) {
          return e.httpStatus() == 401;
        }
      });
      assertTrue(System.nanoTime() - revokedAt < TimeUnit.SECONDS.toNanos(1));
    }
  }

  @Test
  void listenerThatLostItsConnection_reconnects_andCatchesUpOnWhatItMissed() throws Exception {
    TandemServer node2 = node();
    PostgresListener listener = store(node2).listeners().get(0);
    await().atMost(PATIENCE).until(() -> listener.connects() >= 1);
    Tandem reader = device("reader", node2, true);
    await().atMost(PATIENCE).until(() -> reader.status().mode() == SyncStatus.Mode.LIVE);
    String token = node2.createToken(TEAM, "tablet");
    try (OkHttpTransport tablet = transport(List.of(node2.uri()), token, "tablet")) {
      tablet.pull(null, 1); // cached on node 2
      String db = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
      // Change the data behind the listener's back (no NOTIFY), then cut its connection: only
      // the catch-up after reconnecting can tell node 2. In this order, whenever it reconnects.
      EmbeddedPostgresHolder.exec(db, "UPDATE tokens SET revoked = TRUE WHERE device = 'tablet';"
          + " INSERT INTO teams VALUES ('" + TEAM + "', 0) ON CONFLICT DO NOTHING;"
          + " INSERT INTO records VALUES ('" + TEAM + "', 'message', 'missed', 'upsert',"
          + " '000000000001-0000-other', NULL, '{\"missed\":true}', 'other',"
          + " (SELECT seq + 1 FROM teams WHERE team = '" + TEAM + "'));"
          + " UPDATE teams SET seq = seq + 1 WHERE team = '" + TEAM + "'");
      EmbeddedPostgresHolder.exec(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
          + " WHERE application_name = '" + PostgresListener.APPLICATION_NAME + " "
          + store(node2).nodeId() + "'");
      await().atMost(PATIENCE).until(() -> listener.connects() >= 2);
      // The catch-up told the live device the team's sequence, and emptied the token cache.
      await().atMost(PATIENCE).until(() -> reader.records("message").get("missed") != null);
      TransportException refused = org.junit.jupiter.api.Assertions.assertThrows(
          TransportException.class, () -> tablet.pull(null, 1));
      assertEquals(401, refused.httpStatus());
    }
  }

  /** Node 1 in a child JVM, so that it can be killed with SIGKILL. */
  private static final class ChildNode implements AutoCloseable {
    final Process process;
    final URI uri;

    ChildNode(String url) throws Exception {
      String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
      process = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "--port", "0", "--database-url", url)
          .redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Pattern listening = Pattern.compile("listening on (http://\\S+)");
      URI found = null;
      // Bounded: the first lines say where it listens, or why it could not start.
      for (int i = 0; i < 200 && found == null; i++) {
        String line = out.readLine();
        if (line == null) {
          break;
        }
        Matcher m = listening.matcher(line);
        if (m.find()) {
          found = URI.create(m.group(1));
        }
      }
      assertNotNull(found, "the child node did not start");
      uri = found;
      // Keep draining its output so that it never blocks on a full pipe.
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) {
            // discard
          }
        } catch (java.io.IOException ignored) {
          // the child is gone
        }
      }, "child-node-output");
      drain.setDaemon(true);
      drain.start();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    @Override
    public void close() throws Exception {
      if (process.isAlive()) {
        kill();
      }
    }
  }

  @Test
  void nodeKilledMidBatch_devicesFailOver_nothingLostOrDuplicated() throws Exception {
    ChildNode node1 = new ChildNode(url);
    open.add(node1);
    TandemServer node2 = node();
    List<URI> both = Arrays.asList(node1.uri, node2.uri());
    String writerToken = node2.createToken(TEAM, "writer");
    HookedTransport writerTransport = new HookedTransport(transport(both, writerToken, "writer"));
    try (OkHttpTransport direct = transport(List.of(node1.uri), writerToken, "writer")) {
      writerTransport.beforePush = n -> {
        if (n == 2) {
          // Node 1 takes the second batch and dies before it can answer: the device sees the
          // call fail, and the transport sends the same batch to node 2.
          PushRequest pending = writerTransport.lastRequest();
          direct.push(pending);
          try {
            node1.kill();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }
      };
      // Batches of 100, as before backlogs went in batches of up to 1,000: the kill needs a
      // second batch.
      Tandem writer = Tandem.builder().database(dir.resolve("writer.db")).deviceId("writer")
          .transport(writerTransport).autoSync(false).batchSize(100).build();
      open.add(writer);
      Tandem reader = device("reader",
          transport(both, node2.createToken(TEAM, "reader"), "reader"), false);
      assertTrue(reader.syncNow().ok(), "the reader starts on node 1");
      for (int i = 0; i < 250; i++) {
        writer.records("message").put("m-" + i, "{\"n\":" + i + "}");
      }
      // Bounded: a cycle the kill interrupted leaves the rest for the next one.
      for (int cycle = 0; cycle < 10 && writer.status().pending() > 0; cycle++) {
        writer.syncNow();
      }
      assertEquals(0, writer.status().pending());
      assertTrue(writerTransport.pushes.get() >= 3);
      assertTrue(reader.syncNow().ok(), "the reader fails over to node 2");
      assertEquals(250, reader.records("message").list(null, 1000).size());
      // Every record stored exactly once: the batch node 1 took was answered as a replay.
      assertEquals(250, store(node2).currentSeq(TEAM));
      assertEquals(250, store(node2).changesSince(TEAM, 0, 1000).size());
    }
  }
}
