/**
 * Runnable demos of the public API, each with a test that runs it:
 * {@link dev.tandem.examples.TwoDevicesDemo} starts a server and two devices and shows a write on
 * one arriving live on the other.
 */
package dev.tandem.examples;
