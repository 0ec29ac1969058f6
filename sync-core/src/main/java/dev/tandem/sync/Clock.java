package dev.tandem.sync;

/**
 * A source of wall-clock time in milliseconds. Injected everywhere time matters so that tests
 * control it instead of sleeping.
 */
@FunctionalInterface
public interface Clock {
  /** The system wall clock. */
  Clock SYSTEM = System::currentTimeMillis;

  /** Returns milliseconds since the epoch. */
  long millis();
}
