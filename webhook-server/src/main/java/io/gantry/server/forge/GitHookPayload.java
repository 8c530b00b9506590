package io.gantry.server.forge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One signed {@code /hooks/git} delivery, as {@code gantry hook post-receive} sends it for one
 * updated ref:
 *
 * <pre>
 * X-Gantry-Event: push
 * X-Gantry-Delivery: sha256:&lt;hex SHA-256 of the body&gt;
 * X-Gantry-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body with the hook secret&gt;
 *
 * {"repository":"owner/name","ref":"refs/heads/main","before":"…","after":"…","pusher":"…",
 *  "pushed_at":"2024-05-01T10:00:00.123456Z"}
 * </pre>
 *
 * <p>{@code pushed_at} makes two pushes of the same old→new transition (a ref moved away and back)
 * two deliveries, while a retry of one delivery sends the same bytes and so the same id, which the
 * server deduplicates.
 */
public final class GitHookPayload {

  public static final String EVENT_HEADER = "X-Gantry-Event";
  public static final String DELIVERY_HEADER = "X-Gantry-Delivery";
  public static final String SIGNATURE_HEADER = "X-Gantry-Signature-256";

  private final byte[] body;

  private GitHookPayload(byte[] body) {
    this.body = body;
  }

  /** A delivery kept earlier (see {@link HookSpool}), to be signed and sent as it was. */
  static GitHookPayload ofBody(byte[] body) {
    return new GitHookPayload(body.clone());
  }

  /** The {@code ref} of a delivery's body, or "(unknown ref)" when it has none. */
  String ref() {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() == JsonToken.START_OBJECT) {
        for (JsonToken token = parser.nextToken();
            token == JsonToken.FIELD_NAME;
            token = parser.nextToken()) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          if (name.equals("ref") && value == JsonToken.VALUE_STRING) {
            return parser.getText();
          }
          parser.skipChildren();
        }
      }
    } catch (IOException notJson) {
      // a damaged spool file: named by its file instead
    }
    return "(unknown ref)";
  }

  /** The delivery for one ref update, stamped now. */
  public static GitHookPayload of(String repository, PostReceive.RefUpdate update, String pusher) {
    return of(repository, update, pusher, Instant.now());
  }

  static GitHookPayload of(
      String repository, PostReceive.RefUpdate update, String pusher, Instant pushedAt) {
    // jackson-core's generator, not the ObjectMapper: the hook starts a JVM per push, and the
    // mapper's set-up alone costs ~0.3 s of CPU there.
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("repository", repository);
      json.writeStringField("ref", update.ref());
      json.writeStringField("before", update.oldSha());
      json.writeStringField("after", update.newSha());
      json.writeStringField("pusher", pusher);
      json.writeStringField("pushed_at", pushedAt.toString());
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new GitHookPayload(out.toByteArray());
  }

  /**
   * The {@code message} of a JSON object answer (the server's errors are {@code {"error",
   * "message"}}), or null when there is none or the text is not such an object.
   */
  static String messageOf(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String message = null;
      for (JsonToken token = parser.nextToken();
          token == JsonToken.FIELD_NAME;
          token = parser.nextToken()) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("message") && value == JsonToken.VALUE_STRING) {
          message = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      return message;
    } catch (IOException notJson) {
      return null;
    }
  }

  private static final JsonFactory JSON = new JsonFactory();

  /** The exact bytes to send; the signature covers these and no others. */
  public byte[] body() {
    return body.clone();
  }

  public String deliveryId() {
    return Forges.bodyHash(body);
  }

  /** The headers to send with {@link #body()}, signed with the repository's hook secret. */
  public Map<String, String> headers(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("the hook secret is empty; a delivery must be signed");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put(EVENT_HEADER, "push");
    headers.put(DELIVERY_HEADER, deliveryId());
    headers.put(SIGNATURE_HEADER, "sha256=" + Signatures.hmacSha256Hex(secret, body));
    return headers;
  }
}
