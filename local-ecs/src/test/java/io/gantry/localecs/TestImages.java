package io.gantry.localecs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.engine.DockerEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The test image, built without any registry: Debian's static busybox (sh, httpd, wget, ...) in one
 * layer, loaded into the engine's storage as {@code localhost/gantry-test/busybox:1} (localhost/
 * images are never pulled). Its web server answers with $VERSION.
 */
final class TestImages {

  static final String BUSYBOX = "localhost/gantry-test/busybox:1";

  /** A web server on 8080 answering $VERSION, stopping at once on SIGTERM. */
  static final List<String> WEB_COMMAND =
      List.of(
          "sh",
          "-c",
          "mkdir -p /www && echo \"$VERSION\" > /www/index.html && trap 'exit 0' TERM;"
              + " httpd -f -p 8080 -h /www & wait");

  static final List<String> HEALTH_CHECK =
      List.of("CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1");

  private TestImages() {}

  static synchronized void ensure(DockerEngine engine) {
    if (engine.imageExists(BUSYBOX)) {
      return;
    }
    engine.load(new ByteArrayInputStream(archive()));
  }

  private static byte[] archive() {
    Path busybox = Path.of("/bin/busybox");
    if (!Files.isExecutable(busybox)) {
      throw new IllegalStateException(
          "/bin/busybox is missing: install the Debian package busybox-static (scripts/setup)");
    }
    try {
      byte[] layer = layer(busybox);
      String diffId = "sha256:" + sha256(layer);
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode config = mapper.createObjectNode();
      config.put("architecture", "amd64");
      config.put("os", "linux");
      ObjectNode c = config.putObject("config");
      c.putArray("Env").add("PATH=/bin");
      c.putArray("Cmd").add("sh");
      ObjectNode rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      rootfs.putArray("diff_ids").add(diffId);
      byte[] configBytes = mapper.writeValueAsBytes(config);
      String configName = sha256(configBytes) + ".json";
      byte[] manifest =
          mapper.writeValueAsBytes(
              List.of(
                  Map.of(
                      "Config", configName,
                      "RepoTags", List.of(BUSYBOX),
                      "Layers", List.of("layer.tar"))));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
        file(tar, "manifest.json", manifest, 0644);
        file(tar, configName, configBytes, 0644);
        file(tar, "layer.tar", layer, 0644);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] layer(Path busybox) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dir(tar, "bin/");
      dir(tar, "tmp/");
      dir(tar, "www/");
      file(tar, "bin/busybox", Files.readAllBytes(busybox), 0755);
      for (String applet :
          List.of(
              "sh", "httpd", "wget", "sleep", "echo", "cat", "true", "false", "mkdir", "env", "ls",
              "kill", "id", "pwd", "nc", "date", "test", "[")) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
      file(tar, "www/index.html", "busybox\n".getBytes(StandardCharsets.UTF_8), 0644);
    }
    return out.toByteArray();
  }

  private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(040755);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] data, int mode)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(data.length);
    entry.setMode(0100000 | mode);
    tar.putArchiveEntry(entry);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
