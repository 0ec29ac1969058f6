/**
 * Runnable demos of the public API, each with a test that runs it:
 * {@link dev.tandem.examples.TwoDevicesDemo} starts a server and two devices and shows a write on
 * one arriving live on the other; {@link dev.tandem.examples.ObserveDemo} keeps a conversation
 * list current with {@code Tandem.observe} from local, remote and other-process writes.
 */
package dev.tandem.examples;
