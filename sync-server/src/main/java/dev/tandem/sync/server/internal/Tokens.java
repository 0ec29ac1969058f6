package dev.tandem.sync.server.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Token generation and hashing. Tokens are never stored or logged, only their SHA-256. */
public final class Tokens {
  /** Every device token starts with this, so secret scanners recognise a leaked one. */
  public static final String PREFIX = "tdm_";
  /** Random characters after the prefix: 62^43 is just over 2^256. */
  public static final int RANDOM_CHARS = 43;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Tokens() {}

  /**
   * Returns a new device token: {@value #PREFIX} and {@value #RANDOM_CHARS} base62 characters.
   * Base62 rather than base64 so that a token never starts with {@code -} (read as an option by
   * command lines) and survives URLs, shells and double-click selection unquoted.
   */
  public static String newToken() {
    char[] out = new char[PREFIX.length() + RANDOM_CHARS];
    PREFIX.getChars(0, PREFIX.length(), out, 0);
    for (int i = PREFIX.length(); i < out.length; i++) {
      // nextInt(bound) rejects the biased tail itself, so every character is uniform.
      out[i] = BASE62[RANDOM.nextInt(BASE62.length)];
    }
    return new String(out);
  }

  /** Returns the lowercase hex SHA-256 of the token's UTF-8 bytes. */
  public static String hash(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }

  /** Compares a presented token with a stored hash in constant time. */
  public static boolean matches(String token, byte[] expectedHash) {
    return token != null && MessageDigest.isEqual(sha256(token), expectedHash);
  }

  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }

  /** Returns the token of an {@code Authorization: Bearer <token>} header, or null. */
  public static String bearer(String authorization) {
    if (authorization == null || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
