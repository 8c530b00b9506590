package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ECR API actions, backed by the {@link LocalRegistry}: repositories are kept in the state;
 * images are what the registry holds (read over its HTTP API, push times from its storage). Runs
 * with the core's lock held for the state, without it for registry calls.
 */
final class EcrActions {

  private static final String MANIFEST_TYPES =
      String.join(
          ",",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.oci.image.index.v1+json");

  private final LocalEcsCore core;
  private final LocalRegistry registry;
  private final ObjectMapper mapper;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  EcrActions(LocalEcsCore core, LocalRegistry registry) {
    this.core = core;
    this.registry = registry;
    this.mapper = core.mapper();
  }

  ObjectNode handle(String action, ObjectNode request) {
    return switch (action) {
      case "GetAuthorizationToken" -> getAuthorizationToken();
      case "CreateRepository" -> createRepository(request);
      case "DescribeRepositories" -> describeRepositories(request);
      case "DeleteRepository" -> deleteRepository(request);
      case "DescribeImages" -> describeImages(request);
      case "BatchDeleteImage" -> batchDeleteImage(request);
      default ->
          throw new AwsError(
              "UnknownOperationException",
              "local-ecs does not implement the ECR action '" + action + "'.");
    };
  }

  private ObjectNode getAuthorizationToken() {
    var credentials = registry.credentials();
    ObjectNode out = mapper.createObjectNode();
    ObjectNode data = out.putArray("authorizationData").addObject();
    data.put(
        "authorizationToken",
        Base64.getEncoder()
            .encodeToString(
                (credentials.username() + ":" + credentials.password())
                    .getBytes(StandardCharsets.UTF_8)));
    data.put("expiresAt", Model.now() + 12 * 3600);
    data.put("proxyEndpoint", "http://" + registry.address());
    return out;
  }

  private ObjectNode createRepository(ObjectNode request) {
    String name = text(request, "repositoryName");
    if (name == null
        || !name.matches("(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
        || name.length() < 2
        || name.length() > 256) {
      throw new AwsError(
          "InvalidParameterException",
          "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy"
              + " regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''"
              + " (got '"
              + name
              + "')");
    }
    synchronized (core) {
      if (core.state().repositories.containsKey(name)) {
        throw new AwsError(
            "RepositoryAlreadyExistsException",
            "The repository with name '"
                + name
                + "' already exists in the registry with id '"
                + Arns.ACCOUNT
                + "'");
      }
      Model.Repository repo = new Model.Repository();
      repo.repositoryName = name;
      repo.repositoryArn = core.arns().repository(name);
      repo.repositoryUri = registry.address() + "/" + name;
      repo.createdAt = Model.now();
      repo.imageTagMutability = request.path("imageTagMutability").asText("MUTABLE");
      repo.imageScanningConfiguration =
          request.has("imageScanningConfiguration")
              ? request.get("imageScanningConfiguration")
              : mapper.createObjectNode().put("scanOnPush", false);
      repo.encryptionConfiguration = mapper.createObjectNode().put("encryptionType", "AES256");
      core.state().repositories.put(name, repo);
      core.save();
      ObjectNode out = mapper.createObjectNode();
      out.set("repository", mapper.valueToTree(repo));
      return out;
    }
  }

  private ObjectNode describeRepositories(ObjectNode request) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("repositories");
    synchronized (core) {
      JsonNode names = request.get("repositoryNames");
      if (names == null || names.isEmpty()) {
        core.state().repositories.values().forEach(r -> list.add(mapper.<JsonNode>valueToTree(r)));
      } else {
        for (JsonNode n : names) {
          list.add(mapper.<JsonNode>valueToTree(repository(n.asText())));
        }
      }
    }
    return out;
  }

  private ObjectNode deleteRepository(ObjectNode request) {
    String name = text(request, "repositoryName");
    Model.Repository repo;
    synchronized (core) {
      repo = repository(name);
    }
    List<Image> images = images(name);
    if (!images.isEmpty() && !request.path("force").asBoolean(false)) {
      throw new AwsError(
          "RepositoryNotEmptyException",
          "The repository with name '"
              + name
              + "' in registry with id '"
              + Arns.ACCOUNT
              + "' cannot be deleted because it still contains images");
    }
    for (Image image : images) {
      deleteManifest(name, image.digest);
    }
    synchronized (core) {
      core.state().repositories.remove(name);
      core.save();
    }
    ObjectNode out = mapper.createObjectNode();
    out.set("repository", mapper.valueToTree(repo));
    return out;
  }

  private Model.Repository repository(String name) {
    Model.Repository repo = core.state().repositories.get(name);
    if (repo == null) {
      throw new AwsError(
          "RepositoryNotFoundException",
          "The repository with name '"
              + name
              + "' does not exist in the registry with id '"
              + Arns.ACCOUNT
              + "'");
    }
    return repo;
  }

  /** An image in the registry: a manifest digest with its tags. */
  private static final class Image {
    String digest;
    final List<String> tags = new ArrayList<>();
    long size;
    String mediaType;
    double pushedAt;
  }

  private ObjectNode describeImages(ObjectNode request) {
    String name = text(request, "repositoryName");
    synchronized (core) {
      repository(name);
    }
    List<Image> images = images(name);
    JsonNode ids = request.get("imageIds");
    List<Image> selected = new ArrayList<>();
    if (ids == null || ids.isEmpty()) {
      selected.addAll(images);
    } else {
      for (JsonNode id : ids) {
        Image found = find(images, id);
        if (found == null) {
          throw new AwsError(
              "ImageNotFoundException",
              "The image with imageId {imageDigest:'"
                  + id.path("imageDigest").asText("null")
                  + "', imageTag:'"
                  + id.path("imageTag").asText("null")
                  + "'} does not exist within the repository with name '"
                  + name
                  + "' in the registry with id '"
                  + Arns.ACCOUNT
                  + "'");
        }
        if (!selected.contains(found)) {
          selected.add(found);
        }
      }
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode details = out.putArray("imageDetails");
    for (Image image : selected) {
      ObjectNode d = details.addObject();
      d.put("registryId", Arns.ACCOUNT);
      d.put("repositoryName", name);
      d.put("imageDigest", image.digest);
      ArrayNode tags = d.putArray("imageTags");
      image.tags.forEach(tags::add);
      d.put("imageSizeInBytes", image.size);
      d.put("imagePushedAt", image.pushedAt);
      d.put("imageManifestMediaType", image.mediaType);
    }
    return out;
  }

  private ObjectNode batchDeleteImage(ObjectNode request) {
    String name = text(request, "repositoryName");
    synchronized (core) {
      repository(name);
    }
    List<Image> images = images(name);
    ObjectNode out = mapper.createObjectNode();
    ArrayNode deleted = out.putArray("imageIds");
    ArrayNode failures = out.putArray("failures");
    for (JsonNode id : request.path("imageIds")) {
      Image image = find(images, id);
      if (image == null) {
        ObjectNode f = failures.addObject();
        f.set("imageId", id);
        f.put("failureCode", "ImageNotFound");
        f.put("failureReason", "Requested image not found");
        continue;
      }
      if (id.has("imageTag") && image.tags.size() > 1) {
        untag(name, id.get("imageTag").asText());
        image.tags.remove(id.get("imageTag").asText());
        deleted
            .addObject()
            .put("imageDigest", image.digest)
            .put("imageTag", id.get("imageTag").asText());
        continue;
      }
      deleteManifest(name, image.digest);
      images.remove(image);
      for (String tag : image.tags) {
        deleted.addObject().put("imageDigest", image.digest).put("imageTag", tag);
      }
      if (image.tags.isEmpty()) {
        deleted.addObject().put("imageDigest", image.digest);
      }
    }
    return out;
  }

  private static Image find(List<Image> images, JsonNode id) {
    for (Image image : images) {
      if (id.has("imageDigest") && !id.get("imageDigest").asText().equals(image.digest)) {
        continue;
      }
      if (id.has("imageTag") && !image.tags.contains(id.get("imageTag").asText())) {
        continue;
      }
      if (id.has("imageDigest") || id.has("imageTag")) {
        return image;
      }
    }
    return null;
  }

  /** Every tagged image of the repository, from the registry's API. */
  private List<Image> images(String repository) {
    HttpResponse<String> tags = get("/v2/" + repository + "/tags/list", null);
    if (tags.statusCode() == 404) {
      return new ArrayList<>();
    }
    check(tags, "list the tags of " + repository);
    Map<String, Image> byDigest = new LinkedHashMap<>();
    JsonNode list = read(tags.body()).path("tags");
    for (JsonNode t : list) {
      String tag = t.asText();
      HttpResponse<String> manifest =
          get("/v2/" + repository + "/manifests/" + tag, MANIFEST_TYPES);
      if (manifest.statusCode() == 404) {
        continue;
      }
      check(manifest, "read the manifest " + repository + ":" + tag);
      String digest = manifest.headers().firstValue("Docker-Content-Digest").orElse(null);
      Image image = byDigest.get(digest);
      if (image == null) {
        image = new Image();
        image.digest = digest;
        JsonNode m = read(manifest.body());
        image.mediaType =
            m.path("mediaType").asText(manifest.headers().firstValue("Content-Type").orElse(""));
        long size = m.path("config").path("size").asLong(0);
        for (JsonNode layer : m.path("layers")) {
          size += layer.path("size").asLong(0);
        }
        image.size = size;
        byDigest.put(digest, image);
      }
      image.tags.add(tag);
      image.pushedAt = Math.max(image.pushedAt, pushedAt(repository, tag));
    }
    return new ArrayList<>(byDigest.values());
  }

  private Path tagDir(String repository, String tag) {
    return core.options()
        .dataDir()
        .resolve("registry/data/docker/registry/v2/repositories")
        .resolve(repository)
        .resolve("_manifests/tags")
        .resolve(tag);
  }

  private double pushedAt(String repository, String tag) {
    try {
      Path link = tagDir(repository, tag).resolve("current/link");
      return Files.getLastModifiedTime(link).toMillis() / 1000.0;
    } catch (IOException e) {
      return Model.now();
    }
  }

  /** Removes one tag, keeping the manifest for its other tags (the registry has no API for it). */
  private void untag(String repository, String tag) {
    Path dir = tagDir(repository, tag);
    try (var walk = Files.walk(dir)) {
      List<Path> paths = walk.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path p : paths) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new AwsError(
          "ServerException", "cannot remove tag " + tag + ": " + e.getMessage(), 500);
    }
  }

  private void deleteManifest(String repository, String digest) {
    HttpResponse<String> response =
        send("DELETE", "/v2/" + repository + "/manifests/" + digest, null);
    if (response.statusCode() != 202 && response.statusCode() != 404) {
      check(response, "delete " + repository + "@" + digest);
    }
  }

  private HttpResponse<String> get(String path, String accept) {
    return send("GET", path, accept);
  }

  private HttpResponse<String> send(String method, String path, String accept) {
    var credentials = registry.credentials();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + registry.address() + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (credentials.username() + ":" + credentials.password())
                                .getBytes(StandardCharsets.UTF_8)));
    if (accept != null) {
      request.header("Accept", accept);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AwsError(
          "ServerException", "the local registry did not answer: " + e.getMessage(), 500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AwsError("ServerException", "interrupted", 500);
    }
  }

  private static void check(HttpResponse<String> response, String what) {
    if (response.statusCode() >= 300) {
      throw new AwsError(
          "ServerException",
          "the local registry refused to " + what + ": HTTP " + response.statusCode(),
          500);
    }
  }

  private JsonNode read(String body) {
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      throw new AwsError("ServerException", "the local registry answered with invalid JSON", 500);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
