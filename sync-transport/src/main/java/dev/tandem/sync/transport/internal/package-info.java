/** Implementation details of the OkHttp transport. Not API: changes without notice. */
package dev.tandem.sync.transport.internal;
