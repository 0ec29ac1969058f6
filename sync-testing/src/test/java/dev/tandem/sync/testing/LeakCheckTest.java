package dev.tandem.sync.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small test classes through the Jupiter engine with a {@link LeakCheck} and reads whether
 * their class container failed. The leaky classes hand what they leave open to this test, which
 * closes it afterwards, so that this class itself leaks nothing.
 */
class LeakCheckTest {
  /** Released by each test to let a leaked thread end. */
  static volatile CountDownLatch release;
  static volatile Thread leakedThread;
  static volatile ServerSocket leakedSocket;

  @AfterEach
  void closeWhatTheClassesLeft() throws Exception {
    if (release != null) {
      release.countDown();
    }
    if (leakedThread != null) {
      leakedThread.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(leakedThread.isAlive(), "the leaked thread ended");
    }
    if (leakedSocket != null) {
      leakedSocket.close();
    }
    release = null;
    leakedThread = null;
    leakedSocket = null;
  }

  private static Thread startThread(String name, CountDownLatch until) {
    Thread t = new Thread(() -> {
      try {
        until.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Leaves an engine-named thread running. */
  static class LeavesADispatcherThread {
    @RegisterExtension static LeakCheck check = new LeakCheck(200);

    @Test
    void startsAndForgets() {
      leakedThread = startThread("Sync Dispatcher", release);
    }
  }

  /** Leaves a listening socket open. */
  static class LeavesASocketOpen {
    @RegisterExtension static LeakCheck check = new LeakCheck(200);

    @Test
    void opensAndForgets() throws Exception {
      leakedSocket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }
  }

  /**
   * Shuts its executor down after the last test without waiting, as {@code close()} methods do:
   * the thread ends on its own time, which the check's grace allows for.
   */
  static class ShutsItsExecutorDownWithoutWaiting {
    @RegisterExtension static LeakCheck check = new LeakCheck(60_000);
    static ExecutorService executor;

    @Test
    void runsATaskOnANamedThread() throws Exception {
      executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "Sync Listeners"));
      executor.submit(() -> { }).get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void shutDown() {
      executor.shutdown();
    }
  }

  /** Starts a thread Tandem does not name: none of the check's business. */
  static class LeavesAForeignThread {
    @RegisterExtension static LeakCheck check = new LeakCheck(200);

    @Test
    void startsAndForgets() {
      leakedThread = startThread("host-worker", release);
    }
  }

  private static EngineExecutionResults run(Class<?> testClass) {
    return EngineTestKit.engine("junit-jupiter")
        .enableImplicitConfigurationParameters(false)
        .selectors(selectClass(testClass))
        .execute();
  }

  private static Throwable classFailure(EngineExecutionResults results, Class<?> testClass) {
    Event finished = results.containerEvents().finished().stream()
        .filter(e -> e.getTestDescriptor().getSource()
            .filter(s -> s instanceof ClassSource
                && ((ClassSource) s).getJavaClass().equals(testClass)).isPresent())
        .findFirst().orElseThrow(() -> new AssertionError("no class container finished"));
    return finished.getPayload(org.junit.platform.engine.TestExecutionResult.class)
        .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElse(null);
  }

  @Test
  void aTandemThreadLeftRunning_failsTheClass_naming_it() {
    release = new CountDownLatch(1);
    EngineExecutionResults results = run(LeavesADispatcherThread.class);

    assertEquals(1, results.testEvents().succeeded().count(), "the test itself passed");
    Throwable failure = classFailure(results, LeavesADispatcherThread.class);
    assertNotNull(failure, "the class failed");
    assertTrue(failure.getMessage().contains("thread \"Sync Dispatcher\""), failure.getMessage());
  }

  @Test
  void aSocketLeftOpen_failsTheClass_onLinux() {
    assumeTrue(Files.isDirectory(Paths.get("/proc/self/fd")), "descriptors are read on Linux");
    EngineExecutionResults results = run(LeavesASocketOpen.class);

    Throwable failure = classFailure(results, LeavesASocketOpen.class);
    assertNotNull(failure, "the class failed");
    assertTrue(failure.getMessage().contains("TCP socket"), failure.getMessage());
    assertTrue(failure.getMessage().contains("(listening)"), failure.getMessage());
  }

  @Test
  void anExecutorShutDownAfterTheLastTest_passes() {
    EngineExecutionResults results = run(ShutsItsExecutorDownWithoutWaiting.class);

    assertEquals(1, results.testEvents().succeeded().count());
    assertEquals(null, classFailure(results, ShutsItsExecutorDownWithoutWaiting.class));
  }

  @Test
  void threadsTandemDoesNotName_areNotChecked() {
    release = new CountDownLatch(1);
    EngineExecutionResults results = run(LeavesAForeignThread.class);

    assertEquals(null, classFailure(results, LeavesAForeignThread.class));
  }

  @Test
  void sqliteFiles_areRecognised_deletedOrNot() {
    assertTrue(LeakCheck.isSqliteFile("/tmp/junit1/tandem.db"));
    assertTrue(LeakCheck.isSqliteFile("/tmp/junit1/tandem.db-wal"));
    assertTrue(LeakCheck.isSqliteFile("/tmp/junit1/TANDEM-SERVER.DB-SHM (deleted)"));
    assertFalse(LeakCheck.isSqliteFile("/usr/lib/jvm/lib/modules"));
    assertFalse(LeakCheck.isSqliteFile("/tmp/app.dbx"));
  }

  @Test
  void negativeGrace_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LeakCheck(-1));
  }
}
