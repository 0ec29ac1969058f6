package dev.tandem.sync.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ZstdCodecTest {
  @Test
  void requireAvailable_withoutZstdJni_namesTheMissingDependency() {
    ClassLoader withoutZstd = new ClassLoader(ZstdCodecTest.class.getClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("com.github.luben.")) {
          throw new ClassNotFoundException(name);
        }
        return super.loadClass(name, resolve);
      }
    };

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ZstdCodec.requireAvailable(withoutZstd));

    assertTrue(e.getMessage().contains("com.github.luben:zstd-jni"), e.getMessage());
  }

  @Test
  void compressThenDecompress_roundTrips() throws IOException {
    byte[] json = "{\"changes\":[],\"cursor\":\"c\"}".getBytes(StandardCharsets.UTF_8);
    ZstdCodec.requireAvailable();

    try (InputStream in = ZstdCodec.decompress(new ByteArrayInputStream(
        ZstdCodec.compress(json)))) {
      assertArrayEquals(json, in.readAllBytes());
    }
  }
}
