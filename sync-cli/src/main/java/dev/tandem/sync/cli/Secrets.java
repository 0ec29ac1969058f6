package dev.tandem.sync.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Where the command line takes secrets from. A value on the command line is visible to every user
 * of the machine ({@code ps}, shell history), so each secret also has an environment-variable form
 * and {@code -} for standard input, and none requires the argument form.
 */
final class Secrets {
  /** A secret is one short line; more than this on standard input is the wrong input. */
  static final int MAX_STDIN_BYTES = 64 * 1024;

  private Secrets() {}

  /** Raised for a secret that cannot be had; the message names the option and the fix. */
  static final class SecretException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SecretException(String message) {
      super(message);
    }
  }

  /**
   * Returns the secret given by one of an option's forms: {@code value} itself, standard input
   * when {@code value} is {@code -}, or the environment variable named by {@code variable}.
   * Exactly one of {@code value} and {@code variable} may be set; with neither, {@code
   * fallbackVariable} (if not null and set) is used.
   *
   * @param option the value form's name, e.g. {@code --token}
   * @param envOption the variable form's name, e.g. {@code --token-env}
   * @throws SecretException if both or neither form is given, the variable is unset or empty,
   *     or standard input holds no secret
   */
  static String resolve(String option, String value, String envOption, String variable,
      String fallbackVariable, Map<String, String> env, InputStream stdin) {
    if (value != null && variable != null) {
      throw new SecretException(option + " and " + envOption + " are two ways to give the same "
          + "secret; use one");
    }
    if (value != null) {
      return value.equals("-") ? fromStdin(option, stdin) : requireNonBlank(option, value);
    }
    if (variable != null) {
      return fromEnv(envOption, variable, env);
    }
    if (fallbackVariable != null) {
      String v = env.get(fallbackVariable);
      if (v != null && !v.trim().isEmpty()) {
        return v.trim();
      }
    }
    throw new SecretException("missing secret: give " + envOption + " VAR (a variable holding "
        + "it), or " + option + " - to read it from standard input"
        + (fallbackVariable == null ? "" : ", or set $" + fallbackVariable));
  }

  private static String requireNonBlank(String option, String value) {
    if (value.trim().isEmpty()) {
      throw new SecretException(option + " must not be empty");
    }
    return value.trim();
  }

  private static String fromEnv(String envOption, String variable, Map<String, String> env) {
    String v = env.get(variable);
    if (v == null) {
      throw new SecretException(envOption + " " + variable + ": the environment variable "
          + variable + " is not set");
    }
    if (v.trim().isEmpty()) {
      throw new SecretException(envOption + " " + variable + ": the environment variable "
          + variable + " is empty");
    }
    return v.trim();
  }

  /** Reads the first line of standard input (the rest, a trailing newline say, is ignored). */
  private static String fromStdin(String option, InputStream in) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[1024];
    try {
      int n;
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
        if (buf.size() > MAX_STDIN_BYTES) {
          throw new SecretException(option + " -: standard input holds more than "
              + MAX_STDIN_BYTES + " bytes; a secret is one short line");
        }
        if (indexOfNewline(chunk, n) >= 0) {
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + option + " from standard input", e);
    }
    String text = new String(buf.toByteArray(), StandardCharsets.UTF_8);
    int eol = text.indexOf('\n');
    String line = (eol >= 0 ? text.substring(0, eol) : text).trim();
    if (line.isEmpty()) {
      throw new SecretException(option + " -: standard input is empty; pipe the secret in, e.g. "
          + "pass show tandem | tandem ... " + option + " -");
    }
    return line;
  }

  private static int indexOfNewline(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
