package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The secrets behind Secrets Manager and SSM Parameter Store, and how a task definition's {@code
 * secrets[].valueFrom} finds one. Values live in memory only (never written to the data directory,
 * never logged) and so are gone after a restart. Thread-safe.
 */
final class LocalSecrets {

  /** A Secrets Manager secret (its current version only). */
  static final class Secret {
    final String name;
    final String arn;
    final double createdDate;
    String description;
    String value;
    String versionId;
    double lastChangedDate;

    Secret(String name, String arn) {
      this.name = name;
      this.arn = arn;
      this.createdDate = Model.now();
    }

    @Override
    public String toString() {
      return "Secret[" + arn + ", ****]";
    }
  }

  /** An SSM parameter. */
  static final class Parameter {
    final String name;
    String type;
    String value;
    String description;
    long version;
    double lastModifiedDate;

    Parameter(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "Parameter[" + name + ", " + type + ", ****]";
    }
  }

  private static final Pattern SECRET_ARN =
      Pattern.compile(
          "arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[^:]+(:[^:]*:[^:]*:[^:]*)?");
  private static final Pattern PARAMETER_ARN =
      Pattern.compile("arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+");

  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final ObjectMapper mapper = new ObjectMapper();

  synchronized Map<String, Secret> secrets() {
    return secrets;
  }

  synchronized Map<String, Parameter> parameters() {
    return parameters;
  }

  /** A secret by name, full ARN or ARN without its random suffix; null when there is none. */
  synchronized Secret secret(String id) {
    Secret byName = secrets.get(id);
    if (byName != null) {
      return byName;
    }
    for (Secret s : secrets.values()) {
      if (s.arn.equals(id)
          || (id.startsWith("arn:")
              && s.arn.startsWith(id + "-")
              && s.arn.length() == id.length() + 7)) {
        return s;
      }
    }
    return null;
  }

  /** A parameter by name or ARN; null when there is none. */
  synchronized Parameter parameter(String id) {
    String name = id;
    if (id.startsWith("arn:")) {
      String rest = id.substring(id.indexOf(":parameter/") + ":parameter".length());
      Parameter p = parameters.get(rest);
      return p != null ? p : parameters.get(rest.substring(1));
    }
    return parameters.get(name);
  }

  /**
   * Checks a container definition's {@code secrets} at RegisterTaskDefinition: each has an
   * environment variable name and a valueFrom that is an SSM parameter name or ARN or a Secrets
   * Manager secret ARN (optionally with {@code :json-key:version-stage:version-id}).
   */
  static void validate(JsonNode def, String container) {
    JsonNode list = def.get("secrets");
    if (list == null || list.isNull()) {
      return;
    }
    if (!list.isArray()) {
      throw AwsError.client("Container '" + container + "': secrets must be a list.");
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode s = list.get(i);
      String name = s.path("name").asText("");
      String from = s.path("valueFrom").asText("");
      if (name.isEmpty() || from.isEmpty()) {
        throw AwsError.client(
            "Container '"
                + container
                + "': secrets["
                + i
                + "] needs both 'name' and"
                + " 'valueFrom'.");
      }
      if (from.startsWith("arn:")
          && !SECRET_ARN.matcher(from).matches()
          && !PARAMETER_ARN.matcher(from).matches()) {
        throw AwsError.client(
            "Container '"
                + container
                + "': secrets["
                + i
                + "].valueFrom '"
                + from
                + "' is"
                + " neither a Secrets Manager secret ARN"
                + " (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON_KEY:VERSION_STAGE:VERSION_ID])"
                + " nor an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME).");
      }
    }
  }

  /**
   * The values of a container definition's secrets, by environment variable name.
   *
   * @throws IllegalStateException with ECS's ResourceInitializationError stop reason when one
   *     cannot be found
   */
  Map<String, String> resolve(JsonNode def) {
    Map<String, String> values = new LinkedHashMap<>();
    for (JsonNode s : def.path("secrets")) {
      String from = s.get("valueFrom").asText();
      values.put(
          s.get("name").asText(),
          from.startsWith("arn:") && from.contains(":secretsmanager:")
              ? fromSecretsManager(from)
              : fromParameterStore(from));
    }
    return values;
  }

  private static final String PREFIX =
      "ResourceInitializationError: unable to pull secrets or registry auth: execution resource"
          + " retrieval failed: ";

  private String fromSecretsManager(String from) {
    String[] parts = from.split(":", -1);
    String id = String.join(":", java.util.Arrays.copyOfRange(parts, 0, 7));
    String jsonKey = parts.length > 7 ? parts[7] : "";
    String failure =
        PREFIX
            + "unable to retrieve secret from asm: service call has been retried 1 time(s):"
            + " failed to fetch secret "
            + id
            + " from secrets manager: ";
    String value;
    synchronized (this) {
      Secret secret = secret(id);
      if (secret == null || secret.value == null) {
        throw new IllegalStateException(
            failure
                + "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
      }
      value = secret.value;
    }
    if (jsonKey.isEmpty()) {
      return value;
    }
    try {
      JsonNode json = mapper.readTree(value);
      if (json == null || !json.isObject() || !json.has(jsonKey)) {
        throw new IllegalStateException(
            PREFIX
                + "unable to retrieve secret from asm: retrieved secret from Secrets Manager did"
                + " not contain json key "
                + jsonKey);
      }
      JsonNode v = json.get(jsonKey);
      return v.isTextual() ? v.asText() : v.toString();
    } catch (IOException e) {
      throw new IllegalStateException(
          PREFIX
              + "unable to retrieve secret from asm: the secret "
              + id
              + " is not JSON, so it"
              + " has no key "
              + jsonKey);
    }
  }

  private synchronized String fromParameterStore(String from) {
    Parameter p = parameter(from);
    if (p == null) {
      throw new IllegalStateException(
          PREFIX
              + "unable to retrieve secrets from ssm: service call has been retried 1 time(s):"
              + " invalid parameters: "
              + from);
    }
    return p.value;
  }
}
