/** Internals of the SQLite store. Not a published API: it changes without notice. */
package dev.tandem.sync.sqlite.internal;
