/** The wire protocol's value types and codec, shared by the client and the reference server. */
package dev.tandem.sync.protocol;
