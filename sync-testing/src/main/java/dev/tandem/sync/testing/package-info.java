/**
 * Test support for code that embeds Tandem, published as {@code tandem-sync-testing}: a {@link
 * dev.tandem.sync.testing.FakeSyncServer} with the reference server's rules, an {@link
 * dev.tandem.sync.testing.InMemoryStore}, a {@link dev.tandem.sync.testing.ManualClock} and a
 * {@link dev.tandem.sync.testing.ManualScheduler} for virtual time, the {@link
 * dev.tandem.sync.testing.LocalStoreContract} every {@code LocalStore} passes, and {@link
 * dev.tandem.sync.testing.LeakCheck}, a JUnit 5 extension that fails a test class which leaves
 * Tandem threads, sockets or SQLite files open.
 */
package dev.tandem.sync.testing;
