package io.gantry.runner.action.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Turns an OCI image archive ({@code podman save --format oci-archive}, {@code skopeo copy
 * oci-archive:…}) into the {@code docker save} form that Jib reads as a base: the same entries plus
 * a {@code manifest.json} naming the config and layer blobs of the image the {@code index.json}
 * points to (for an index of several images, the one for the platform).
 */
final class OciArchives {

  /** Manifests, indexes and configs are small; layers are streamed through. */
  private static final long SMALL = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private OciArchives() {}

  static void toDockerArchive(Path oci, Path target, String os, String architecture)
      throws ImageException, IOException {
    Map<String, byte[]> small = new HashMap<>();
    try (InputStream in = Files.newInputStream(oci);
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        OutputStream out = Files.newOutputStream(target);
        TarArchiveOutputStream docker = new TarArchiveOutputStream(out)) {
      docker.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      docker.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = normalize(entry.getName());
        if (!entry.isFile() || name.equals("manifest.json")) {
          continue;
        }
        if (name.startsWith("/") || ("/" + name + "/").contains("/../")) {
          throw new ImageException(
              "base oci-archive:" + oci + " has an entry outside the archive: " + name);
        }
        TarArchiveEntry copy = new TarArchiveEntry(name);
        copy.setSize(entry.getSize());
        docker.putArchiveEntry(copy);
        if (entry.getSize() <= SMALL) {
          byte[] bytes = tar.readAllBytes();
          small.put(name, bytes);
          docker.write(bytes);
        } else {
          tar.transferTo(docker);
        }
        docker.closeArchiveEntry();
      }
      byte[] manifest = dockerManifest(oci, small, os, architecture);
      TarArchiveEntry manifestEntry = new TarArchiveEntry("manifest.json");
      manifestEntry.setSize(manifest.length);
      docker.putArchiveEntry(manifestEntry);
      docker.write(manifest);
      docker.closeArchiveEntry();
      docker.finish();
    }
  }

  private static byte[] dockerManifest(
      Path oci, Map<String, byte[]> small, String os, String architecture)
      throws ImageException, IOException {
    byte[] index = small.get("index.json");
    if (index == null || !small.containsKey("oci-layout")) {
      throw new ImageException(
          "base oci-archive:" + oci + " is not an OCI image archive (no index.json/oci-layout)");
    }
    JsonNode manifest = pick(oci, JSON.readTree(index), small, os, architecture);
    ObjectNode entry = JSON.createObjectNode();
    entry.put("Config", blobPath(oci, manifest.path("config").path("digest").asText(), small));
    entry.putNull("RepoTags");
    ArrayNode layers = entry.putArray("Layers");
    for (JsonNode layer : manifest.path("layers")) {
      String mediaType = layer.path("mediaType").asText("");
      if (mediaType.contains("zstd")) {
        throw new ImageException(
            "base oci-archive:"
                + oci
                + " has zstd-compressed layers, which Jib cannot read;"
                + " save it with gzip (podman save --format oci-archive) instead");
      }
      layers.add(blobName(layer.path("digest").asText()));
    }
    return JSON.writeValueAsString(List.of(entry)).getBytes(StandardCharsets.UTF_8);
  }

  /** The image manifest an index points to, descending into nested indexes by platform. */
  private static JsonNode pick(
      Path oci, JsonNode index, Map<String, byte[]> small, String os, String architecture)
      throws ImageException, IOException {
    JsonNode chosen = null;
    for (JsonNode descriptor : index.path("manifests")) {
      JsonNode platform = descriptor.path("platform");
      if (platform.isMissingNode()
          || (platform.path("os").asText().equals(os)
              && platform.path("architecture").asText().equals(architecture))) {
        chosen = descriptor;
        break;
      }
    }
    if (chosen == null) {
      throw new ImageException(
          "base oci-archive:" + oci + " has no image for " + os + "/" + architecture);
    }
    byte[] bytes = small.get(blobPath(oci, chosen.path("digest").asText(), small));
    JsonNode node = JSON.readTree(bytes);
    if (node.has("manifests")) {
      return pick(oci, node, small, os, architecture);
    }
    return node;
  }

  private static String blobPath(Path oci, String digest, Map<String, byte[]> small)
      throws ImageException {
    String name = blobName(digest);
    if (!small.containsKey(name)) {
      throw new ImageException(
          "base oci-archive:" + oci + " lacks the blob " + digest + " its index refers to");
    }
    return name;
  }

  private static String blobName(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }
}
