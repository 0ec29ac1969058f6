package dev.tandem.sync.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.tandem.sync.protocol.ProtocolCodec;
import dev.tandem.sync.protocol.PushRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * A host without zstd-jni (an Android app that did not add it): the transport, loaded afresh in
 * a class loader that has no {@code com.github.luben} classes, negotiates gzip with {@link
 * Compression#AUTO} and never offers the dictionary, even from a server that lists it.
 */
class WithoutZstdJniTest extends MockServerTest {
  /** Defines this module's classes itself (fresh statics), hides zstd-jni, shares the rest. */
  private static final class WithoutZstd extends ClassLoader {
    WithoutZstd(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("com.github.luben.")) {
        throw new ClassNotFoundException(name);
      }
      if (!name.startsWith("dev.tandem.sync.transport.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> c = findLoadedClass(name);
        if (c == null) {
          try (InputStream in = getParent().getResourceAsStream(
              name.replace('.', '/') + ".class")) {
            if (in == null) {
              throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            c = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return c;
      }
    }
  }

  @Test
  void auto_negotiatesGzip_andNeverOffersTheDictionary() throws Exception {
    ClassLoader loader = new WithoutZstd(WithoutZstdJniTest.class.getClassLoader());
    Class<?> type = loader.loadClass(OkHttpTransport.class.getName());
    assertNotSame(OkHttpTransport.class, type);
    Object b = type.getMethod("builder").invoke(null);
    Class<?> bt = b.getClass();
    bt.getMethod("baseUrl", URI.class).invoke(b, server.url("/").uri());
    bt.getMethod("token", String.class).invoke(b, "tok-1");
    bt.getMethod("teamId", String.class).invoke(b, "team-1");
    bt.getMethod("deviceId", String.class).invoke(b, "laptop-1");
    PushRequest request = OkHttpTransportTest.batch(20, 300);
    for (int i = 0; i < 2; i++) {
      server.enqueue(new MockResponse().setBody(PUSH_OK)
          .setHeader("Accept-Encoding", "zstd-agent-1, zstd, gzip"));
    }
    try (AutoCloseable t = (AutoCloseable) bt.getMethod("build").invoke(b)) {
      type.getMethod("push", PushRequest.class).invoke(t, request);
      type.getMethod("push", PushRequest.class).invoke(t, request);
    }
    for (int i = 0; i < 2; i++) {
      RecordedRequest r = server.takeRequest(10, TimeUnit.SECONDS);
      assertEquals("gzip", r.getHeader("Content-Encoding"));
      // OkHttp's own header: the transport asked for nothing it could not decode.
      assertEquals("gzip", r.getHeader("Accept-Encoding"));
      assertFalse(r.getHeader("Accept-Encoding").contains("zstd"));
      assertEquals(ProtocolCodec.writePushRequest(request).length,
          OkHttpTransportTest.gunzip(r.getBody().readByteArray()).length);
    }
  }
}
