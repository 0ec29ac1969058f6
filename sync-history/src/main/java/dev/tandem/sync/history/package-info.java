/**
 * Roo Code and Cline task history: {@link dev.tandem.sync.history.TaskMapper} maps one task
 * folder to records and back byte for byte, {@link dev.tandem.sync.history.HistoryImporter}
 * and {@link dev.tandem.sync.history.HistoryExporter} move tasks between folders and the
 * store. Files on disk and names in synced records are untrusted: import reads only regular files
 * inside a task folder, export writes only below its target folder.
 */
package dev.tandem.sync.history;
