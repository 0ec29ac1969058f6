package dev.tandem.sync.server.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/** A logger of {@link Logs}: formats one event into one line and writes it at once. */
final class TandemLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  private transient volatile int threshold;
  private transient volatile int seenGeneration = -1;

  TandemLogger(String name) {
    this.name = name;
  }

  private boolean enabled(Level level) {
    int g = Logs.generation();
    if (g != seenGeneration) {
      threshold = Logs.thresholdFor(name);
      seenGeneration = g;
    }
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
      Object[] arguments, Throwable throwable) {
    emit(level, System.currentTimeMillis(), Thread.currentThread().getName(),
        MessageFormatter.basicArrayFormat(pattern, arguments), List.of(), throwable);
  }

  /** The fluent API ({@code atInfo().addKeyValue(…).log(…)}): key-value pairs become fields. */
  @Override
  public void log(LoggingEvent event) {
    if (!enabled(event.getLevel())) {
      return;
    }
    Object[] args = event.getArgumentArray();
    Throwable t = event.getThrowable();
    if (t == null && args != null) {
      t = MessageFormatter.getThrowableCandidate(args);
      if (t != null) {
        args = MessageFormatter.trimmedCopy(args);
      }
    }
    List<KeyValuePair> kv = event.getKeyValuePairs();
    emit(event.getLevel(), event.getTimeStamp() > 0 ? event.getTimeStamp()
            : System.currentTimeMillis(),
        event.getThreadName() != null ? event.getThreadName() : Thread.currentThread().getName(),
        MessageFormatter.basicArrayFormat(event.getMessage(), args),
        kv == null ? List.of() : kv, t);
  }

  private void emit(Level level, long millis, String thread, String message,
      List<KeyValuePair> kv, Throwable t) {
    Logs.write(Logs.format() == Logs.Format.JSON
        ? json(level, millis, thread, message, kv, t)
        : text(level, millis, thread, message, kv, t));
  }

  String text(Level level, long millis, String thread, String message, List<KeyValuePair> kv,
      Throwable t) {
    StringBuilder sb = new StringBuilder(128);
    String time = Logs.textTime(millis);
    if (time != null) {
      sb.append(time).append(' ');
    }
    sb.append('[').append(thread).append("] ").append(level.name()).append(' ').append(name)
        .append(" - ").append(message);
    for (KeyValuePair p : kv) {
      sb.append(' ').append(p.key).append('=').append(p.value);
    }
    sb.append(System.lineSeparator());
    if (t != null) {
      sb.append(stackTrace(t));
    }
    return sb.toString();
  }

  String json(Level level, long millis, String thread, String message, List<KeyValuePair> kv,
      Throwable t) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"ts\":\"").append(Instant.ofEpochMilli(millis)).append('"');
    field(sb, "level", level.name());
    field(sb, "logger", name);
    field(sb, "thread", thread);
    field(sb, "msg", message);
    for (KeyValuePair p : kv) {
      if (p.value instanceof Number || p.value instanceof Boolean) {
        sb.append(",\"");
        escape(sb, p.key);
        sb.append("\":").append(p.value);
      } else {
        field(sb, p.key, String.valueOf(p.value));
      }
    }
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    if (mdc != null && !mdc.isEmpty()) {
      sb.append(",\"mdc\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        sb.append(first ? "\"" : ",\"");
        first = false;
        escape(sb, e.getKey());
        sb.append("\":\"");
        escape(sb, e.getValue());
        sb.append('"');
      }
      sb.append('}');
    }
    if (t != null) {
      field(sb, "error", t.toString());
      field(sb, "stack", stackTrace(t));
    }
    return sb.append('}').append('\n').toString();
  }

  private static void field(StringBuilder sb, String key, String value) {
    sb.append(",\"");
    escape(sb, key);
    sb.append("\":");
    if (value == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    escape(sb, value);
    sb.append('"');
  }

  /** JSON string escaping: quotes, backslashes and every control character. */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    try (PrintWriter pw = new PrintWriter(w)) {
      t.printStackTrace(pw);
    }
    return w.toString();
  }
}
