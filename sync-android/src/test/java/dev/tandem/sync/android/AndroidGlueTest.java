package dev.tandem.sync.android;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import android.app.Activity;
import android.app.Application;
import android.app.job.JobInfo;
import android.app.job.JobScheduler;
import android.content.Context;
import android.net.ConnectivityManager;
import android.net.Network;
import android.net.NetworkCapabilities;
import dev.tandem.sync.Conversation;
import dev.tandem.sync.Message;
import dev.tandem.sync.SearchHit;
import dev.tandem.sync.SyncStatus;
import dev.tandem.sync.Tandem;
import dev.tandem.sync.server.TandemServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.Robolectric;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.android.controller.ActivityController;
import org.robolectric.shadow.api.Shadow;
import org.robolectric.shadows.ShadowConnectivityManager;
import org.robolectric.shadows.ShadowLooper;
import org.robolectric.shadows.ShadowNetwork;
import org.robolectric.shadows.ShadowNetworkCapabilities;

/**
 * The Android glue against the real reference server on 127.0.0.1: connectivity callbacks,
 * the activity lifecycle and JobScheduler, driven through Robolectric's platform.
 */
@RunWith(RobolectricTestRunner.class)
public class AndroidGlueTest {
  private static final String TEAM = "team-a";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Path dir;
  private static TandemServer server;

  private final Application app = RuntimeEnvironment.getApplication();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeClass
  public static void startServer() throws IOException {
    dir = Files.createTempDirectory("tandem-android");
    server = TandemServer.builder().port(0).dataDir(dir.resolve("server")).build().start();
  }

