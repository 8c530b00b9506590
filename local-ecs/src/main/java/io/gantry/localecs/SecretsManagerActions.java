package io.gantry.localecs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * The Secrets Manager API subset ({@code secretsmanager.*}, JSON 1.1): CreateSecret,
 * GetSecretValue, PutSecretValue, DescribeSecret, ListSecrets, DeleteSecret. One version per secret
 * (AWSCURRENT); binary secrets are not supported. Errors in Secrets Manager's types and words.
 */
final class SecretsManagerActions {

  static final String PREFIX = "secretsmanager.";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9/_+=.@-]{1,512}");
  private static final String LETTERS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final LocalSecrets store;
  private final ObjectMapper mapper;
  private final String arnPrefix;

  SecretsManagerActions(LocalSecrets store, ObjectMapper mapper, String region) {
    this.store = store;
    this.mapper = mapper;
    this.arnPrefix = "arn:aws:secretsmanager:" + region + ":" + Arns.ACCOUNT + ":secret:";
  }

  ObjectNode handle(String action, ObjectNode request) {
    synchronized (store) {
      return switch (action) {
        case "CreateSecret" -> create(request);
        case "GetSecretValue" -> get(request);
        case "PutSecretValue" -> put(request);
        case "DescribeSecret" -> describe(existing(request));
        case "ListSecrets" -> list();
        case "DeleteSecret" -> delete(request);
        default ->
            throw new AwsError(
                "UnknownOperationException",
                "local-ecs does not implement the Secrets Manager action '" + action + "'.");
      };
    }
  }

  private ObjectNode create(ObjectNode request) {
    String name = request.path("Name").asText("");
    if (!NAME.matcher(name).matches()) {
      throw new AwsError(
          "InvalidParameterException",
          "Invalid name. Must be a valid name containing alphanumeric characters, or any of the"
              + " following: -/_+=.@!");
    }
    if (request.has("SecretBinary")) {
      throw new AwsError(
          "InvalidRequestException", "local-ecs supports SecretString only, not SecretBinary.");
    }
    if (store.secrets().containsKey(name)) {
      throw new AwsError(
          "ResourceExistsException",
          "The operation failed because the secret " + name + " already exists.");
    }
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      suffix.append(LETTERS.charAt(RANDOM.nextInt(LETTERS.length())));
    }
    LocalSecrets.Secret secret = new LocalSecrets.Secret(name, arnPrefix + name + "-" + suffix);
    secret.description = request.path("Description").asText(null);
    store.secrets().put(name, secret);
    ObjectNode out = mapper.createObjectNode();
    out.put("ARN", secret.arn);
    out.put("Name", name);
    if (request.has("SecretString")) {
      setValue(secret, request);
      out.put("VersionId", secret.versionId);
    }
    return out;
  }

  private void setValue(LocalSecrets.Secret secret, ObjectNode request) {
    if (!request.path("SecretString").isTextual()) {
      throw new AwsError("InvalidParameterException", "SecretString must be a string.");
    }
    secret.value = request.get("SecretString").asText();
    secret.versionId = request.path("ClientRequestToken").asText(Arns.uuid());
    secret.lastChangedDate = Model.now();
  }

  private LocalSecrets.Secret existing(ObjectNode request) {
    String id = request.path("SecretId").asText("");
    if (id.isEmpty()) {
      throw new AwsError("InvalidParameterException", "SecretId is required.");
    }
    LocalSecrets.Secret secret = store.secret(id);
    if (secret == null) {
      throw new AwsError(
          "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }
    return secret;
  }

  private ObjectNode get(ObjectNode request) {
    LocalSecrets.Secret secret = existing(request);
    String stage = request.path("VersionStage").asText("AWSCURRENT");
    String version = request.path("VersionId").asText(null);
    if (secret.value == null
        || !stage.equals("AWSCURRENT")
        || (version != null && !version.equals(secret.versionId))) {
      throw new AwsError(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for "
              + (version != null ? "VersionId: " + version : "staging label: " + stage));
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("VersionId", secret.versionId);
    out.put("SecretString", secret.value);
    out.putArray("VersionStages").add("AWSCURRENT");
    out.put("CreatedDate", secret.lastChangedDate);
    return out;
  }

  private ObjectNode put(ObjectNode request) {
    LocalSecrets.Secret secret = existing(request);
    if (!request.has("SecretString")) {
      throw new AwsError(
          "InvalidRequestException", "You must provide either SecretString or SecretBinary.");
    }
    setValue(secret, request);
    ObjectNode out = mapper.createObjectNode();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("VersionId", secret.versionId);
    out.putArray("VersionStages").add("AWSCURRENT");
    return out;
  }

  private ObjectNode describe(LocalSecrets.Secret secret) {
    ObjectNode out = mapper.createObjectNode();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    if (secret.description != null) {
      out.put("Description", secret.description);
    }
    out.put("CreatedDate", secret.createdDate);
    if (secret.versionId != null) {
      out.put("LastChangedDate", secret.lastChangedDate);
      out.putObject("VersionIdsToStages").putArray(secret.versionId).add("AWSCURRENT");
    }
    return out;
  }

  private ObjectNode list() {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("SecretList");
    store.secrets().values().forEach(s -> list.add(describe(s)));
    return out;
  }

  private ObjectNode delete(ObjectNode request) {
    LocalSecrets.Secret secret = existing(request);
    store.secrets().remove(secret.name);
    ObjectNode out = mapper.createObjectNode();
    out.put("ARN", secret.arn);
    out.put("Name", secret.name);
    out.put("DeletionDate", Model.now());
    return out;
  }
}
