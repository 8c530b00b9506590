package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SSM Parameter Store subset ({@code AmazonSSM.*}, JSON 1.1): PutParameter, GetParameter,
 * GetParameters, DeleteParameter. A SecureString read without {@code WithDecryption} gives an
 * opaque blob (derived from a hash, not the value), as SSM gives the ciphertext. Errors in SSM's
 * types and words.
 */
final class SsmActions {

  static final String PREFIX = "AmazonSSM.";
  private static final Pattern NAME = Pattern.compile("/?[A-Za-z0-9_.\\-/]{1,1010}");
  private static final Set<String> TYPES = Set.of("String", "StringList", "SecureString");

  private final LocalSecrets store;
  private final ObjectMapper mapper;
  private final String arnPrefix;

  SsmActions(LocalSecrets store, ObjectMapper mapper, String region) {
    this.store = store;
    this.mapper = mapper;
    this.arnPrefix = "arn:aws:ssm:" + region + ":" + Arns.ACCOUNT + ":parameter";
  }

  ObjectNode handle(String action, ObjectNode request) {
    synchronized (store) {
      return switch (action) {
        case "PutParameter" -> put(request);
        case "GetParameter" -> getOne(request);
        case "GetParameters" -> getMany(request);
        case "DeleteParameter" -> delete(request);
        default ->
            throw new AwsError(
                "UnknownOperationException",
                "local-ecs does not implement the SSM action '" + action + "'.");
      };
    }
  }

  private ObjectNode put(ObjectNode request) {
    String name = request.path("Name").asText("");
    if (!NAME.matcher(name).matches() || name.contains("//")) {
      throw new AwsError(
          "ValidationException",
          "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive) and must"
              + " be 1-1011 letters, digits and . - _ / (got '"
              + name
              + "').");
    }
    if (!request.path("Value").isTextual() || request.get("Value").asText().isEmpty()) {
      throw new AwsError(
          "ValidationException",
          "1 validation error detected: Value at 'value' failed to satisfy constraint: Member"
              + " must have length greater than or equal to 1");
    }
    LocalSecrets.Parameter existing = store.parameters().get(name);
    String type = request.path("Type").asText(existing == null ? "String" : existing.type);
    if (!TYPES.contains(type)) {
      throw new AwsError(
          "ValidationException",
          "1 validation error detected: Value '"
              + type
              + "' at 'type' failed to satisfy"
              + " constraint: Member must satisfy enum value set: [SecureString, StringList,"
              + " String]");
    }
    if (existing != null && !request.path("Overwrite").asBoolean(false)) {
      throw new AwsError(
          "ParameterAlreadyExists",
          "The parameter already exists. To overwrite this request value, set the overwrite"
              + " option in the request to true.");
    }
    LocalSecrets.Parameter p = existing != null ? existing : new LocalSecrets.Parameter(name);
    p.type = type;
    p.value = request.get("Value").asText();
    p.description = request.path("Description").asText(p.description);
    p.version++;
    p.lastModifiedDate = Model.now();
    store.parameters().put(name, p);
    ObjectNode out = mapper.createObjectNode();
    out.put("Version", p.version);
    out.put("Tier", "Standard");
    return out;
  }

  private ObjectNode describe(LocalSecrets.Parameter p, boolean decrypt) {
    ObjectNode o = mapper.createObjectNode();
    o.put("Name", p.name);
    o.put("Type", p.type);
    o.put("Value", p.type.equals("SecureString") && !decrypt ? opaque(p) : p.value);
    o.put("Version", p.version);
    o.put("LastModifiedDate", p.lastModifiedDate);
    o.put("ARN", arnPrefix + (p.name.startsWith("/") ? "" : "/") + p.name);
    o.put("DataType", "text");
    return o;
  }

  private static String opaque(LocalSecrets.Parameter p) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  (p.name + "\0" + p.version + "\0" + p.value).getBytes(StandardCharsets.UTF_8));
      return "AQICAH" + Base64.getEncoder().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private ObjectNode getOne(ObjectNode request) {
    String name = request.path("Name").asText("");
    LocalSecrets.Parameter p = store.parameter(name);
    if (p == null) {
      throw new AwsError("ParameterNotFound", "Parameter " + name + " not found.");
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("Parameter", describe(p, request.path("WithDecryption").asBoolean(false)));
    return out;
  }

  private ObjectNode getMany(ObjectNode request) {
    JsonNode names = request.get("Names");
    if (names == null || !names.isArray() || names.isEmpty() || names.size() > 10) {
      throw new AwsError(
          "ValidationException",
          "1 validation error detected: Value at 'names' failed to satisfy constraint: Member"
              + " must have length less than or equal to 10 and greater than or equal to 1");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode found = out.putArray("Parameters");
    ArrayNode invalid = out.putArray("InvalidParameters");
    boolean decrypt = request.path("WithDecryption").asBoolean(false);
    for (JsonNode n : names) {
      LocalSecrets.Parameter p = store.parameter(n.asText());
      if (p == null) {
        invalid.add(n.asText());
      } else {
        found.add(describe(p, decrypt));
      }
    }
    return out;
  }

  private ObjectNode delete(ObjectNode request) {
    String name = request.path("Name").asText("");
    if (store.parameters().remove(name) == null) {
      throw new AwsError("ParameterNotFound", "Parameter " + name + " not found.");
    }
    return mapper.createObjectNode();
  }
}
