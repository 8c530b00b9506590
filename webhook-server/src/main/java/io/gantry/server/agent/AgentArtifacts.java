package io.gantry.server.agent;

import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.artifact.RunArtifacts;
import io.gantry.runner.files.PrivateFiles;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A run's artifacts as an agent's job sees them: kept by the server ({@link AgentTransfers}). An
 * upload is zipped here into a temporary file, sent in chunks of at most {@link
 * AgentTransfers#CHUNK_BYTES} (a chunk whose connection dropped is resumed from what the server
 * says it received), then checked by the server against its SHA-256; a download is written to a
 * temporary file, continued with {@code Range} after a dropped connection, and checked against the
 * recorded digest before it is extracted. Memory stays bounded: files are streamed both ways.
 */
final class AgentArtifacts implements RunArtifacts {

  /** How often one transfer is tried again after a dropped connection or a server error. */
  static final int ATTEMPTS = 5;

  private final AgentServices server;
  private final long runId;
  private final Path transfers;

  AgentArtifacts(AgentServices server, long runId, Path transfers) {
    this.server = server;
    this.runId = runId;
    this.transfers = transfers;
  }

  private String base() {
    return "/api/agent/runs/" + runId;
  }

  @Override
  public Artifact upload(ArtifactStore.Upload upload, Consumer<String> log)
      throws ArtifactException, IOException {
    String problem = io.gantry.runner.artifact.ArtifactNames.problem(upload.name());
    if (problem != null) {
      throw new ArtifactException(problem);
    }
    PrivateFiles.createDirectories(transfers);
    Path zip = transfers.resolve(UUID.randomUUID() + ".zip");
    log.accept(
        "Uploading "
            + upload.files().files().size()
            + " file(s) from "
            + upload.files().root()
            + " as artifact '"
            + upload.name()
            + "' to "
            + server.server());
    try {
      ArtifactStore.Zipped zipped =
          ArtifactStore.zip(
              upload.files(), upload.compressionLevel(), zip, ArtifactStore.DEFAULT_MAX_BYTES);
      Map<String, Object> announce = new LinkedHashMap<>();
      announce.put("name", upload.name());
      announce.put("job", upload.job());
      announce.put("size", zipped.bytes());
      announce.put("sha256", zipped.sha256());
      announce.put("files", upload.files().files().size());
      announce.put("retentionDays", upload.retentionDays());
      announce.put("overwrite", upload.overwrite());
      AgentServices.Answer created = call("POST", base() + "/artifact-uploads", announce);
      expect(created, 201, "announcing the artifact '" + upload.name() + "'");
      String id = String.valueOf(created.body().get("upload"));
      int chunk =
          Math.max(
              64 * 1024,
              Math.min(
                  AgentTransfers.CHUNK_BYTES,
                  AgentProtocol.integer(created.body().get("chunkBytes"))));
      send(zip, zipped.bytes(), id, chunk);
      AgentServices.Answer done =
          call("POST", base() + "/artifact-uploads/" + id + "/finish", Map.of());
      expect(done, 201, "finishing the upload of '" + upload.name() + "'");
      if (done.body().get("log") instanceof List<?> lines) {
        lines.forEach(l -> log.accept(String.valueOf(l)));
      }
      return ArtifactJson.from(done.body());
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  /** Sends the zip in chunks; after a failed chunk asks the server where to go on from. */
  private void send(Path zip, long size, String id, int chunk)
      throws ArtifactException, IOException {
    String path = base() + "/artifact-uploads/" + id;
    long offset = 0;
    int failures = 0;
    while (offset < size) {
      long length = Math.min(chunk, size - offset);
      try {
        AgentServices.Answer sent = putChunk(path, zip, offset, length);
        if (sent.status() == 200) {
          offset = (long) AgentProtocol.number(sent.body().get("received"));
          continue;
        }
        Object error = sent.body().get("error");
        if (sent.status() < 500 && !"gap".equals(error) && !"short".equals(error)) {
          throw new ArtifactException(
              "the server refused a chunk (" + sent.status() + "): " + sent.message());
        }
      } catch (IOException e) {
        // The connection dropped: ask below how much arrived.
      }
      if (++failures >= ATTEMPTS) {
        throw new ArtifactException(
            "the upload to "
                + server.server()
                + " failed "
                + ATTEMPTS
                + " times at byte "
                + offset
                + " of "
                + size
                + "; check the agent's connection to the server");
      }
      pause(failures);
      AgentServices.Answer status = call("GET", path, null);
      expect(status, 200, "asking how much of the upload arrived");
      offset = (long) AgentProtocol.number(status.body().get("received"));
    }
  }

  private AgentServices.Answer putChunk(String path, Path zip, long offset, long length)
      throws IOException {
    HttpRequest request =
        server
            .request(path + "?offset=" + offset)
            .timeout(Duration.ofMinutes(5))
            .header("Content-Type", "application/octet-stream")
            .PUT(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> slice(zip, offset, length)),
                    length))
            .build();
    try {
      HttpResponse<String> response =
          server.http().send(request, HttpResponse.BodyHandlers.ofString());
      return AgentServices.answer(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static InputStream slice(Path file, long offset, long length) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      channel.position(offset);
      return new java.io.FilterInputStream(Channels.newInputStream(channel)) {
        private long left = length;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = super.read(b, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }
      };
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public String urlOf(Artifact artifact) {
    return server.server()
        + "/api/runs/"
        + artifact.runId()
        + "/artifacts/"
        + URLEncoder.encode(artifact.name(), StandardCharsets.UTF_8).replace("+", "%20")
        + "/zip";
  }

  @Override
  public List<Artifact> list(long ofRun) throws ArtifactException, IOException {
    AgentServices.Answer answer = call("GET", base() + "/artifacts?of=" + ofRun, null);
    expect(answer, 200, "listing the artifacts of run " + ofRun);
    List<Artifact> out = new ArrayList<>();
    if (answer.body().get("artifacts") instanceof List<?> list) {
      for (Object o : list) {
        out.add(ArtifactJson.from((Map<?, ?>) o));
      }
    }
    return out;
  }

  @Override
  public int extract(Artifact artifact, Path target) throws ArtifactException, IOException {
    PrivateFiles.createDirectories(transfers);
    Path zip = transfers.resolve(UUID.randomUUID() + ".zip");
    try {
      download(artifact, zip);
      return ArtifactStore.extractChecked(artifact, zip, target, ArtifactStore.DEFAULT_MAX_BYTES);
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  /** Fetches the zip into {@code zip}, continuing with Range where a dropped connection left it. */
  private void download(Artifact artifact, Path zip) throws ArtifactException, IOException {
    String path = base() + "/artifacts/" + artifact.id() + "/zip";
    Files.createFile(zip);
    int failures = 0;
    while (Files.size(zip) < artifact.sizeBytes() || artifact.sizeBytes() == 0) {
      long have = Files.size(zip);
      HttpRequest.Builder request = server.request(path).timeout(Duration.ofMinutes(10)).GET();
      if (have > 0) {
        request.header("Range", "bytes=" + have + "-");
      }
      try {
        HttpResponse<InputStream> response =
            server.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        try (InputStream in = response.body()) {
          if (status == 200 || status == 206) {
            boolean append = status == 206;
            try (OutputStream out =
                Files.newOutputStream(
                    zip,
                    StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
              in.transferTo(out);
            }
            if (artifact.sizeBytes() == 0) {
              return;
            }
            continue;
          }
          String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
          if (status < 500) {
            throw new ArtifactException(
                "cannot download the artifact '"
                    + artifact.name()
                    + "' from "
                    + server.server()
                    + " ("
                    + status
                    + "): "
                    + AgentServices.answer(status, body).message());
          }
        }
      } catch (IOException e) {
        // The connection dropped: continue from what arrived.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (++failures >= ATTEMPTS) {
        throw new ArtifactException(
            "the download of the artifact '"
                + artifact.name()
                + "' from "
                + server.server()
                + " failed "
                + ATTEMPTS
                + " times; check the agent's connection to the server");
      }
      pause(failures);
    }
    if (Files.size(zip) != artifact.sizeBytes()) {
      throw new ArtifactException(
          "the artifact '"
              + artifact.name()
              + "' arrived with "
              + Files.size(zip)
              + " bytes, not "
              + artifact.sizeBytes());
    }
  }

  private AgentServices.Answer call(String method, String path, Map<String, Object> body)
      throws IOException {
    try {
      return server.send(method, path, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void expect(AgentServices.Answer answer, int status, String doing)
      throws ArtifactException {
    if (answer.status() != status) {
      throw new ArtifactException(
          doing + " failed: the server answered " + answer.status() + ": " + answer.message());
    }
  }

  private static void pause(int failures) throws IOException {
    try {
      Thread.sleep(Math.min(5_000, 250L << failures));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
