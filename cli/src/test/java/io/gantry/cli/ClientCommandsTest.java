package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI clients of the REST API as a user runs them: {@code gantry} as a separate process with
 * {@code --server} and {@code GANTRY_API_TOKEN}, against a server started on 127.0.0.1, fed by real
 * pushes through a bare repository's post-receive hook.
 */
class ClientCommandsTest {

  private static final String SECRET = "cli-hook-secret";
  private static final String TOKEN = "cli-api-token";
  private static final Pattern QUEUED = Pattern.compile("queued run (\\d+)");

  @TempDir Path dir;
  private Path work;
  private GantryServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Path bare = dir.resolve("origin.git");
    work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    git(work, "remote", "add", "origin", bare.toString());
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\nrepositories:\n  - name: acme/cli\n    forge: git\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + SECRET
            + "\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(
        hook,
        "#!/bin/sh\nexec '"
            + java()
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' io.gantry.cli.Gantry hook post-receive --server "
            + base()
            + " --repo acme/cli\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void logsFollowAFailedRunThenRerunOfFailedJobsReusesTheJobsThatPassed() throws Exception {
    Path counter = dir.resolve("build-ran");
    Path fixed = dir.resolve("fixed");
    workflow(
        "ci.yml",
        "name: ci\non:\n  push:\n    branches: [main]\njobs:\n"
            + "  build:\n    runs-on: x\n    outputs:\n      version: ${{ steps.v.outputs.version }}\n"
            + "    steps:\n      - id: v\n        run: |\n"
            + "          echo ran >> '"
            + counter
            + "'\n"
            + "          echo \"version=v-$(date +%s%N)\" >> \"$GITHUB_OUTPUT\"\n"
            + "  test:\n    needs: build\n    runs-on: x\n    steps:\n"
            + "      - run: echo \"testing ${{ needs.build.outputs.version }}\"\n"
            + "      - run: test -f '"
            + fixed
            + "' || { echo 'not fixed yet'; exit 1; }\n");
    push();
    long first = awaitRun(1);

    Cli follow = gantry("logs", Long.toString(first), "-f");
    assertThat(follow.exit).as(follow.output).isEqualTo(Gantry.RUN_FAILED);
    assertThat(follow.output)
        .contains("not fixed yet")
        .contains("-- run " + first + " ended: failure");
    String version = matching(follow.output, "testing (v-\\d+)");

    Files.writeString(fixed, "yes");
    Cli rerun = gantry("rerun", Long.toString(first), "--failed");
    assertThat(rerun.exit).as(rerun.output).isZero();
    assertThat(rerun.output).contains("(attempt 2)");
    long second = Long.parseLong(matching(rerun.output, QUEUED.pattern()));

    Cli followRerun = gantry("logs", Long.toString(second), "--follow");
    assertThat(followRerun.exit).as(followRerun.output).isZero();
    // The build job passed in attempt 1: not run again, its output carried over to test.
    assertThat(followRerun.output).contains("passed in attempt 1: not run again");
    assertThat(followRerun.output)
        .contains("] testing " + version)
        .doesNotContain("] not fixed yet");
    assertThat(Files.readAllLines(counter)).containsExactly("ran");
    Map<?, ?> details = json("/api/runs/" + second);
    assertThat(jobConclusions(details))
        .containsEntry("build", "success")
        .containsEntry("test", "success");

    Cli nothingFailed = gantry("rerun", Long.toString(second), "--failed");
    assertThat(nothingFailed.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(nothingFailed.output.strip())
        .isEqualTo(
            "gantry rerun: the server answered 409: run "
                + second
                + " has no failed jobs to rerun; rerun the whole run without failedOnly");

    Cli whole = gantry("rerun", Long.toString(second));
    assertThat(whole.exit).as(whole.output).isZero();
    long third = Long.parseLong(matching(whole.output, QUEUED.pattern()));
    assertThat(gantry("logs", Long.toString(third), "-f").exit).isZero();
    assertThat(Files.readAllLines(counter)).containsExactly("ran", "ran");

    Cli runs = gantry("runs", "--repo", "acme/cli");
    assertThat(runs.exit).isZero();
    assertThat(runs.output.lines().filter(l -> l.contains("acme/cli"))).hasSize(3);
    assertThat(runs.output).contains("1.2 ").contains("1.3 ");
  }