  @AfterClass
  public static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  /** Robolectric's default network has no capabilities; a phone's has INTERNET. */
  @Before
  public void deviceHasInternet() {
    ConnectivityManager cm = (ConnectivityManager) app.getSystemService(Context.CONNECTIVITY_SERVICE);
    NetworkCapabilities caps = ShadowNetworkCapabilities.newInstance();
    ShadowNetworkCapabilities shadowCaps = Shadow.extract(caps);
    shadowCaps.addCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET);
    Network active = cm.getActiveNetwork();
    assertNotNull("Robolectric's default network", active);
    connectivity(cm).setNetworkCapabilities(active, caps);
  }

  @After
  public void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private TandemAndroid phone(String deviceId, TandemAndroid.Builder b) {
    TandemAndroid t = b.name(deviceId)
        .server(server.uri(), server.createToken(TEAM, deviceId), TEAM)
        .configure(c -> c.deviceId(deviceId))
        .build();
    opened.add(t);
    return t;
  }

  /** A desktop device on the plain JVM builder that syncs by hand. */
  private Tandem desktop(String deviceId) {
    Tandem t = Tandem.builder().database(dir.resolve(deviceId + "-" + System.nanoTime() + ".db"))
        .deviceId(deviceId).server(server.uri(), server.createToken(TEAM, deviceId), TEAM)
        .autoSync(false).build();
    opened.add(t);
    return t;
  }

  private ConnectivityManager.NetworkCallback onlyCallback() {
    ConnectivityManager cm = (ConnectivityManager) app.getSystemService(Context.CONNECTIVITY_SERVICE);
    List<ConnectivityManager.NetworkCallback> callbacks =
        new ArrayList<>(connectivity(cm).getNetworkCallbacks());
    assertEquals("one callback registered", 1, callbacks.size());
    return callbacks.get(0);
  }

  // Shadow.extract rather than Shadows.shadowOf: the overloads of the latter name classes of
  // every API level, which the API 26 jar this module compiles against does not have.
  private static ShadowConnectivityManager connectivity(ConnectivityManager cm) {
    return Shadow.extract(cm);
  }

  private static void awaitMode(Tandem t, SyncStatus.Mode mode) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
        .until(() -> t.status().mode() == mode);
  }

  @Test
  public void storeOpenedThroughTheAndroidBuilder_syncsBothWaysWithTheServer_andSearches() {
    Tandem phone = phone("phone-1", TandemAndroid.builder(app)).tandem();
    Tandem desk = desktop("desk-1");

    phone.conversations().save(Conversation.builder("c-1").title("From the phone").build());
    phone.messages().save(Message.builder("m-1", "c-1").role("user")
        .content("the lockfile drifted again").build());
    await().atMost(WAIT).until(() -> phone.status().pending() == 0);
    desk.syncNow();
    assertEquals("From the phone", desk.conversations().get("c-1").title());

    desk.conversations().save(Conversation.builder("c-2").title("From the desk").build());
    assertTrue(desk.syncNow().ok());
    // The live channel tells the phone to pull; no manual sync on the phone's side.
    await().atMost(WAIT).until(() -> phone.conversations().get("c-2") != null);

    List<SearchHit> hits = phone.search("lockfile", 5);
    assertEquals(1, hits.size());
    assertEquals("m-1", hits.get(0).messageId());
  }

  @Test
  public void connectivityCallbacks_takeTheEngineOffline_andBackOnlineWithWhatWaited() {
    // No sweep after the first: nothing but the callbacks may start a cycle during the test.
    TandemAndroid a = phone("phone-2", TandemAndroid.builder(app).watchForeground(false)
        .configure(b -> b.sweepInterval(Duration.ofHours(1))));
    Tandem phone = a.tandem();
    awaitMode(phone, SyncStatus.Mode.LIVE);
    ConnectivityManager.NetworkCallback callback = onlyCallback();
    Network network = ShadowNetwork.newInstance(7);

    callback.onLost(network);

    assertEquals(SyncStatus.Mode.OFFLINE, phone.status().mode());
    phone.conversations().save(Conversation.builder("c-3").title("written offline").build());
    assertEquals("the write waits in the outbox", 1, phone.status().pending());

    callback.onAvailable(network);

    await().atMost(WAIT).until(() -> phone.status().pending() == 0);
    awaitMode(phone, SyncStatus.Mode.LIVE);
    Tandem desk = desktop("desk-2");
    desk.syncNow();
    assertEquals("written offline", desk.conversations().get("c-3").title());

    a.close();
    ConnectivityManager cm = (ConnectivityManager) app.getSystemService(Context.CONNECTIVITY_SERVICE);
    assertTrue("close unregisters the callback", connectivity(cm).getNetworkCallbacks().isEmpty());
  }

  @Test
  public void background_pausesTheLiveSocketAfterTheDelay_foregroundResumesIt() {
    // No sweep after the first: what arrives after the pause came through the resume.
    TandemAndroid a = phone("phone-3", TandemAndroid.builder(app)
        .pauseLiveAfter(Duration.ofSeconds(30))
        .configure(b -> b.sweepInterval(Duration.ofHours(1))));
    Tandem phone = a.tandem();
    ActivityController<Activity> screen = Robolectric.buildActivity(Activity.class).setup();
    assertTrue(a.inForeground());
    awaitMode(phone, SyncStatus.Mode.LIVE);

    screen.pause().stop();
    assertFalse(a.inForeground());
    ShadowLooper.idleMainLooper(29, SECONDS);
    assertEquals("a short trip to the background keeps the socket",
        SyncStatus.Mode.LIVE, phone.status().mode());

    ShadowLooper.idleMainLooper(1, SECONDS);

    assertEquals(SyncStatus.Mode.POLLING, phone.status().mode());
    Tandem desk = desktop("desk-3");
    desk.conversations().save(Conversation.builder("c-4").title("while paused").build());
    assertTrue(desk.syncNow().ok());
    assertNull("paused and between sweeps, the phone has not heard of it yet",
        phone.conversations().get("c-4"));

    screen.start().resume();

    assertTrue(a.inForeground());
    // Resuming pulls at once rather than at the next sweep, and reopens the channel.
    await().atMost(WAIT).until(() -> phone.conversations().get("c-4") != null);
    awaitMode(phone, SyncStatus.Mode.LIVE);
  }

  @Test
  public void periodicSync_isScheduledWithJobScheduler_andItsJobSyncsTheOpenInstance() {
    TandemAndroid a = phone("phone-4",
        TandemAndroid.builder(app).watchForeground(false).periodicSync(Duration.ofMinutes(30), 4711)
            .configure(b -> b.autoSync(false)));
    JobScheduler js = (JobScheduler) app.getSystemService(Context.JOB_SCHEDULER_SERVICE);

    JobInfo job = js.getPendingJob(4711);

    assertNotNull(job);
    assertTrue(job.isPeriodic());
    assertEquals(Duration.ofMinutes(30).toMillis(), job.getIntervalMillis());
    assertEquals(JobInfo.NETWORK_TYPE_ANY, job.getNetworkType());
    assertEquals(TandemSyncJobService.class.getName(), job.getService().getClassName());
    assertEquals("phone-4", job.getExtras().getString(TandemAndroid.EXTRA_NAME));

    a.tandem().conversations().save(Conversation.builder("c-5").title("by the job").build());
    AtomicReference<Boolean> retry = new AtomicReference<>();
    Runnable work = TandemSyncJobService.syncJob(job.getExtras().getString(
        TandemAndroid.EXTRA_NAME), retry::set);
    assertNotNull(work);
    work.run();

    assertEquals(Boolean.FALSE, retry.get());
    assertEquals(0, a.tandem().status().pending());
    assertNull("no instance of that name: the job has nothing to do",
        TandemSyncJobService.syncJob("nobody", retry::set));
    TandemAndroid.cancelPeriodicSync(app, 4711);
    assertTrue(js.getAllPendingJobs().isEmpty());
  }

  @Test
  public void periodicSync_belowThePlatformFloor_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TandemAndroid.builder(app).periodicSync(Duration.ofMinutes(5), 1));
    assertTrue(e.getMessage(), e.getMessage().contains("at least"));
  }
}
