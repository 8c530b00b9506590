package io.gantry.server.forge;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The supported forges by configuration name, and the server's signature check. */
public final class Forges {

  private static final List<Forge> ALL =
      List.of(new GitHubForge(), new GiteaForge(), new GitLabForge(), new GitForge());

  private Forges() {}

  /**
   * The forge configured as {@code name} ({@code github}, {@code gitea}, {@code gitlab}, {@code
   * git}); an unknown name is an IllegalArgumentException whose message lists the supported ones.
   */
  public static Forge byName(String name) {
    for (Forge forge : ALL) {
      if (forge.name().equals(name)) {
        return forge;
      }
    }
    throw new IllegalArgumentException(
        "unknown forge '" + name + "'; supported: " + String.join(", ", names()));
  }

  /** The supported names, in the order the documentation lists them. */
  public static List<String> names() {
    return ALL.stream().map(Forge::name).toList();
  }

  /**
   * The repositories whose webhook secret verifies this delivery. The repository is only known from
   * the body, which must not be read before verifying, so every configured secret of the forge is
   * tried; all of them are checked (no early exit) so the time taken does not reveal which one
   * matched. Several repositories may share a secret, hence a set: after parsing, the server must
   * require that the payload's repository is in it, or a holder of one repository's secret could
   * start runs in another. Empty means 401.
   */
  public static Set<String> verifiedBy(
      Forge forge, Headers headers, byte[] rawBody, Map<String, String> secretsByRepository) {
    Set<String> verified = new TreeSet<>();
    for (Map.Entry<String, String> entry : secretsByRepository.entrySet()) {
      if (forge.verify(headers, rawBody, entry.getValue())) {
        verified.add(entry.getKey());
      }
    }
    return Set.copyOf(verified);
  }

  /**
   * What a delivery is deduplicated by: the hash of the repository's name and the signed body. The
   * forges' delivery-id headers are not covered by their signatures (GitLab's token signs nothing
   * at all), so a captured delivery sent again under a new or missing id must still be recognised;
   * the bytes the signature covers are the delivery. A forge's redelivery sends the same bytes.
   */
  public static String replayKey(String repository, byte[] rawBody) {
    byte[] name =
        (repository.toLowerCase(java.util.Locale.ROOT) + "\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] keyed = new byte[name.length + rawBody.length];
    System.arraycopy(name, 0, keyed, 0, name.length);
    System.arraycopy(rawBody, 0, keyed, name.length, rawBody.length);
    return "body-sha256:" + Signatures.sha256Hex(keyed);
  }

  /**
   * The JSON of a delivery: the body itself, or, for a form-encoded one ({@code
   * application/x-www-form-urlencoded}, which GitHub and Gitea offer), its {@code payload} field.
   * The signature is over the raw body either way, and is checked before this is called.
   */
  public static byte[] json(Headers headers, byte[] rawBody) throws MalformedWebhookException {
    String type = headers.get("Content-Type").orElse("").toLowerCase(java.util.Locale.ROOT);
    if (!type.startsWith("application/x-www-form-urlencoded")) {
      return rawBody;
    }
    String form = new String(rawBody, java.nio.charset.StandardCharsets.US_ASCII);
    for (String field : form.split("&")) {
      int equals = field.indexOf('=');
      String name = equals < 0 ? field : field.substring(0, equals);
      if (name.equals("payload")) {
        try {
          return java.net.URLDecoder.decode(
                  field.substring(equals + 1), java.nio.charset.StandardCharsets.UTF_8)
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
          throw new MalformedWebhookException(
              "the form-encoded 'payload' field is not valid URL encoding: " + e.getMessage());
        }
      }
    }
    throw new MalformedWebhookException(
        "a form-encoded delivery must carry the event in a 'payload' field; none was sent");
  }

  /** The delivery id of a forge that sends none: the body's hash, identical on redelivery. */
  static String bodyHash(byte[] rawBody) {
    return "sha256:" + Signatures.sha256Hex(rawBody);
  }

  static String deliveryId(Headers headers, String header, byte[] rawBody) {
    return headers.get(header).filter(id -> !id.isBlank()).orElseGet(() -> bodyHash(rawBody));
  }
}
