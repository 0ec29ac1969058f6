package dev.tandem.sync.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's {@code LISTEN} connection (see {@link PostgresServerStore#listen}). It runs on its
 * own daemon thread, outside the store's pool, and reconnects after a loss with a backoff of
 * 0.1 s doubling to 5 s. Every (re)connection is followed by a catch-up, because notices sent
 * while no connection listened are gone: the token caches in front of the store
 * ({@link CachingServerStore}) are emptied, and each team the local hub
 * serves is told its current sequence (a device that already has it pulls nothing).
 */
public final class PostgresListener implements AutoCloseable {
  /**
   * The start of the {@code application_name} of listening connections, followed by a space and
   * the node's id, to tell them apart in {@code pg_stat_activity}.
   */
  public static final String APPLICATION_NAME = "tandem-listen";

  private static final Logger LOG = LoggerFactory.getLogger(PostgresListener.class);
  private static final int POLL_MILLIS = 500;
  // A silent TCP peer is noticed by the keep-alive query within this, not hours later.
  private static final long PROBE_EVERY_NANOS = 5_000_000_000L;
  private static final long MAX_BACKOFF_MILLIS = 5000;

  private final PostgresServerStore store;
  private final LiveHub localHub;
  private final Thread thread;
  private final AtomicInteger connects = new AtomicInteger();
  private final Object lock = new Object();
  private volatile boolean closed;
  private Connection current;

  PostgresListener(PostgresServerStore store, LiveHub localHub) {
    this.store = store;
    this.localHub = localHub;
    this.thread = new Thread(this::run, "tandem-pg-listen");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** How many times the listener has connected and caught up (1 after the first connection). */
  public int connects() {
    return connects.get();
  }

  private void run() {
    long backoff = 100;
    while (!closed) {
      try (Connection c = connect()) {
        synchronized (lock) {
          if (closed) {
            return;
          }
          current = c;
        }
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + PostgresServerStore.LIVE_CHANNEL);
          s.execute("LISTEN " + PostgresServerStore.TOKEN_CHANNEL);
          s.execute("LISTEN " + PostgresServerStore.DEVICE_CHANNEL);
        }
        // After LISTEN: a notice sent from here on is heard, so the catch-up misses nothing.
        catchUp();
        connects.incrementAndGet();
        backoff = 100;
        listen(c);
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("PostgreSQL listener lost its connection ({}); reconnecting in {} ms",
            e.getMessage(), backoff);
      } finally {
        synchronized (lock) {
          current = null;
        }
      }
      sleep(backoff);
      backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
    }
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    if (store.user() != null) {
      p.setProperty("user", store.user());
    }
    if (store.password() != null) {
      p.setProperty("password", store.password());
    }
    p.setProperty("ApplicationName", APPLICATION_NAME + ' ' + store.nodeId());
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection(store.jdbcUrl(), p);
  }

  private void listen(Connection c) throws SQLException {
    PGConnection pg = c.unwrap(PGConnection.class);
    long lastProbe = System.nanoTime();
    while (!closed) {
      PGNotification[] notices = pg.getNotifications(POLL_MILLIS);
      if (notices != null) {
        for (PGNotification n : notices) {
          dispatch(n.getName(), n.getParameter());
        }
      }
      if (System.nanoTime() - lastProbe > PROBE_EVERY_NANOS) {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 1");
        }
        lastProbe = System.nanoTime();
      }
    }
  }

  private void dispatch(String channel, String payload) {
    try {
      if (PostgresServerStore.LIVE_CHANNEL.equals(channel)) {
        String[] p = payload.split(" ", 3);
        // This node told its own connections already, before the notice came back.
        if (p.length == 3 && !p[0].equals(store.nodeId())) {
          localHub.notify(p[2], Long.parseLong(p[1]));
        }
      } else if (PostgresServerStore.DEVICE_CHANNEL.equals(channel)) {
        String[] p = payload.split(" ", 3);
        if (p.length == 3 && !p[0].equals(store.nodeId())) {
          localHub.announced(p[1], p[2]);
        }
      } else if (PostgresServerStore.TOKEN_CHANNEL.equals(channel)) {
        String[] p = payload.split(" ", 2);
        if (p.length == 2) {
          store.heardTokensChanged(p[0], p[1]);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("ignored a malformed notice on {}: {}", channel, payload, e);
    }
  }

  private void catchUp() {
    store.missedTokenNotices();
    for (String team : localHub.teams()) {
      localHub.notify(team, store.currentSeq(team));
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  /** Stops listening and closes the connection; waits up to 5 s for the thread to end. */
  @Override
  public void close() {
    Connection c;
    synchronized (lock) {
      closed = true;
      c = current;
    }
    thread.interrupt();
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing anyway.
      }
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
