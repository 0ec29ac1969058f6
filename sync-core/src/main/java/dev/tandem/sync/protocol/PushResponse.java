package dev.tandem.sync.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The 200 body of {@code POST /sync/batch}. */
public final class PushResponse {
  /** A conflict the server decided. */
  public static final class Conflict {
    private final @Nullable String type;
    private final @Nullable String id;
    private final @Nullable String resolution;
    private final @Nullable String winnerHlc;
    private final @Nullable Change current;

    public Conflict(@Nullable String type, @Nullable String id, @Nullable String resolution,
        @Nullable String winnerHlc) {
      this(type, id, resolution, winnerHlc, null);
    }

    /** A conflict that carries the stored version ({@code current}), or null. */
    public Conflict(@Nullable String type, @Nullable String id, @Nullable String resolution,
        @Nullable String winnerHlc, @Nullable Change current) {
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
    public @Nullable Change current() {
      return current;
    }

    public @Nullable String type() {
      return type;
    }

    public @Nullable String id() {
      return id;
    }

    /** Returns {@code remote_wins} (the stored version won) or {@code local_wins} (the sent one). */
    public @Nullable String resolution() {
      return resolution;
    }

    /** Returns the resolution, or null if this version of the protocol does not know it. */
    public @Nullable Resolution resolutionType() {
      return Resolution.fromWire(resolution);
    }

    public @Nullable String winnerHlc() {
      return winnerHlc;
    }

    @Override
    public boolean equals(@Nullable Object o) {
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
    private final @Nullable String type;
    private final @Nullable String id;
    private final @Nullable String code;
    private final @Nullable String message;

    public EntryError(@Nullable String type, @Nullable String id, @Nullable String code,
        @Nullable String message) {
      this.type = type;
      this.id = id;
      this.code = code;
      this.message = message;
    }

    public @Nullable String type() {
      return type;
    }

    public @Nullable String id() {
      return id;
    }

    public @Nullable String code() {
      return code;
    }

    public @Nullable String message() {
      return message;
    }

    /** Returns the code, or null if this version of the protocol does not know it. */
    public @Nullable ErrorCode errorCode() {
      return ErrorCode.fromWire(code);
    }

    @Override
    public boolean equals(@Nullable Object o) {
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
  private final @Nullable String cursor;

  public PushResponse(boolean success, Map<String, Integer> synced, List<Conflict> conflicts,
      List<EntryError> errors, @Nullable String cursor) {
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
  public @Nullable String cursor() {
    return cursor;
  }
}
