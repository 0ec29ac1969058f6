package dev.tandem.sync;

import org.jspecify.annotations.Nullable;

/** Validation of record ids, device ids and type names, shared by every module. */
public final class Ids {
  private Ids() {}

  /** What a valid id looks like, for error messages. */
  public static final String ID_RULE = "must match [A-Za-z0-9._:-]{1,128} and not be . or ..";

  /**
   * Returns true if {@code id} is a valid record or device id: {@code [A-Za-z0-9._:-]{1,128}},
   * except {@code .} and {@code ..}, which name directories wherever an id becomes a path.
   */
  public static boolean isValidId(@Nullable String id) {
    // A loop, not a regex: every write checks its ids and type several times over.
    if (id == null || id.isEmpty() || id.length() > 128 || id.equals(".") || id.equals("..")) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(isLowerOrDigit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == ':'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** Returns true if {@code type} is a valid type name: {@code [a-z][a-z0-9_]{0,63}}. */
  public static boolean isValidType(@Nullable String type) {
    if (type == null || type.isEmpty() || type.length() > 64) {
      return false;
    }
    char first = type.charAt(0);
    if (first < 'a' || first > 'z') {
      return false;
    }
    for (int i = 1; i < type.length(); i++) {
      char c = type.charAt(i);
      if (!(isLowerOrDigit(c) || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  /**
   * Returns {@code id} if it is a valid record id.
   *
   * @throws IllegalArgumentException naming the id and the rule it breaks
   */
  public static String requireId(String id) {
    if (!isValidId(id)) {
      throw new IllegalArgumentException(
          "invalid id " + quote(id) + ": " + ID_RULE);
    }
    return id;
  }

  /**
   * Returns {@code deviceId} if it is a valid device id (same rule as record ids).
   *
   * @throws IllegalArgumentException naming the id and the rule it breaks
   */
  public static String requireDeviceId(String deviceId) {
    if (!isValidId(deviceId)) {
      throw new IllegalArgumentException(
          "invalid device id " + quote(deviceId) + ": " + ID_RULE);
    }
    return deviceId;
  }

  /**
   * Returns {@code type} if it is a valid type name.
   *
   * @throws IllegalArgumentException naming the type and the rule it breaks
   */
  public static String requireType(String type) {
    if (!isValidType(type)) {
      throw new IllegalArgumentException(
          "invalid type " + quote(type) + ": must match [a-z][a-z0-9_]{0,63}");
    }
    return type;
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "\"" + (s.length() > 140 ? s.substring(0, 140) + "…" : s) + "\"";
  }
}
