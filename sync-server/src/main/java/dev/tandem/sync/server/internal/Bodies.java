package dev.tandem.sync.server.internal;

import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdInputStream;
import dev.tandem.sync.protocol.ErrorCode;
import dev.tandem.sync.protocol.WireDictionary;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a request body, inflating {@code gzip}, {@code zstd} or zstd with the shared dictionary
 * ({@link WireDictionary#CODING}), and enforces the size limit on both the bytes received and the
 * bytes inflated — while reading, so a compression bomb is cut off after {@code maxBytes} and
 * never fills memory.
 */
public final class Bodies {
  /** The largest buffer allocated before any byte of a body has arrived. */
  static final int MAX_FIRST_BUFFER = 2 << 20;

  private Bodies() {}

  /** The dictionary digested once; read-only, shared by every request thread. */
  private static final class Dictionary {
    static final ZstdDictDecompress DECOMPRESS = new ZstdDictDecompress(WireDictionary.bytes());
  }

  /**
   * Returns the body's decoded bytes.
   *
   * @throws ApiException 415 {@code unsupported_encoding} (also for a dictionary this server does
   *     not have), 413 {@code payload_too_large} or 400 {@code bad_request} for a body that does
   *     not inflate
   */
  public static byte[] read(InputStream raw, String contentEncoding, long contentLength,
      long maxBytes) throws IOException {
    String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    String dictionary = WireDictionary.idOf(encoding);
    if (dictionary != null && !(encoding.equals(WireDictionary.CODING)
        && WireDictionary.isAvailable())) {
      throw new ApiException(415, ErrorCode.UNSUPPORTED_ENCODING, "Content-Encoding \""
          + shorten(contentEncoding) + "\" names the zstd dictionary \"" + shorten(dictionary)
          + "\", which this server does not have; it has \"" + WireDictionary.ID
          + "\" (send plain zstd or gzip instead)");
    }
    if (dictionary == null && !encoding.isEmpty() && !encoding.equals("identity")
        && !encoding.equals("gzip") && !encoding.equals("zstd")) {
      throw new ApiException(415, ErrorCode.UNSUPPORTED_ENCODING,
          "Content-Encoding must be " + WireDictionary.CODING + ", zstd, gzip or absent, not \""
              + shorten(contentEncoding) + "\"");
    }
    if (contentLength > maxBytes) {
      throw tooLarge(maxBytes);
    }
    InputStream limitedRaw = new LimitedInputStream(raw, maxBytes);
    // A push of message records inflates about five times; the guess only sizes the buffer.
    long expected = contentLength <= 0 ? 0
        : Math.min(maxBytes, encoding.equals("gzip") || encoding.equals("zstd")
            ? contentLength * 5 : contentLength);
    try {
      switch (encoding) {
        case "gzip":
          return readAll(new LimitedInputStream(new GZIPInputStream(limitedRaw, 8192), maxBytes),
              expected);
        case "zstd":
          return readAll(new LimitedInputStream(new ZstdInputStream(limitedRaw), maxBytes),
              expected);
        case WireDictionary.CODING:
          // The same limit on the inflated bytes: a dictionary makes a bomb no smaller.
          return readAll(new LimitedInputStream(
              new ZstdInputStream(limitedRaw).setDict(Dictionary.DECOMPRESS), maxBytes), expected);
        default:
          return readAll(limitedRaw, expected);
      }
    } catch (ApiException e) {
      throw e;
    } catch (ZipException | java.io.EOFException e) {
      throw ApiException.badRequest("body is not valid " + encoding + ": " + e.getMessage());
    } catch (IOException e) {
      if (e.getClass().getName().startsWith("com.github.luben.zstd")) {
        throw ApiException.badRequest("body is not valid " + encoding + ": " + e.getMessage());
      }
      throw e;
    }
  }

  /**
   * Reads {@code in} to its end into a buffer first sized for {@code expected} bytes, so that a
   * body of the announced size is read without copying it through a run of doublings. The
   * first allocation is capped: the announced length is the sender's word, not bytes received.
   */
  static byte[] readAll(InputStream in, long expected) throws IOException {
    try (in) {
      byte[] buf = new byte[(int) Math.max(8192, Math.min(expected, MAX_FIRST_BUFFER))];
      int n = 0;
      while (true) {
        if (n == buf.length) {
          int next = in.read();
          if (next < 0) {
            return buf;
          }
          buf = Arrays.copyOf(buf, Math.max(buf.length + 1, (int) Math.min(
              (long) buf.length * 2, Integer.MAX_VALUE - 16)));
          buf[n++] = (byte) next;
        }
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
        n += r;
      }
    }
  }

  static ApiException tooLarge(long maxBytes) {
    return new ApiException(413, ErrorCode.PAYLOAD_TOO_LARGE,
        "request body exceeds the limit of " + maxBytes + " bytes");
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  /** Throws 413 as soon as more than {@code max} bytes are read. */
  private static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private final long max;
    private long count;

    LimitedInputStream(InputStream in, long max) {
      this.in = in;
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0 && ++count > max) {
        throw tooLarge(max);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count += n;
        if (count > max) {
          throw tooLarge(max);
        }
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
