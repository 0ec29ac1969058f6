package dev.tandem.sync.server.logging;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Tandem's own SLF4J backend for the server, the CLI and the examples: one line per event, as
 * plain text or as one JSON object per line.
 *
 * <p>It reads slf4j-simple's system properties, so existing scripts keep working: {@code
 * org.slf4j.simpleLogger.defaultLogLevel} ({@code trace}, {@code debug}, {@code info} (default),
 * {@code warn}, {@code error}, {@code off}), {@code org.slf4j.simpleLogger.log.<logger or package>}
 * for one logger and those below it, and {@code org.slf4j.simpleLogger.logFile} ({@code
 * System.err} (default), {@code System.out}, or a file appended to), {@code
 * org.slf4j.simpleLogger.showDateTime} and {@code dateTimeFormat} (a {@link
 * java.time.format.DateTimeFormatter} pattern), from system properties or from a {@code
 * simplelogger.properties} on the class path (the server's sets Jetty and Javalin to {@code
 * warn}). {@code tandem.log.format}
 * ({@code text} or {@code json}) chooses the format at start; {@link #configure} changes format and
 * level while running.
 *
 * <p>A JVM that has another SLF4J backend (an application embedding the server) keeps it: then
 * {@link #configure} does nothing and says so.
 */
public final class Logs {
  /** The system property that chooses the format at start. */
  public static final String FORMAT_PROPERTY = "tandem.log.format";
  static final String PREFIX = "org.slf4j.simpleLogger.";
  static final String DEFAULT_LEVEL_PROPERTY = PREFIX + "defaultLogLevel";
  static final String LOG_FILE_PROPERTY = PREFIX + "logFile";
  static final String LEVEL_PREFIX = PREFIX + "log.";

  /** How each event is written. */
  public enum Format {
    /** {@code [thread] LEVEL logger - message key=value…}, as slf4j-simple writes it. */
    TEXT,
    /** One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code thread}, … */
    JSON;

    /**
     * Parses {@code text} or {@code json} (any case).
     *
     * @throws IllegalArgumentException naming {@code what}, for anything else
     */
    public static Format parse(String value, String what) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      switch (v) {
        case "text":
          return TEXT;
        case "json":
          return JSON;
        default:
          throw new IllegalArgumentException(what + " must be text or json, not \"" + value
              + "\"");
      }
    }
  }

  /** Written by {@link #configure}; read on every event. */
  private static volatile Format format = initialFormat();
  /** Null: the level from the properties. */
  private static volatile Level levelOverride;
  /** True: loggers without a level of their own write nothing. */
  private static volatile boolean off;
  /** Bumped on every change, so that loggers recompute their level once. */
  private static volatile int generation;
  private static PrintStream fileStream;
  private static final java.util.Properties FILE = loadFile();

  private Logs() {}

  private static java.util.Properties loadFile() {
    java.util.Properties p = new java.util.Properties();
    try (java.io.InputStream in =
        Logs.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException | RuntimeException e) {
      // No file, or an unreadable one: the defaults apply.
    }
    return p;
  }

  /** A setting: the system property, else {@code simplelogger.properties}, else null. */
  static String setting(String key) {
    String v = System.getProperty(key);
    return v != null ? v : FILE.getProperty(key);
  }

  private static Format initialFormat() {
    String v = System.getProperty(FORMAT_PROPERTY);
    if (v == null || v.isEmpty()) {
      return Format.TEXT;
    }
    try {
      return Format.parse(v, FORMAT_PROPERTY);
    } catch (IllegalArgumentException e) {
      return Format.TEXT;
    }
  }

  /**
   * Sets the format, and the level of every logger that has no level of its own (null leaves the
   * level to the properties).
   *
   * @return false, changing nothing, if this JVM logs through another SLF4J backend
   */
  public static boolean configure(Format newFormat, Level defaultLevel) {
    if (!active()) {
      return false;
    }
    format = newFormat;
    levelOverride = defaultLevel;
    off = false;
    generation++;
    return true;
  }

  /** The format and level set by {@link #configure}, to put back with {@link #restore}. */
  public static final class State {
    private final Format format;
    private final Level level;
    private final boolean off;

    private State(Format format, Level level, boolean off) {
      this.format = format;
      this.level = level;
      this.off = off;
    }
  }

  /** Returns what {@link #configure} set, for a command that runs in a longer-lived JVM. */
  public static State state() {
    return new State(format, levelOverride, off);
  }

  /** Puts back what {@link #state()} returned. */
  public static void restore(State state) {
    format = state.format;
    levelOverride = state.level;
    off = state.off;
    generation++;
  }

  /** Silences every logger that has no level of its own (the level {@code off}). */
  public static void configureOff() {
    off = true;
    generation++;
  }

  /** Returns true if SLF4J logs through this backend in this JVM. */
  public static boolean active() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    return factory instanceof TandemLoggerFactory;
  }

  /** Returns the format in use. */
  public static Format format() {
    return format;
  }

  /**
   * Parses a level name ({@code trace} … {@code error}); {@code off} is null.
   *
   * @throws IllegalArgumentException naming {@code what}, for anything else
   */
  public static Level parseLevel(String value, String what) {
    String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    if (v.equals("OFF")) {
      return null;
    }
    for (Level l : Level.values()) {
      if (l.name().equals(v)) {
        return l;
      }
    }
    throw new IllegalArgumentException(what + " must be one of trace, debug, info, warn, error,"
        + " off, not \"" + value + "\"");
  }

  private static volatile java.time.format.DateTimeFormatter dateFormat;
  private static volatile String dateFormatPattern;

  /** The time prefix of a text line, or null when {@code showDateTime} is not true. */
  static String textTime(long millis) {
    if (!"true".equalsIgnoreCase(setting(PREFIX + "showDateTime"))) {
      return null;
    }
    String pattern = setting(PREFIX + "dateTimeFormat");
    pattern = pattern == null ? "yyyy-MM-dd'T'HH:mm:ss.SSSZ" : pattern;
    java.time.format.DateTimeFormatter f = dateFormat;
    if (f == null || !pattern.equals(dateFormatPattern)) {
      try {
        f = java.time.format.DateTimeFormatter.ofPattern(pattern)
            .withZone(java.time.ZoneId.systemDefault());
      } catch (IllegalArgumentException e) {
        f = java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME
            .withZone(java.time.ZoneId.systemDefault());
      }
      dateFormat = f;
      dateFormatPattern = pattern;
    }
    return f.format(java.time.Instant.ofEpochMilli(millis));
  }

  static int generation() {
    return generation;
  }

  /** A level above ERROR: nothing is written. */
  static final int OFF = Level.ERROR.toInt() + 10;

  /** The least level written for {@code name}, as an int of {@link Level#toInt()}, or OFF. */
  static int thresholdFor(String name) {
    String n = name;
    while (true) {
      String v = setting(LEVEL_PREFIX + n);
      if (v != null) {
        return threshold(v, Level.INFO.toInt());
      }
      int dot = n.lastIndexOf('.');
      if (dot < 0) {
        break;
      }
      n = n.substring(0, dot);
    }
    if (off) {
      return OFF;
    }
    Level override = levelOverride;
    if (override != null) {
      return override.toInt();
    }
    String v = setting(DEFAULT_LEVEL_PROPERTY);
    return v == null ? Level.INFO.toInt() : threshold(v, Level.INFO.toInt());
  }

  private static int threshold(String v, int fallback) {
    try {
      Level l = parseLevel(v, "level");
      return l == null ? OFF : l.toInt();
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }

  /** Writes one finished line (with its line break) where the properties say. */
  static void write(String line) {
    PrintStream out = target();
    synchronized (out) {
      out.print(line);
      out.flush();
    }
  }

  private static PrintStream target() {
    String where = setting(LOG_FILE_PROPERTY);
    where = where == null ? "System.err" : where;
    if (where.equals("System.out")) {
      return System.out;
    }
    if (where.equals("System.err") || where.isEmpty()) {
      return System.err;
    }
    synchronized (Logs.class) {
      if (fileStream == null) {
        try {
          OutputStream file = new FileOutputStream(where, true);
          fileStream = new PrintStream(file, true, StandardCharsets.UTF_8);
        } catch (IOException e) {
          System.err.println("tandem: cannot open the log file " + where + " (" + e.getMessage()
              + "); logging to stderr");
          fileStream = System.err;
        }
      }
      return fileStream;
    }
  }
}
