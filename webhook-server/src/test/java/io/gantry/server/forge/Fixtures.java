package io.gantry.server.forge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Test payloads: the real GitHub deliveries in src/test/resources/github-webhooks. */
final class Fixtures {

  private Fixtures() {}

  static byte[] github(String name) {
    String path = "/github-webhooks/" + name;
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String hmac(String secret, byte[] body) {
    return Signatures.hmacSha256Hex(secret, body);
  }
}
