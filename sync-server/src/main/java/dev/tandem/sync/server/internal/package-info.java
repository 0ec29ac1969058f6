/** Implementation of the sync server. No compatibility promise. */
package dev.tandem.sync.server.internal;
