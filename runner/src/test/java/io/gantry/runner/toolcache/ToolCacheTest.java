package io.gantry.runner.toolcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.node.NodeActionRunner;
import io.gantry.runner.action.node.NodeActionRunner.NodeResult;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.node.ProcessLauncher;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.expression.ExpressionContext;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool cache filled from this machine's JDK (the one running the tests), and the real
 * actions/setup-java v5 finding it there with no network.
 */
class ToolCacheTest {

  @TempDir Path dir;

  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
  private static final String VERSION =
      Runtime.version().feature()
          + "."
          + Runtime.version().interim()
          + "."
          + Runtime.version().update();

  @Test
  void aJdkIsLinkedAsSetupJavaLooksForItWithItsCompleteMarker() throws Exception {
    Path cache = dir.resolve("tool-cache");
    List<ToolCache.Tool> tools = ToolCache.fill(cache, List.of(JAVA_HOME), System.getenv("PATH"));

    assertThat(tools)
        .anySatisfy(
            t -> {
              assertThat(t.name()).startsWith("Java_").endsWith("_jdk");
              assertThat(t.version()).isEqualTo(VERSION);
              assertThat(t.installation()).isEqualTo(JAVA_HOME.toRealPath());
            });
    ToolCache.Tool jdk =
        tools.stream().filter(t -> t.name().startsWith("Java_")).findFirst().orElseThrow();
    Path entry = cache.resolve(jdk.name()).resolve(VERSION).resolve(ToolCache.arch());
    assertThat(entry.resolve("bin/java")).isExecutable();
    assertThat(cache.resolve(jdk.name()).resolve(VERSION).resolve(ToolCache.arch() + ".complete"))
        .exists();
    assertThat(ToolCache.list(cache))
        .contains(
            new ToolCache.Tool(jdk.name(), VERSION, ToolCache.arch(), JAVA_HOME.toRealPath()));
    // Node.js is on this machine (the JavaScript actions need it): offered as node/VERSION/ARCH.
    String nodeVersion = NodeRuntime.locate(null, System.getenv("PATH")).version();
    assertThat(
            cache
                .resolve("node")
                .resolve(nodeVersion)
                .resolve(ToolCache.arch())
                .resolve("bin/node"))
        .isExecutable();

    // Filling again changes nothing and keeps a folder that Gantry did not make.
    Path downloaded = Files.createDirectories(cache.resolve("Java_Zulu_jdk/21.0.1/x64"));
    assertThat(ToolCache.fill(cache, List.of(JAVA_HOME), System.getenv("PATH"))).isEqualTo(tools);
    assertThat(downloaded).isDirectory();
  }

  @Test
  void javaVersionsAreNamedAsSemver() {
    assertThat(Jdks.semver("17.0.15")).isEqualTo("17.0.15");
    assertThat(Jdks.semver("25")).isEqualTo("25.0.0");
    assertThat(Jdks.semver("1.8.0_402")).isEqualTo("8.0.402");
    assertThat(Jdks.semver("21.0.1+12")).isEqualTo("21.0.1-12");
  }

  @Test
  void theRealSetupJavaFindsThisMachinesJdkOfflineAndMavenRunsOnIt() throws Exception {
    Path cache = dir.resolve("tool-cache");
    List<ToolCache.Tool> tools = ToolCache.fill(cache, List.of(JAVA_HOME), System.getenv("PATH"));
    String distribution =
        tools.stream().filter(t -> t.name().startsWith("Java_")).findFirst().orElseThrow().name();
    String distributionInput =
        switch (distribution) {
          case "Java_Temurin-Hotspot_jdk" -> "temurin";
          case "Java_Zulu_jdk" -> "zulu";
          case "Java_Corretto_jdk" -> "corretto";
          case "Java_Liberica_jdk" -> "liberica";
          case "Java_Microsoft_jdk" -> "microsoft";
          default -> throw new IllegalStateException("no test for " + distribution);
        };

    String source = ActionRepos.serve(dir.resolve("source"));
    FetchedAction setupJava =
        new ActionFetcher(dir.resolve("data/actions"), new ActionSources(List.of(source), Map.of()))
            .fetch(ActionReference.parse("actions/setup-java@v5"));
    Path home = Files.createDirectories(dir.resolve("home"));
    Path workspace = Files.createDirectories(dir.resolve("workspace"));
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", home.toString());
    env.put("GITHUB_WORKSPACE", workspace.toString());
    env.put("RUNNER_TOOL_CACHE", cache.toString());
    env.put("RUNNER_TEMP", Files.createDirectories(dir.resolve("tmp")).toString());
    env.put("RUNNER_OS", "Linux");
    env.put("RUNNER_ARCH", "X64");
    ExpressionContext context =
        new ExpressionContext(
            Map.of(
                "github",
                Map.of("token", "t"),
                "runner",
                Map.of("os", "Linux"),
                "env",
                Map.of(),
                "job",
                Map.of("status", "success")),
            ExpressionContext.JobStatus.SUCCEEDING,
            workspace);
    ActionInputs inputs =
        ActionInputs.resolve(
            setupJava.manifest(),
            Map.of(
                "distribution",
                distributionInput,
                "java-version",
                String.valueOf(Runtime.version().feature())),
            context);
    List<String> lines = new ArrayList<>();
    NodeActionRunner runner = new NodeActionRunner(NodeRuntime.locate(null, System.getenv("PATH")));

    NodeResult result =
        runner.run(
            new NodeActionRunner.NodeStep(
                setupJava,
                NodeActionRunner.Phase.MAIN,
                inputs,
                env,
                workspace,
                dir.resolve("step"),
                Map.of()),
            ProcessLauncher.direct(lines::add));

    assertThat(result.succeeded()).as(String.join("\n", lines)).isTrue();
    assertThat(lines).contains("Resolved Java " + VERSION + " from tool-cache");
    Path toolPath = cache.resolve(distribution).resolve(VERSION).resolve(ToolCache.arch());
    assertThat(result.exportedEnv())
        .containsEntry("JAVA_HOME", toolPath.toString())
        .containsEntry("JAVA_HOME_" + Runtime.version().feature() + "_X64", toolPath.toString());
    assertThat(result.outputs()).containsEntry("version", VERSION);
    assertThat(home.resolve(".m2/toolchains.xml")).content().contains(toolPath.toString());

    // The next step's environment: PATH with setup-java's additions first, its JAVA_HOME.
    Map<String, String> next = new HashMap<>(env);
    next.putAll(result.exportedEnv());
    next.put(
        "PATH",
        String.join(File.pathSeparator, result.paths()) + File.pathSeparator + env.get("PATH"));
    String javaVersion = run(next, workspace, "java", "-version");
    assertThat(javaVersion).contains("\"" + VERSION + "\"");
    String mvn = run(next, workspace, "mvn", "-v");
    assertThat(mvn)
        .contains("Java version: " + VERSION)
        .contains("runtime: " + JAVA_HOME.toRealPath());
  }

  private static String run(Map<String, String> env, Path cwd, String... command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
