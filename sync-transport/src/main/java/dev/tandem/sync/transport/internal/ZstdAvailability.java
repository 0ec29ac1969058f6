package dev.tandem.sync.transport.internal;

/**
 * Whether zstd can be used here, checked once, without linking {@link ZstdCodec} when zstd-jni
 * is missing (linking it may load zstd-jni's classes, and fail).
 */
public final class ZstdAvailability {
  private static final boolean AVAILABLE = check();

  private ZstdAvailability() {}

  /** Whether zstd-jni is on the classpath and its native library loads. */
  public static boolean isAvailable() {
    return AVAILABLE;
  }

  private static boolean check() {
    try {
      Class.forName("com.github.luben.zstd.Zstd", false, ZstdAvailability.class.getClassLoader());
      ZstdCodec.requireAvailable();
      return true;
    } catch (ClassNotFoundException | IllegalStateException | LinkageError e) {
      return false;
    }
  }
}
