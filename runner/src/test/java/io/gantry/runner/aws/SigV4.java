package io.gantry.runner.aws;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server side of AWS Signature Version 4, as the local AWS endpoints of the tests check it:
 * parses the {@code Authorization} header and recomputes the signature from the request and the
 * secret key, following AWS's published algorithm (canonical request, string to sign, derived
 * signing key).
 */
public final class SigV4 {

  private static final Pattern HEADER =
      Pattern.compile(
          "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request,\\s*"
              + "SignedHeaders=([^,]+),\\s*Signature=([0-9a-f]{64})");

  /** What an {@code Authorization} header says. */
  public record Authorization(
      String accessKeyId,
      String date,
      String region,
      String service,
      List<String> signedHeaders,
      String signature) {

    public String scope() {
      return date + "/" + region + "/" + service + "/aws4_request";
    }
  }

  private SigV4() {}

  /** The parsed header, or null when it is not a SigV4 header. */
  static Authorization parse(String header) {
    if (header == null) {
      return null;
    }
    Matcher m = HEADER.matcher(header.trim());
    if (!m.matches()) {
      return null;
    }
    return new Authorization(
        m.group(1), m.group(2), m.group(3), m.group(4), List.of(m.group(5).split(";")), m.group(6));
  }

  /**
   * Whether the signature is the one {@code secret} gives for the request.
   *
   * @param headers request headers by lower-case name, each with its values
   */
  static boolean verify(
      Authorization auth,
      String secret,
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body) {
    StringBuilder canonicalHeaders = new StringBuilder();
    for (String name : auth.signedHeaders()) {
      List<String> values = headers.get(name);
      if (values == null) {
        return false;
      }
      List<String> trimmed = new ArrayList<>();
      for (String v : values) {
        trimmed.add(v.trim().replaceAll(" +", " "));
      }
      canonicalHeaders.append(name).append(':').append(String.join(",", trimmed)).append('\n');
    }
    List<String> payloadHeader = headers.get("x-amz-content-sha256");
    String payloadHash = payloadHeader != null ? payloadHeader.get(0) : hex(sha256(body));
    String canonicalRequest =
        method
            + "\n"
            + (rawPath == null || rawPath.isEmpty() ? "/" : rawPath)
            + "\n"
            + canonicalQuery(rawQuery)
            + "\n"
            + canonicalHeaders
            + "\n"
            + String.join(";", auth.signedHeaders())
            + "\n"
            + payloadHash;
    List<String> amzDate = headers.get("x-amz-date");
    if (amzDate == null) {
      return false;
    }
    String stringToSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate.get(0)
            + "\n"
            + auth.scope()
            + "\n"
            + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), auth.date());
    key = hmac(key, auth.region());
    key = hmac(key, auth.service());
    key = hmac(key, "aws4_request");
    String expected = hex(hmac(key, stringToSign));
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        auth.signature().getBytes(StandardCharsets.US_ASCII));
  }

  private static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    TreeMap<String, String> sorted = new TreeMap<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      sorted.put(encode(name), encode(value));
    }
    List<String> parts = new ArrayList<>();
    sorted.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join("&", parts);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8)
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~");
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes).toLowerCase(Locale.ROOT);
  }
}
