/** Implementation details: no compatibility promise. */
package dev.tandem.sync.internal;
