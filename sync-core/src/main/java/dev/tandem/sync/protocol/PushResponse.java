package dev.tandem.sync.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The 200 body of {@code POST /sync/batch}. */
public final class PushResponse {
  /** A conflict the server decided. */
  public static final class Conflict {
    private final String type;
    private final String id;
    private final String resolution;
    private final String winnerHlc;
    private final Change current;

    public Conflict(String type, String id, String resolution, String winnerHlc) {
      this(type, id, resolution, winnerHlc, null);
    }

    /** A conflict that carries the stored version ({@code current}), or null. */
    public Conflict(String type, String id, String resolution, String winnerHlc,
        Change current) {
      this.type = type;
      this.id = id;
      this.resolution = resolution;
      this.winnerHlc = winnerHlc;
      this.current = current;
    }

    /**
     * Returns the version the server holds, when it refused a conditional change
     * ({@link Change#ifBase()}) because that change was not made from it; otherwise null.
     */
    public Change current() {
      return current;
    }

    public String type() {
      return type;
    }

    public String id() {
      return id;
    }

    /** Returns {@code remote_wins} (the stored version won) or {@code local_wins} (the sent one). */
    public String resolution() {
      return resolution;
    }

    public String winnerHlc() {
      return winnerHlc;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Conflict)) {
        return false;
      }
      Conflict c = (Conflict) o;
      return Objects.equals(type, c.type) && Objects.equals(id, c.id)
          && Objects.equals(resolution, c.resolution) && Objects.equals(winnerHlc, c.winnerHlc)
          && Objects.equals(current, c.current);
    }

    @Override
    public int hashCode() {
      return Objects.hash(type, id, resolution, winnerHlc);
    }
  }

  /** An entry the server refused on its own; the rest of the batch still applied. */
  public static final class EntryError {
    private final String type;
    private final String id;
    private final String code;
    private final String message;

    public EntryError(String type, String id, String code, String message) {
      this.type = type;
      this.id = id;
      this.code = code;
      this.message = message;
    }

    public String type() {
      return type;
    }

    public String id() {
      return id;
    }

    public String code() {
      return code;
    }

    public String message() {
      return message;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof EntryError)) {
        return false;
      }
      EntryError e = (EntryError) o;
      return Objects.equals(type, e.type) && Objects.equals(id, e.id)
          && Objects.equals(code, e.code) && Objects.equals(message, e.message);
    }

    @Override
    public int hashCode() {
      return Objects.hash(type, id, code, message);
    }
  }

  private final boolean success;
  private final Map<String, Integer> synced;
  private final List<Conflict> conflicts;
  private final List<EntryError> errors;
  private final String cursor;

  public PushResponse(boolean success, Map<String, Integer> synced, List<Conflict> conflicts,
      List<EntryError> errors, String cursor) {
    this.success = success;
    this.synced = Collections.unmodifiableMap(new LinkedHashMap<>(synced));
    this.conflicts = Collections.unmodifiableList(conflicts);
    this.errors = Collections.unmodifiableList(errors);
    this.cursor = cursor;
  }

  public boolean success() {
    return success;
  }

  /** Returns the count of accepted changes per type. */
  public Map<String, Integer> synced() {
    return synced;
  }

  public List<Conflict> conflicts() {
    return conflicts;
  }

  public List<EntryError> errors() {
    return errors;
  }

  /** Returns the server cursor after this batch was applied. */
  public String cursor() {
    return cursor;
  }
}
