package io.gantry.server.forge;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC and token checks shared by the forges; every comparison is constant-time. */
final class Signatures {

  private static final HexFormat HEX = HexFormat.of();
  private static final int SHA256_HEX_LENGTH = 64;

  private Signatures() {}

  static byte[] hmacSha256(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
    }
  }

  static String hmacSha256Hex(String secret, byte[] body) {
    return HEX.formatHex(hmacSha256(secret, body));
  }

  static String sha256Hex(byte[] body) {
    return HEX.formatHex(sha256(body));
  }

  /**
   * Whether {@code header} is {@code prefix} followed by the hex HMAC-SHA256 of {@code body}.
   * Anything malformed is simply false: the caller answers 401 either way.
   */
  static boolean verifyHmac(String header, String prefix, String secret, byte[] body) {
    if (header == null || !usable(secret) || body == null || !header.startsWith(prefix)) {
      return false;
    }
    String hex = header.substring(prefix.length());
    if (hex.length() != SHA256_HEX_LENGTH) {
      return false;
    }
    byte[] claimed;
    try {
      claimed = HEX.parseHex(hex);
    } catch (IllegalArgumentException notHex) {
      return false;
    }
    return MessageDigest.isEqual(claimed, hmacSha256(secret, body));
  }

  /**
   * Whether a token sent in clear equals the secret. Both sides are hashed first so the comparison
   * takes the same time whatever the lengths; MessageDigest.isEqual alone returns early on a length
   * mismatch.
   */
  static boolean verifyToken(String header, String secret) {
    if (header == null || !usable(secret)) {
      return false;
    }
    return MessageDigest.isEqual(
        sha256(header.getBytes(StandardCharsets.UTF_8)),
        sha256(secret.getBytes(StandardCharsets.UTF_8)));
  }

  // An empty secret would let anyone compute a valid signature, so it verifies nothing.
  private static boolean usable(String secret) {
    return secret != null && !secret.isEmpty();
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
