package dev.tandem.sync.android;

import android.app.Application;
import android.app.job.JobInfo;
import android.app.job.JobScheduler;
import android.content.ComponentName;
import android.content.Context;
import android.net.ConnectivityManager;
import android.os.PersistableBundle;
import dev.tandem.sync.StoreException;
import dev.tandem.sync.SyncException;
import dev.tandem.sync.Tandem;
import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A {@link Tandem} wired into an Android app: its database in the app's no-backup files
 * directory, the engine told by the platform when the network comes and goes, the live socket
 * paused a while after the app leaves the foreground, and an optional periodic sync through
 * {@link JobScheduler}.
 *
 * <pre>{@code
 * public final class App extends Application {
 *   private TandemAndroid sync;
 *
 *   @Override public void onCreate() {
 *     super.onCreate();
 *     sync = TandemAndroid.builder(this)
 *         .server(URI.create("https://sync.example.com"), token, "team-1")
 *         .periodicSync(Duration.ofHours(1), 4711)
 *         .build();
 *   }
 *
 *   public Tandem tandem() { return sync.tandem(); }
 * }
 * }</pre>
 *
 * <p>Open one per database for the whole process, best in {@link Application#onCreate()}: it is
 * thread-safe and cheap to keep. Building opens (and may migrate) the database, so do it where a
 * short disk read is acceptable; syncing never runs on the calling thread.
 */
public final class TandemAndroid implements AutoCloseable {
  /** The default database name: {@code <noBackupFilesDir>/tandem/tandem.db}. */
  public static final String DEFAULT_NAME = "tandem";
  /** The default time in the background before the live socket is closed. */
  public static final Duration DEFAULT_PAUSE_LIVE_AFTER = Duration.ofSeconds(60);
  static final String EXTRA_NAME = "dev.tandem.sync.android.name";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Map<String, TandemAndroid> OPEN = new ConcurrentHashMap<>();

  private final String name;
  private final File databaseFile;
  private final Tandem tandem;
  private final ConnectivityWatcher connectivity;
  private final ForegroundWatcher foreground;
  private volatile boolean closed;

  private TandemAndroid(String name, File databaseFile, Tandem tandem,
      ConnectivityWatcher connectivity, ForegroundWatcher foreground) {
    this.name = name;
    this.databaseFile = databaseFile;
    this.tandem = tandem;
    this.connectivity = connectivity;
    this.foreground = foreground;
  }

  /**
   * Returns a builder for the app of {@code context} (any context: only its application context
   * is kept).
   */
  public static Builder builder(Context context) {
    return new Builder(context);
  }

  /** Returns the store and sync engine. */
  public Tandem tandem() {
    return tandem;
  }

  /** Returns the database name given to the builder. */
  public String name() {
    return name;
  }

  /** Returns the SQLite file, under {@link Context#getNoBackupFilesDir()}. */
  public File databaseFile() {
    return databaseFile;
  }

  /** Returns whether an activity of the app is started (visible), as last reported. */
  public boolean inForeground() {
    return foreground != null && foreground.inForeground();
  }

  /**
   * Returns the database file for {@code name} in the app of {@code context}, whether it exists
   * or not.
   *
   * @throws IllegalArgumentException if the name is invalid
   */
  public static File databaseFile(Context context, String name) {
    return new File(new File(context.getApplicationContext().getNoBackupFilesDir(), "tandem"),
        requireName(name) + ".db");
  }

  /**
   * Cancels the periodic sync job {@code jobId} scheduled by {@link Builder#periodicSync}. Closing
   * a {@code TandemAndroid} leaves the job scheduled: it does nothing while no instance of its
   * name is open.
   */
  public static void cancelPeriodicSync(Context context, int jobId) {
    scheduler(context).cancel(jobId);
  }

  /** Returns the open instance of {@code name}, or null (the job service's way in). */
  static TandemAndroid find(String name) {
    return name == null ? null : OPEN.get(name);
  }

  /** Stops watching the platform, then closes the {@link Tandem}. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    OPEN.remove(name, this);
    try {
      if (connectivity != null) {
        connectivity.stop();
      }
      if (foreground != null) {
        foreground.stop();
      }
    } finally {
      tandem.close();
    }
  }

  static String requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid database name \"" + name
          + "\": lower-case letters, digits, '_' and '-', at most 64, starting with a letter or digit");
    }
    return name;
  }

  private static JobScheduler scheduler(Context context) {
    JobScheduler s = (JobScheduler) context.getApplicationContext()
        .getSystemService(Context.JOB_SCHEDULER_SERVICE);
    if (s == null) {
      throw new IllegalStateException("no JobScheduler on this device");
    }
    return s;
  }

  /** Configures and opens a {@link TandemAndroid}. Not thread-safe. */
  public static final class Builder {
    private final Context context;
    private final Tandem.Builder tandem = Tandem.builder();
    private String name = DEFAULT_NAME;
    private boolean watchConnectivity = true;
    private boolean watchForeground = true;
    private Duration pauseLiveAfter = DEFAULT_PAUSE_LIVE_AFTER;
    private Duration periodicInterval;
    private int periodicJobId;

    private Builder(Context context) {
      this.context = Objects.requireNonNull(context, "context").getApplicationContext();
      if (this.context == null) {
        throw new IllegalArgumentException("context has no application context");
      }
    }

    /**
     * Sets the database name (default {@value #DEFAULT_NAME}): one file per name, so one app
     * can keep several profiles apart.
     *
     * @throws IllegalArgumentException unless {@code [a-z0-9][a-z0-9_-]{0,63}}
     */
    public Builder name(String databaseName) {
      this.name = requireName(databaseName);
      return this;
    }

    /** Syncs with the server at {@code uri}; see {@link Tandem.Builder#server}. */
    public Builder server(URI uri, String token, String teamId) {
      tandem.server(uri, token, teamId);
      return this;
    }

    /**
     * Applies any other {@link Tandem.Builder} setting (resolvers, types, redactor, listener
     * executor…). Leave the database alone: it is set from the context.
     */
    public Builder configure(Consumer<Tandem.Builder> settings) {
      Objects.requireNonNull(settings, "settings").accept(tandem);
      return this;
    }

    /**
     * With false, the platform's connectivity callbacks are not watched and the engine finds out
     * about the network by itself (health probes on each sweep). Default true.
     */
    public Builder watchConnectivity(boolean watch) {
      this.watchConnectivity = watch;
      return this;
    }

    /** With false, the live socket stays open in the background too. Default true. */
    public Builder watchForeground(boolean watch) {
      this.watchForeground = watch;
      return this;
    }

    /**
     * Sets how long the app may stay in the background (no started activity) before the live
     * socket is closed (default 60 s). Coming back to the foreground reopens it and syncs at once.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder pauseLiveAfter(Duration delay) {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("pauseLiveAfter must not be negative: " + delay);
      }
      this.pauseLiveAfter = delay;
      return this;
    }

    /**
     * Schedules a periodic sync through {@link JobScheduler} every {@code interval} (at least 15
     * minutes, the platform's floor), run only with a network. The job syncs the instance of
     * this name open in the app's process (open it in {@link Application#onCreate()}, which runs
     * before the job); it is not kept across reboots and is scheduled again by each build.
     *
     * @param jobId the JobScheduler id, unique among the app's jobs
     * @throws IllegalArgumentException if the interval is under 15 minutes
     */
    public Builder periodicSync(Duration interval, int jobId) {
      Objects.requireNonNull(interval, "interval");
      if (interval.toMillis() < JobInfo.getMinPeriodMillis()) {
        throw new IllegalArgumentException("periodicSync interval must be at least "
            + Duration.ofMillis(JobInfo.getMinPeriodMillis()) + ": " + interval);
      }
      this.periodicInterval = interval;
      this.periodicJobId = jobId;
      return this;
    }

    /**
     * Opens the database (creating its folder), starts the engine and begins watching the
     * platform.
     *
     * @throws IllegalStateException if an instance of this name is already open in the process
     * @throws StoreException if the database cannot be opened, or sqlite-jdbc's native library
     *     is missing for this device's ABI
     */
    public TandemAndroid build() {
      File file = databaseFile(context, name);
      File dir = file.getParentFile();
      if (!dir.isDirectory() && !dir.mkdirs() && !dir.isDirectory()) {
        throw new StoreException(SyncException.Reason.STORE_FAILURE,
            "cannot create the folder " + dir);
      }
      if (OPEN.containsKey(name)) {
        throw new IllegalStateException("a TandemAndroid named \"" + name
            + "\" is already open in this process: share it");
      }
      SqliteNatives.preferInstalledLibrary(context);
      Tandem t;
      try {
        t = tandem.database(file.toPath()).build();
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        throw SqliteNatives.explain(e);
      }
      ConnectivityWatcher c = null;
      ForegroundWatcher f = null;
      TandemAndroid a = null;
      try {
        if (watchConnectivity) {
          ConnectivityManager cm =
              (ConnectivityManager) context.getSystemService(Context.CONNECTIVITY_SERVICE);
          if (cm != null) {
            c = ConnectivityWatcher.start(cm, t::setNetworkAvailable);
          }
        }
        if (watchForeground && context instanceof Application) {
          f = ForegroundWatcher.start((Application) context, pauseLiveAfter, t::setLivePaused);
        }
        a = new TandemAndroid(name, file, t, c, f);
        if (OPEN.putIfAbsent(name, a) != null) {
          throw new IllegalStateException("a TandemAndroid named \"" + name
              + "\" is already open in this process: share it");
        }
        if (periodicInterval != null) {
          schedulePeriodic();
        }
      } catch (RuntimeException e) {
        if (a != null) {
          OPEN.remove(name, a);
        }
        if (c != null) {
          c.stop();
        }
        if (f != null) {
          f.stop();
        }
        t.close();
        throw e;
      }
      return a;
    }

    private void schedulePeriodic() {
      PersistableBundle extras = new PersistableBundle();
      extras.putString(EXTRA_NAME, name);
      JobInfo job = new JobInfo.Builder(periodicJobId,
          new ComponentName(context, TandemSyncJobService.class))
          .setPeriodic(periodicInterval.toMillis())
          .setRequiredNetworkType(JobInfo.NETWORK_TYPE_ANY)
          .setExtras(extras)
          .build();
      if (scheduler(context).schedule(job) != JobScheduler.RESULT_SUCCESS) {
        throw new IllegalStateException("JobScheduler refused the periodic sync job "
            + periodicJobId);
      }
    }
  }
}
