package dev.tandem.sync.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on virtual time, for tests of background work. Nothing runs
 * on its own: {@link #runDue()} and {@link #advance(long)} run due tasks on the calling thread, in
 * order of due time (first scheduled first among equals). Time is a {@link ManualClock} shared with
 * the code under test, so that "due in 30 s" for the scheduler and for the engine's outbox agree.
 *
 * <p>Periodic tasks follow the JDK's rules: fixed delay counts from the end of a run, fixed rate
 * from the planned start, and a run that throws cancels the task. Every run loop is bounded so that
 * a task rescheduling itself for "now" fails the test instead of hanging it.
 */
public final class ManualScheduler extends AbstractExecutorService
    implements ScheduledExecutorService {
  /** Most task runs one {@link #runDue()} or {@link #advance(long)} may make. */
  public static final int MAX_RUNS = 10_000;

  private final ManualClock clock;
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long sequence;
  private boolean shutdown;
  private int runs;

  /** A scheduler on {@code clock}'s time; share the clock with the code under test. */
  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  /** Returns the clock this scheduler reads and moves. */
  public ManualClock clock() {
    return clock;
  }

  /** Returns how many tasks ran since this scheduler was made. */
  public synchronized int runs() {
    return runs;
  }

  /** Returns the number of tasks waiting, periodic ones included. */
  public synchronized int queued() {
    int n = 0;
    for (Task<?> t : queue) {
      if (!t.isCancelled()) {
        n++;
      }
    }
    return n;
  }

  /** Returns the due times (clock millis) of every waiting task, earliest first. */
  public synchronized List<Long> dueTimes() {
    List<Long> out = new ArrayList<>();
    for (Task<?> t : queue) {
      if (!t.isCancelled()) {
        out.add(t.dueAt);
      }
    }
    Collections.sort(out);
    return out;
  }

  /** Runs every task due now, including those they schedule for now. Returns how many ran. */
  public int runDue() {
    return runUntil(clock.millis());
  }

  /**
   * Moves the clock forward by {@code millis}, stopping at each task's due time to run it, and
   * returns how many tasks ran.
   */
  public int advance(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("time only moves forward: " + millis);
    }
    return runUntil(clock.millis() + millis);
  }

  /** Moves the clock to the next task's due time and runs what is due then; false if none. */
  public boolean advanceToNext() {
    Task<?> next;
    synchronized (this) {
      next = peekLive();
    }
    if (next == null) {
      return false;
    }
    runUntil(Math.max(clock.millis(), next.dueAt));
    return true;
  }

  private int runUntil(long target) {
    int ran = 0;
    while (true) {
      Task<?> task;
      synchronized (this) {
        task = peekLive();
        if (task == null || task.dueAt > target) {
          break;
        }
        queue.poll();
        runs++;
      }
      if (++ran > MAX_RUNS) {
        throw new IllegalStateException("more than " + MAX_RUNS
            + " task runs without time passing: a task keeps rescheduling itself");
      }
      if (task.dueAt > clock.millis()) {
        clock.set(task.dueAt);
      }
      task.runOnce();
    }
    if (target > clock.millis()) {
      clock.set(target);
    }
    return ran;
  }

  private Task<?> peekLive() {
    Task<?> t = queue.peek();
    while (t != null && t.isCancelled()) {
      queue.poll();
      t = queue.peek();
    }
    return t;
  }

  private synchronized <V> Task<V> enqueue(Task<V> task) {
    if (shutdown) {
      throw new RejectedExecutionException("scheduler is shut down");
    }
    task.seq = sequence++;
    queue.add(task);
    return task;
  }

  private synchronized void requeue(Task<?> task) {
    if (!shutdown) {
      task.seq = sequence++;
      queue.add(task);
    }
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.MILLISECONDS);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new Task<Object>(Executors.callable(command), due(delay, unit), 0, false));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new Task<V>(callable, due(delay, unit), 0, false));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    return enqueue(new Task<Object>(Executors.callable(command), due(initialDelay, unit),
        positive(unit.toMillis(period)), true));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
      long delay, TimeUnit unit) {
    return enqueue(new Task<Object>(Executors.callable(command), due(initialDelay, unit),
        positive(unit.toMillis(delay)), false));
  }

  private long due(long delay, TimeUnit unit) {
    return clock.millis() + Math.max(0, unit.toMillis(delay));
  }

  private static long positive(long periodMillis) {
    if (periodMillis <= 0) {
      throw new IllegalArgumentException("period must be positive: " + periodMillis);
    }
    return periodMillis;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>(queue);
    queue.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    // Tasks run only on the test's thread, inside runDue or advance: none is running now.
    return isTerminated();
  }

  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private final long period;
    private final boolean fixedRate;
    long dueAt;
    long seq;

    Task(Callable<V> callable, long dueAt, long period, boolean fixedRate) {
      super(callable);
      this.dueAt = dueAt;
      this.period = period;
      this.fixedRate = fixedRate;
    }

    void runOnce() {
      if (period == 0) {
        run();
        return;
      }
      long plannedStart = dueAt;
      if (runAndReset()) {
        dueAt = fixedRate ? plannedStart + period : clock.millis() + period;
        requeue(this);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueAt - clock.millis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      if (other instanceof Task) {
        Task<?> t = (Task<?>) other;
        int c = Long.compare(dueAt, t.dueAt);
        return c != 0 ? c : Long.compare(seq, t.seq);
      }
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
    }
  }
}
