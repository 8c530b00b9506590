package io.gantry.runner.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.execution.ExecutorOptions;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * actions/upload-artifact in one job and actions/download-artifact in another job of the same run,
 * through the real parser, executor, checkout, shell steps and store: each job has a workspace of
 * its own, so the files reach the second job only through the artifact. Then the bad inputs, each a
 * one-line failure of its step.
 */
class ArtifactWorkflowTest {

  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  private static final String TWO_JOBS =
      """
name: build
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out/bin out/logs reports/a reports/b
          echo "app v1" > out/bin/app
          echo "debug" > out/logs/debug.tmp
          echo "keep" > out/logs/run.log
          echo "secret" > out/.env
          echo "junit a" > reports/a/TEST-a.xml
          echo "junit b" > reports/b/TEST-b.xml
          echo "single" > notes.txt
      - name: Upload the binaries
        id: bin
        uses: actions/upload-artifact@v4
        with:
          name: binaries
          path: |
            out/
            !out/**/*.tmp
          retention-days: 5
          compression-level: 9
      - uses: actions/upload-artifact@v4
        with:
          name: reports
          path: reports/**/TEST-*.xml
      - uses: actions/upload-artifact@v4
        with:
          name: notes
          path: notes.txt
      - name: Nothing
        uses: actions/upload-artifact@v4
        with:
          name: nothing
          path: missing/*.bin
      - run: echo "id=${{ steps.bin.outputs.artifact-id }} digest=${{ steps.bin.outputs.artifact-digest }}"
  use:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - name: Get the binaries
        id: get
        uses: actions/download-artifact@v4
        with:
          name: binaries
          path: got
      - name: Get the rest
        uses: actions/download-artifact@v4
        with:
          pattern: "{reports,notes}"
          path: all
      - name: Merged
        uses: actions/download-artifact@v4
        with:
          pattern: "*s"
          path: merged
          merge-multiple: true
      - run: |
          set -e
          test "$(cat got/bin/app)" = "app v1"
          test "$(cat got/logs/run.log)" = "keep"
          test ! -e got/logs/debug.tmp
          test ! -e got/.env
          test "$(cat all/reports/a/TEST-a.xml)" = "junit a"
          test "$(cat all/reports/b/TEST-b.xml)" = "junit b"
          test "$(cat all/notes/notes.txt)" = "single"
          test ! -e all/binaries
          test "$(cat merged/bin/app)" = "app v1"
          test "$(cat merged/a/TEST-a.xml)" = "junit a"
          echo "download-path=${{ steps.get.outputs.download-path }}"
          echo "all checked"
""";

  @TempDir Path data;
  @TempDir Path project;
  private RunStore store;
  private WorkflowExecutor executor;

  @BeforeEach
  void start() {
    store = Stores.openEmbedded(data);
    executor =
        new WorkflowExecutor(BuiltInActions.registry(), store, ExecutorOptions.defaults(data));
  }

  @AfterEach
  void stop() {
    executor.close();
    store.close();
  }

  private record Run(RunResult result, List<String> log) {
    JobResult job(String key) {
      return result.jobs().stream()
          .filter(j -> j.key().equals(key))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no job " + key + " in " + result.jobs()));
    }

    StepResult step(String job, String name) {
      return job(job).steps().stream()
          .filter(s -> s.name().equals(name))
          .findFirst()
          .orElseThrow(
              () ->
                  new AssertionError(
                      "no step " + name + " in " + ArtifactWorkflowTest.describe(job(job))));
    }

    String describe() {
      List<String> jobs = new ArrayList<>();
      for (JobResult job : result.jobs()) {
        jobs.add(ArtifactWorkflowTest.describe(job));
      }
      return String.join("; ", jobs);
    }
  }

