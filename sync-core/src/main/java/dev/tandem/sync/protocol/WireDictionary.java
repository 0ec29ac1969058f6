package dev.tandem.sync.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The zstd dictionary trained on agent history that the client and the reference server share
 * (docs/protocol.md, "Compression"). A body compressed with it goes with {@code Content-Encoding:
 * }{@link #CODING}, which names the dictionary's id: a side that has another dictionary, or none,
 * never lists that coding, so the other side falls back to plain zstd, then gzip.
 *
 * <p>A dictionary is never changed in place: new training gets a new id, and servers keep
 * accepting the old ones for as long as devices may send them. This class only loads the bytes
 * (zstd-jni is an optional dependency of the transport; nothing here needs it).
 */
public final class WireDictionary {
  /** The dictionary's id and version. */
  public static final String ID = "agent-1";
  /** The content coding of bodies compressed with this dictionary. */
  public static final String CODING = "zstd-" + ID;
  /** The prefix of every dictionary coding, {@code zstd-<id>}. */
  public static final String CODING_PREFIX = "zstd-";
  /** SHA-256 of the resource, checked on load: a damaged jar must not corrupt bodies. */
  static final String SHA256 = "06a4a029402b3a3c0e81ab5f6903cb251c487e2c4f0cef11430faed620692437";
  /** Absolute, so that a shrinker that moves this class (R8) does not lose the resource. */
  private static final String RESOURCE = "/dev/tandem/sync/protocol/" + ID + ".zdict";

  private WireDictionary() {}

  /** Loaded once, on first use: the class itself costs nothing to hosts that never compress. */
  private static final class Holder {
    static final byte @Nullable [] BYTES = load();
  }

  /** Whether the dictionary resource is present and intact. */
  public static boolean isAvailable() {
    return Holder.BYTES != null;
  }

  /**
   * Returns a copy of the dictionary's bytes.
   *
   * @throws IllegalStateException if the resource is missing or damaged
   */
  public static byte[] bytes() {
    byte[] b = Holder.BYTES;
    if (b == null) {
      throw new IllegalStateException("the wire dictionary " + RESOURCE
          + " is missing from tandem-sync-core or damaged (SHA-256 differs)");
    }
    return b.clone();
  }

  /** Returns the SHA-256 of the dictionary's bytes, in lower-case hex. */
  public static String sha256() {
    return SHA256;
  }

  /**
   * Returns the dictionary id a content coding names ({@code zstd-agent-1} gives {@code
   * agent-1}), or null if it is not a dictionary coding.
   */
  public static @Nullable String idOf(@Nullable String coding) {
    if (coding == null) {
      return null;
    }
    String c = coding.trim().toLowerCase(Locale.ROOT);
    if (!c.startsWith(CODING_PREFIX) || c.length() == CODING_PREFIX.length()) {
      return null;
    }
    String id = c.substring(CODING_PREFIX.length());
    for (int i = 0; i < id.length(); i++) {
      char ch = id.charAt(i);
      // A content-coding token: anything else (a list, a parameter) is not one coding.
      if (!(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.')) {
        return null;
      }
    }
    return id;
  }

  private static byte @Nullable [] load() {
    try (InputStream in = WireDictionary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return null;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(128 * 1024);
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
      }
      byte[] bytes = out.toByteArray();
      return hex(MessageDigest.getInstance("SHA-256").digest(bytes)).equals(SHA256) ? bytes : null;
    } catch (IOException | NoSuchAlgorithmException e) {
      return null;
    }
  }

  private static String hex(byte[] digest) {
    StringBuilder sb = new StringBuilder(digest.length * 2);
    for (byte b : digest) {
      sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return sb.toString();
  }
}
