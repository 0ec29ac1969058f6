/**
 * Plug points: the local store, the transport to the server, the conflict resolver and the
 * redactor. Hosts rarely implement these; the sibling modules do.
 */
package dev.tandem.sync.spi;
