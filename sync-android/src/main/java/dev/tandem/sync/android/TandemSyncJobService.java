package dev.tandem.sync.android;

import android.app.job.JobParameters;
import android.app.job.JobService;
import dev.tandem.sync.ClosedException;
import dev.tandem.sync.SyncResult;
import java.util.function.Consumer;

/**
 * The periodic sync scheduled by {@link TandemAndroid.Builder#periodicSync}: syncs the open
 * instance of the job's name on a thread of its own (the system calls {@link #onStartJob} on the
 * main thread) and asks for a retry when the server could not be reached. Declared in the AAR's
 * manifest; apps do not use it directly.
 */
public final class TandemSyncJobService extends JobService {
  @Override
  public boolean onStartJob(JobParameters params) {
    String name = params.getExtras().getString(TandemAndroid.EXTRA_NAME);
    Runnable work = syncJob(name, retry -> jobFinished(params, retry));
    if (work == null) {
      return false;
    }
    Thread t = new Thread(work, "Tandem Sync Job");
    t.setDaemon(true);
    t.start();
    return true;
  }

  @Override
  public boolean onStopJob(JobParameters params) {
    // The engine's own worker carries on; asking for a reschedule keeps the period's promise.
    return true;
  }

  /**
   * Returns the work of one job run for the instance named {@code name}, or null when none is
   * open in this process (nothing to do, so no retry either). {@code finished} hears whether to
   * retry.
   */
  static Runnable syncJob(String name, Consumer<Boolean> finished) {
    TandemAndroid open = TandemAndroid.find(name);
    if (open == null) {
      return null;
    }
    return () -> {
      boolean retry;
      try {
        SyncResult r = open.tandem().syncNow();
        retry = !r.ok();
      } catch (ClosedException e) {
        retry = false;
      } catch (RuntimeException e) {
        retry = true;
      }
      finished.accept(retry);
    };
  }
}
