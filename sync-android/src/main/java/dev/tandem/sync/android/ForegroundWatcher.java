package dev.tandem.sync.android;

import android.app.Activity;
import android.app.Application;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import dev.tandem.sync.ClosedException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Counts the app's started activities through {@link Application.ActivityLifecycleCallbacks}:
 * when none is left, the live socket is paused after a delay (a rotation or a short switch to
 * another app does not drop it); when one starts again, it is resumed at once.
 *
 * <p>Everything runs on the main thread: lifecycle callbacks arrive there and the delayed pause
 * is posted to the main looper, so the count needs no lock. The engine's hint only closes a
 * socket and schedules a sync on its own thread.
 */
final class ForegroundWatcher implements Application.ActivityLifecycleCallbacks {
  private final Application app;
  private final long delayMillis;
  private final Consumer<Boolean> pausedSink;
  private final Handler main = new Handler(Looper.getMainLooper());
  private final Runnable pause = this::pauseNow;
  private int started;
  private boolean paused;
  private volatile boolean foreground;
  private volatile boolean stopped;

  private ForegroundWatcher(Application app, Duration delay, Consumer<Boolean> pausedSink) {
    this.app = app;
    this.delayMillis = delay.toMillis();
    this.pausedSink = pausedSink;
  }

  /**
   * Starts watching. No activity has started yet as far as this watcher knows, so the pause is
   * scheduled at once: an app opened for a job or a notification, with no screen, lets the socket
   * go after the delay; one whose first activity starts meanwhile keeps it.
   */
  static ForegroundWatcher start(Application app, Duration delay, Consumer<Boolean> pausedSink) {
    ForegroundWatcher w = new ForegroundWatcher(app, delay, pausedSink);
    app.registerActivityLifecycleCallbacks(w);
    w.main.postDelayed(w.pause, w.delayMillis);
    return w;
  }

  boolean inForeground() {
    return foreground;
  }

  void stop() {
    stopped = true;
    app.unregisterActivityLifecycleCallbacks(this);
    main.removeCallbacks(pause);
  }

  @Override
  public void onActivityStarted(Activity activity) {
    started++;
    foreground = true;
    main.removeCallbacks(pause);
    if (paused) {
      paused = false;
      tell(false);
    }
  }

  @Override
  public void onActivityStopped(Activity activity) {
    // Never below zero: an activity started before this watcher was stops uncounted.
    started = Math.max(0, started - 1);
    if (started == 0) {
      foreground = false;
      main.removeCallbacks(pause);
      main.postDelayed(pause, delayMillis);
    }
  }

  private void pauseNow() {
    if (stopped || started > 0 || paused) {
      return;
    }
    paused = true;
    tell(true);
  }

  private void tell(boolean livePaused) {
    if (stopped) {
      return;
    }
    try {
      pausedSink.accept(livePaused);
    } catch (ClosedException closedMeanwhile) {
      // The Tandem was closed without this watcher being stopped first; nothing to tell.
    }
  }

  @Override
  public void onActivityCreated(Activity activity, Bundle savedInstanceState) {}

  @Override
  public void onActivityResumed(Activity activity) {}

  @Override
  public void onActivityPaused(Activity activity) {}

  @Override
  public void onActivitySaveInstanceState(Activity activity, Bundle outState) {}

  @Override
  public void onActivityDestroyed(Activity activity) {}
}