  @Test
  void dispatchStartsARunWithItsInputsAndCancelStopsIt() throws Exception {
    workflow(
        "slow.yml",
        "name: slow\non:\n  workflow_dispatch:\n    inputs:\n      who:\n        required: true\n"
            + "jobs:\n  wait:\n    runs-on: x\n    steps:\n"
            + "      - run: echo \"hello ${{ inputs.who }}\"\n      - run: sleep 300\n");
    push();

    Cli dispatch =
        gantry(
            "dispatch",
            "--repo",
            "acme/cli",
            "--ref",
            "main",
            "--workflow",
            "slow.yml",
            "-i",
            "who=cli-user");
    assertThat(dispatch.exit).as(dispatch.output).isZero();
    long id = Long.parseLong(matching(dispatch.output, QUEUED.pattern()));
    awaitLog(id, "hello cli-user");

    Cli cancel = gantry("cancel", Long.toString(id));
    assertThat(cancel.exit).as(cancel.output).isZero();
    assertThat(cancel.output).startsWith("run " + id + ": cancel");
    Cli follow = gantry("logs", Long.toString(id), "-f");
    assertThat(follow.exit).isEqualTo(Gantry.RUN_FAILED);
    assertThat(follow.output).contains("-- run " + id + " ended: cancelled");

    Cli unknownInput =
        gantry(
            "dispatch",
            "--repo",
            "acme/cli",
            "--ref",
            "main",
            "--workflow",
            "slow.yml",
            "-i",
            "whom=x");
    assertThat(unknownInput.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(unknownInput.output).contains("whom").hasLineCount(1);
  }

  @Test
  void aMutatingCommandWithoutTheTokenSaysHowToGiveIt() throws Exception {
    Cli cancel = gantry(Map.of(), "cancel", "1");
    assertThat(cancel.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(cancel.output.strip())
        .isEqualTo(
            "gantry cancel: this command changes things on the server: export GANTRY_API_TOKEN"
                + " with the server's api-token");
    Cli wrong = gantry(Map.of("GANTRY_API_TOKEN", "not-the-token"), "cancel", "1");
    assertThat(wrong.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(wrong.output).startsWith("gantry cancel: the server answered 401").hasLineCount(1);
  }

  @Test
  void schedulesListsEachCronLineOfTheDefaultBranchWithItsNextFireTime() throws Exception {
    workflow(
        "nightly.yml",
        "name: nightly\non:\n  schedule:\n    - cron: '30 2 * * MON-FRI'\n"
            + "jobs:\n  n:\n    runs-on: x\n    steps:\n      - run: echo n\n");
    push();
    Cli schedules = gantry("schedules");
    assertThat(schedules.exit).as(schedules.output).isZero();
    assertThat(schedules.output)
        .contains("REPOSITORY")
        .containsPattern(
            "acme/cli +\\.github/workflows/nightly\\.yml +30 2 \\* \\* MON-FRI +"
                + "\\d{4}-\\d\\d-\\d\\dT02:30:00Z");
  }

  // ---- helpers ----

  private void workflow(String file, String text) throws IOException {
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(work.resolve(".github/workflows/" + file), text);
  }

  private void push() throws Exception {
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "change");
    Cli pushed =
        command(Map.of("GANTRY_HOOK_SECRET", SECRET), work, "git", "push", "-q", "origin", "main");
    assertThat(pushed.exit).as(pushed.output).isZero();
  }

  /** Waits until the server has {@code count} runs; returns the newest one's id. */
  private long awaitRun(int count) throws Exception {
    for (int i = 0; i < 600; i++) {
      List<?> runs = (List<?>) json("/api/runs").get("runs");
      if (runs.size() >= count) {
        return ((Number) ((Map<?, ?>) runs.get(0)).get("id")).longValue();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no run was created");
  }

  private void awaitLog(long id, String text) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (text(("/api/runs/" + id + "/logs")).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + id + " never logged " + text);
  }

  private static Map<String, Object> jobConclusions(Map<?, ?> run) {
    Map<String, Object> conclusions = new HashMap<>();
    for (Object job : (List<?>) run.get("jobs")) {
      Map<?, ?> j = (Map<?, ?>) job;
      conclusions.put(String.valueOf(j.get("key")), j.get("conclusion"));
    }
    return conclusions;
  }

  private Map<?, ?> json(String path) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(text(path));
  }

  private String text(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private String base() {
    return "http://127.0.0.1:" + server.port();
  }

  private static String matching(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("'%s' in:%n%s", regex, text).isTrue();
    return m.group(1);
  }

  private record Cli(int exit, String output) {}

  private Cli gantry(String... args) throws Exception {
    return gantry(Map.of("GANTRY_API_TOKEN", TOKEN), args);
  }

  private Cli gantry(Map<String, String> env, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(java(), "-cp", System.getProperty("java.class.path"), "io.gantry.cli.Gantry"));
    command.add(args[0]);
    command.add("--server");
    command.add(base());
    command.addAll(List.of(args).subList(1, args.length));
    return command(env, dir, command.toArray(String[]::new));
  }

  private static Cli command(Map<String, String> env, Path in, String... command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true);
    builder.environment().remove("GANTRY_API_TOKEN");
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end");
    }
    return new Cli(p.exitValue(), out);
  }

  private static String git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Cli result = command(Map.of(), in, command.toArray(String[]::new));
    assertThat(result.exit).as(result.output).isZero();
    return result.output;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