  private Run run(String yaml) throws Exception {
    Path file = project.resolve("build.yml");
    Files.writeString(file, yaml);
    Workflow workflow = new WorkflowParser(BuiltInActions.registry()).parse(file, "build.yml");
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/web",
            "push",
            Map.of("ref", "refs/heads/main"),
            "refs/heads/main",
            SHA,
            Map.of(),
            Map.of(),
            Map.of(),
            Map.of(),
            Set.of(),
            project,
            null,
            null,
            "octocat");
    RunResult result = executor.start(request, null).await();
    return new Run(result, executor.logs().readRun(result.runId()));
  }

  @Test
  void filesUploadedByOneJobAreDownloadedByTheNext() throws Exception {
    Run run = run(TWO_JOBS);

    assertThat(run.result().conclusion().label()).as(run.describe()).isEqualTo("success");
    List<Artifact> artifacts = executor.artifacts().list(run.result().runId());
    assertThat(artifacts)
        .extracting(Artifact::name)
        .containsExactly("binaries", "notes", "reports");
    Artifact binaries = artifacts.get(0);
    assertThat(binaries.job()).isEqualTo("build");
    assertThat(binaries.files()).isEqualTo(2);
    assertThat(binaries.repository()).isEqualTo("acme/web");
    assertThat(java.time.Duration.between(binaries.createdAt(), binaries.expiresAt()).toDays())
        .isEqualTo(5);
    // The zip holds the folder's files relative to it, without the excluded and hidden ones.
    Map<String, String> entries = new TreeMap<>();
    byte[] zip;
    try (InputStream in = executor.artifacts().open(binaries)) {
      zip = in.readAllBytes();
    }
    try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(
            e.getName(), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    assertThat(entries)
        .containsOnly(Map.entry("bin/app", "app v1\n"), Map.entry("logs/run.log", "keep\n"));
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
    StepResult upload = run.step("build", "Upload the binaries");
    assertThat(upload.outputs())
        .containsEntry("artifact-id", Long.toString(binaries.id()))
        .containsEntry("artifact-digest", digest)
        .containsEntry("artifact-digest", binaries.digest());
    assertThat(upload.outputs().get("artifact-url")).startsWith("file:").endsWith(".zip");
    assertThat(binaries.sizeBytes()).isEqualTo(zip.length);
    assertThat(run.log())
        .anyMatch(l -> l.contains("id=" + binaries.id() + " digest=" + digest))
        .anyMatch(l -> l.contains("No files were found with the provided path: missing/*.bin"))
        .anyMatch(l -> l.contains("all checked"));
    assertThat(run.step("build", "Nothing").conclusion().label()).isEqualTo("success");
    assertThat(run.step("use", "Get the binaries").outputs().get("download-path")).endsWith("/got");
  }

  @Test
  void anUploadOfANameTakenFailsUnlessItOverwrites() throws Exception {
    Run run =
        run(
            """
name: twice
on: push
jobs:
  one:
    runs-on: ubuntu-latest
    steps:
      - run: echo one > f.txt
      - uses: actions/upload-artifact@v4
        with: { name: same, path: f.txt }
  two:
    needs: one
    runs-on: ubuntu-latest
    steps:
      - run: echo two > f.txt
      - name: Again
        uses: actions/upload-artifact@v4
        with: { name: same, path: f.txt }
      - name: Replace
        if: always()
        uses: actions/upload-artifact@v4
        with: { name: same, path: f.txt, overwrite: true }
""");

    assertThat(run.step("two", "Again").message())
        .isEqualTo(
            "actions/upload-artifact: an artifact named 'same' already exists in this run; give"
                + " another name, or 'overwrite: true' to replace it");
    assertThat(run.step("two", "Replace").conclusion().label()).isEqualTo("success");
    List<Artifact> artifacts = executor.artifacts().list(run.result().runId());
    assertThat(artifacts).hasSize(1);
    assertThat(artifacts.get(0).job()).isEqualTo("two");
    Path out = Files.createDirectories(project.resolve("out"));
    executor.artifacts().extract(artifacts.get(0), out);
    assertThat(Files.readString(out.resolve("f.txt"))).isEqualTo("two\n");
    // The replaced zip is gone from the run's folder.
    try (var zips =
        Files.list(data.resolve("artifacts").resolve(Long.toString(run.result().runId())))) {
      assertThat(zips.toList()).hasSize(1);
    }
  }

  @Test
  void badInputsFailTheirStepWithOneLine() throws Exception {
    Run run =
        run(
            """
name: bad
on: push
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - run: echo x > f.txt
      - name: Slash
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: a/b, path: f.txt }
      - name: Dots
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: "a..b", path: f.txt }
      - name: Colon
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: "a:b", path: f.txt }
      - name: Outside
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: outside, path: ../../etc/passwd }
      - name: Error when none
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: none, path: nope/, if-no-files-found: error }
      - name: Level
        continue-on-error: true
        uses: actions/upload-artifact@v4
        with: { name: level, path: f.txt, compression-level: 12 }
      - name: Missing
        continue-on-error: true
        uses: actions/download-artifact@v4
        with: { name: never-uploaded }
      - name: Download outside
        continue-on-error: true
        uses: actions/download-artifact@v4
        with: { path: ../elsewhere }
""");

    assertThat(run.step("bad", "Slash").message())
        .isEqualTo(
            "actions/upload-artifact: the artifact name 'a/b' contains a forward slash /; names"
                + " may not contain \" : < > | * ? \\r \\n \\ /");
    assertThat(run.step("bad", "Dots").message())
        .isEqualTo(
            "actions/upload-artifact: the artifact name 'a..b' contains '..'; choose a name"
                + " without it");
    assertThat(run.step("bad", "Colon").message()).contains("contains a colon :");
    assertThat(run.step("bad", "Outside").message())
        .startsWith("actions/upload-artifact: '../../etc/passwd' is outside the workspace ")
        .endsWith("; artifacts are made of the workspace's files (copy them there first)");
    assertThat(run.step("bad", "Error when none").message())
        .isEqualTo(
            "actions/upload-artifact: No files were found with the provided path: nope/. No"
                + " artifacts will be uploaded.");
    assertThat(run.step("bad", "Level").message())
        .isEqualTo(
            "actions/upload-artifact: compression-level is 12; give 0 (none) to 9 (smallest)");
    assertThat(run.step("bad", "Missing").message())
        .startsWith(
            "actions/download-artifact: no artifact named 'never-uploaded' in run "
                + run.result().runId()
                + " (it has: none)");
    assertThat(run.step("bad", "Download outside").message())
        .startsWith("actions/download-artifact: path '../elsewhere' is outside the workspace ");
    for (StepResult step : run.job("bad").steps()) {
      if (step.message() != null) {
        assertThat(step.message()).doesNotContain("\n").doesNotContain("Exception");
      }
    }
    assertThat(executor.artifacts().list(run.result().runId())).isEmpty();
    assertThat(run.log()).noneMatch(l -> l.contains("root:x:0:0"));
  }

  @Test
  void aLinkToAFileOutsideTheWorkspaceIsRefused() throws Exception {
    Path outside = Files.writeString(data.resolve("host-secret.txt"), "host secret");
    Run run =
        run(
            """
name: link
on: push
jobs:
  link:
    runs-on: ubuntu-latest
    steps:
      - run: mkdir d && ln -s @OUTSIDE@ d/secret.txt && echo fine > d/ok.txt
      - name: Upload
        uses: actions/upload-artifact@v4
        with: { name: linked, path: d }
"""
                .replace("@OUTSIDE@", outside.toString()));

    assertThat(run.step("link", "Upload").message())
        .isEqualTo(
            "actions/upload-artifact: 'd/secret.txt' links to "
                + outside.toRealPath()
                + ", outside the workspace; only files of the workspace can be uploaded");
    assertThat(executor.artifacts().list(run.result().runId())).isEmpty();
  }

  private static String describe(JobResult job) {
    List<String> steps = new ArrayList<>();
    for (StepResult s : job.steps()) {
      steps.add(
          s.name()
              + "="
              + s.conclusion().label()
              + (s.message() != null ? " (" + s.message() + ")" : ""));
    }
    return job.key() + ": " + steps;
  }

  static String read(Path file) throws IOException {
    return Files.readString(file);
  }
}
