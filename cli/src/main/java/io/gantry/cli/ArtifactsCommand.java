package io.gantry.cli;

import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactNames;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.StoreException;
import io.gantry.runner.store.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gantry artifacts RUN [--download NAME] [--dir D]}: a run's artifacts (what {@code
 * actions/upload-artifact} kept), or one of them saved as {@code D/NAME.zip}, its SHA-256 checked.
 * Through the server with {@code --server} or {@code GANTRY_SERVER} (the token from {@code
 * GANTRY_API_TOKEN}), else on the local data directory ({@code gantry run}'s runs).
 */
@Command(
    name = "artifacts",
    mixinStandardHelpOptions = true,
    description = "Lists a run's artifacts, or downloads one as a zip.")
final class ArtifactsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "The run's id.")
  long runId;

  @Option(names = "--download", paramLabel = "NAME", description = "Save this artifact's zip.")
  String download;

  @Option(
      names = "--dir",
      paramLabel = "D",
      defaultValue = ".",
      description = "Where --download saves NAME.zip (default: the current folder).")
  Path dir;

  @Option(names = "--data-dir", description = "The data directory (default: $GANTRY_DATA_DIR).")
  Path dataDir;

  @Option(
      names = "--server",
      paramLabel = "URL",
      description = "Ask this Gantry server (default: $GANTRY_SERVER; without either, local).")
  String server;

  @Option(
      names = "--local",
      description = "Work on the local data directory even if $GANTRY_SERVER is set.")
  boolean local;

  /** One artifact as listed. */
  private record Row(
      String name, long size, int files, String job, String expires, String digest) {}

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (download != null) {
      String problem = ArtifactNames.problem(download);
      if (problem != null) {
        err.println("gantry artifacts: --download: " + problem);
        return Gantry.BAD_INPUT;
      }
      if (!Files.isDirectory(dir)) {
        err.println("gantry artifacts: --dir " + dir + " is not a folder; create it first");
        return Gantry.BAD_INPUT;
      }
    }
    String url = server != null ? server : System.getenv(ApiClient.SERVER);
    if (local && server != null) {
      err.println("gantry artifacts: --local and --server exclude each other; give one");
      return Gantry.BAD_INPUT;
    }
    try {
      if (!local && url != null && !url.isBlank()) {
        if (dataDir != null) {
          err.println(
              "gantry artifacts: --data-dir applies to the local mode, but this asks the server "
                  + url
                  + "; add --local to work locally");
          return Gantry.BAD_INPUT;
        }
        return remote(new ApiClient(url, System.getenv(ApiClient.TOKEN)));
      }
      return local();
    } catch (ApiClient.ClientException e) {
      err.println("gantry artifacts: " + e.getMessage());
      return Gantry.RUN_FAILED;
    }
  }

  private int remote(ApiClient client) throws ApiClient.ClientException {
    String base = "/api/runs/" + runId + "/artifacts";
    if (download == null) {
      Map<?, ?> answer = (Map<?, ?>) client.get(base);
      List<Row> rows = new ArrayList<>();
      for (Object item : (List<?>) answer.get("artifacts")) {
        Map<?, ?> a = (Map<?, ?>) item;
        rows.add(
            new Row(
                String.valueOf(a.get("name")),
                ((Number) a.get("sizeBytes")).longValue(),
                ((Number) a.get("files")).intValue(),
                String.valueOf(a.get("job")),
                String.valueOf(a.get("expiresAt")),
                String.valueOf(a.get("digest"))));
      }
      return print(rows);
    }
    Path target = dir.resolve(download + ".zip");
    var headers = client.download(base + "/" + ClientCommands.encode(download) + "/zip", target);
    String expected = headers.firstValue("X-Artifact-Digest").orElse("");
    try {
      return checked(target, expected.replaceFirst("^sha256:", ""));
    } catch (IOException e) {
      throw new ApiClient.ClientException("cannot read " + target + ": " + e.getMessage());
    }
  }

  private int local() {
    PrintWriter err = spec.commandLine().getErr();
    try (RunStore store =
        Stores.openEmbedded(dataDir != null ? dataDir : Settings.defaultDataDir())) {
      Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
      ArtifactStore artifacts = ArtifactStore.in(data, store);
      if (store.findRun(runId).isEmpty()) {
        err.println("gantry artifacts: no run " + runId + " in " + data);
        return Gantry.RUN_FAILED;
      }
      if (download == null) {
        List<Row> rows = new ArrayList<>();
        for (Artifact a : artifacts.list(runId)) {
          rows.add(
              new Row(
                  a.name(),
                  a.sizeBytes(),
                  a.files(),
                  a.job(),
                  a.expiresAt().toString(),
                  "sha256:" + a.digest()));
        }
        return print(rows);
      }
      Optional<Artifact> found = artifacts.find(runId, download);
      if (found.isEmpty()) {
        err.println("gantry artifacts: run " + runId + " has no artifact named '" + download + "'");
        return Gantry.RUN_FAILED;
      }
      Path target = dir.resolve(download + ".zip");
      Path part = dir.resolve(download + ".zip.part");
      try (InputStream in = artifacts.open(found.get())) {
        Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      return checked(target, found.get().digest());
    } catch (StoreException | ArtifactException | IOException e) {
      err.println("gantry artifacts: " + e.getMessage());
      return Gantry.RUN_FAILED;
    }
  }

  /** Checks the saved zip against the recorded digest and says where it is. */
  private int checked(Path zip, String expected) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(zip);
        OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
      in.transferTo(sink);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!expected.isEmpty() && !actual.equals(expected)) {
      Files.deleteIfExists(zip);
      spec.commandLine()
          .getErr()
          .println(
              "gantry artifacts: the zip's SHA-256 is "
                  + actual
                  + ", not "
                  + expected
                  + "; removed it");
      return Gantry.RUN_FAILED;
    }
    spec.commandLine()
        .getOut()
        .println("saved " + zip + " (" + Files.size(zip) + " bytes, sha256:" + actual + ")");
    return Gantry.OK;
  }

  private int print(List<Row> rows) {
    PrintWriter out = spec.commandLine().getOut();
    if (rows.isEmpty()) {
      out.println("run " + runId + " has no artifacts");
      return Gantry.OK;
    }
    int width = Math.max(4, rows.stream().mapToInt(r -> r.name().length()).max().orElse(4));
    out.println(
        String.format(
            "%-" + width + "s  %12s  %6s  %-12s  %-20s  %s",
            "NAME",
            "BYTES",
            "FILES",
            "JOB",
            "EXPIRES",
            "DIGEST"));
    for (Row r : rows) {
      out.println(
          String.format(
              "%-" + width + "s  %12d  %6d  %-12s  %-20s  %s",
              r.name(),
              r.size(),
              r.files(),
              r.job(),
              r.expires().length() > 20 ? r.expires().substring(0, 19) + "Z" : r.expires(),
              r.digest()));
    }
    return Gantry.OK;
  }
}
