/**
 * Tandem on Android: {@link dev.tandem.sync.android.TandemAndroid} opens a store in the app's
 * no-backup files directory and ties the sync engine to the platform's connectivity, the app's
 * foreground and, optionally, {@link android.app.job.JobScheduler}.
 */
package dev.tandem.sync.android;
