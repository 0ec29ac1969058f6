/**
 * Tandem's public API: the {@link dev.tandem.sync.Tandem} entry point, record types and
 * repositories, the hybrid logical clock, sync status and listeners.
 */
package dev.tandem.sync;
