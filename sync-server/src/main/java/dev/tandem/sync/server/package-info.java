/**
 * The reference sync server: {@link dev.tandem.sync.server.TandemServer} serves the protocol of
 * docs/protocol.md over one port, on a {@link dev.tandem.sync.server.ServerStore} (SQLite by
 * default); {@link dev.tandem.sync.server.Main} is its command line. Load beyond its limits is
 * answered with 503 {@code overloaded}, never with an error of its own.
 */
package dev.tandem.sync.server;
