package dev.tandem.sync.sqlite;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One ordered schema change of the local store: a version, a description, the SQL that applies
 * it and the SQL that undoes it. Its {@link #checksum()} (SHA-256 of up and down SQL) is recorded
 * when it is applied; a migration whose SQL changed after it was applied is refused.
 *
 * <p>Statements in {@code upSql} and {@code downSql} are separated by semicolons; triggers
 * (whose bodies contain semicolons) are not supported. Immutable.
 */
public final class Migration {
  private final int version;
  private final String description;
  private final String upSql;
  private final String downSql;
  private final String checksum;

  private Migration(int version, String description, String upSql, String downSql) {
    if (version < 1) {
      throw new IllegalArgumentException("migration version must be positive: " + version);
    }
    this.version = version;
    this.description = Objects.requireNonNull(description, "description");
    this.upSql = Objects.requireNonNull(upSql, "upSql");
    this.downSql = Objects.requireNonNull(downSql, "downSql");
    this.checksum = sha256(upSql + downSql);
  }

  /**
   * Returns a migration.
   *
   * @throws IllegalArgumentException if {@code version} is not positive
   */
  public static Migration of(int version, String description, String upSql, String downSql) {
    return new Migration(version, description, upSql, downSql);
  }

  /** Returns the version; migrations apply in ascending version order. */
  public int version() {
    return version;
  }

  public String description() {
    return description;
  }

  /** Returns the SQL that applies this migration. */
  public String upSql() {
    return upSql;
  }

  /** Returns the SQL that undoes this migration. */
  public String downSql() {
    return downSql;
  }

  /** Returns the lowercase hex SHA-256 of {@code upSql + downSql} (UTF-8). */
  public String checksum() {
    return checksum;
  }

  static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(64);
      for (byte b : d) {
        sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required on every Java platform", e);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Migration && version == ((Migration) o).version
        && checksum.equals(((Migration) o).checksum)
        && description.equals(((Migration) o).description);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, checksum);
  }

  @Override
  public String toString() {
    return "Migration{" + version + " " + description + " " + checksum.substring(0, 12) + "}";
  }
}
