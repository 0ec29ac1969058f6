package dev.tandem.sync.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.sync.Record;
import dev.tandem.sync.spi.Redactor;
import java.util.Iterator;
import java.util.Map;

/**
 * Keeps the origin device's secrets when its own masked text comes back. A device that pushed a
 * record with secrets sent a redacted copy; another device that edits some other field of that
 * record sends the mask back in the fields it did not touch. Applied as it arrives, that would
 * replace the origin's real text with {@code [REDACTED]} for good.
 */
final class UnredactedCopy {
  private UnredactedCopy() {}

  /**
   * Returns {@code remote}, except that each string whose value equals the redaction of the
   * local value at the same place is given back the local value; then the same against
   * {@code base} (the last version this device synced), for text the device has edited since,
   * so that a merge sees the real base text rather than its mask. Returns {@code remote} itself
   * when nothing needed restoring (in particular when neither version has anything to mask).
   */
  static Record restore(Redactor redactor, Record local, Record base, Record remote) {
    if (remote.deleted()) {
      return remote;
    }
    try {
      JsonNode remoteTree = null;
      boolean changed = false;
      Record[] own = {local, base};
      for (int i = 0; i < own.length; i++) {
        Record r = own[i];
        boolean sameAsLocal = i == 1 && local != null && !local.deleted() && r != null
            && !r.deleted() && r.json().equals(local.json());
        if (r == null || r.deleted() || r.json().equals(remote.json()) || sameAsLocal) {
          continue;
        }
        String masked = redactor.redact(r.type(), r.id(), r.json());
        if (masked == null || masked.equals(r.json())) {
          continue;
        }
        if (remoteTree == null) {
          remoteTree = Json.parse(remote.json());
        }
        changed |= restoreInto(remoteTree, Json.parse(r.json()), Json.parse(masked));
      }
      return changed
          ? Record.of(remote.type(), remote.id(), remote.hlc(), Json.write(remoteTree)) : remote;
    } catch (RuntimeException e) {
      // A redactor that fails or returns non-JSON cannot have produced what arrived: keep it.
      return remote;
    }
  }

  /** Walks {@code remote} beside {@code local} and its masked form; true if it changed. */
  private static boolean restoreInto(JsonNode remote, JsonNode local, JsonNode masked) {
    boolean changed = false;
    if (remote.isObject() && local.isObject() && masked.isObject()) {
      ObjectNode r = (ObjectNode) remote;
      for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode l = local.get(e.getKey());
        JsonNode m = masked.get(e.getKey());
        if (l == null || m == null) {
          continue;
        }
        if (isMaskOf(e.getValue(), l, m)) {
          e.setValue(l);
          changed = true;
        } else {
          changed |= restoreInto(e.getValue(), l, m);
        }
      }
    } else if (remote.isArray() && local.isArray() && masked.isArray()
        && local.size() == masked.size()) {
      ArrayNode r = (ArrayNode) remote;
      for (int i = 0; i < r.size() && i < local.size(); i++) {
        if (isMaskOf(r.get(i), local.get(i), masked.get(i))) {
          r.set(i, local.get(i));
          changed = true;
        } else {
          changed |= restoreInto(r.get(i), local.get(i), masked.get(i));
        }
      }
    }
    return changed;
  }

  private static boolean isMaskOf(JsonNode remote, JsonNode local, JsonNode masked) {
    return remote.isTextual() && local.isTextual() && masked.isTextual()
        && !masked.asText().equals(local.asText()) && remote.asText().equals(masked.asText());
  }
}
