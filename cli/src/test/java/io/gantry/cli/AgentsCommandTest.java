package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gantry agents}, {@code agents add} and {@code agents revoke} as separate processes with
 * {@code GANTRY_API_TOKEN} against a server on 127.0.0.1.
 */
class AgentsCommandTest {

  private static final String TOKEN = "agents-api-token";

  @TempDir Path dir;
  private GantryServer server;

  @BeforeEach
  void start() throws Exception {
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 1\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anAgentAddedGetsATokenShownOnceIsListedAndCanBeRevoked() throws Exception {
    Cli add = gantry(TOKEN, "agents", "add", "builder-1", "--labels", "GPU,java17");
    assertThat(add.exit).as(add.output).isZero();
    assertThat(add.output).contains("agent builder-1 added");
    String token = add.output.lines().toList().get(1).strip();
    assertThat(token).startsWith("gantry-agent-").hasSize("gantry-agent-".length() + 64);
    // The store keeps only its hash.
    assertThat(Files.readAllBytes(dir.resolve("data/db/gantry.mv.db")))
        .asString(StandardCharsets.ISO_8859_1)
        .doesNotContain(token.substring("gantry-agent-".length()));

    Cli list = gantry(TOKEN, "agents");
    assertThat(list.exit).as(list.output).isZero();
    assertThat(list.output)
        .containsPattern("builder-1\\s+gpu,java17\\s+-\\s+never\\s+0")
        .doesNotContain(token);

    Cli again = gantry(TOKEN, "agents", "add", "builder-1");
    assertThat(again.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(again.output).contains("409").contains("'builder-1' exists already");

    Cli badLabel = gantry(TOKEN, "agents", "add", "b2", "--labels", "has space");
    assertThat(badLabel.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(badLabel.output).contains("label 'has space' is not valid");

    Cli revoke = gantry(TOKEN, "agents", "revoke", "builder-1");
    assertThat(revoke.exit).as(revoke.output).isZero();
    assertThat(gantry(TOKEN, "agents").output).containsPattern("builder-1\\s+.*revoked");

    Cli unknown = gantry(TOKEN, "agents", "revoke", "nobody");
    assertThat(unknown.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(unknown.output).contains("no agent named 'nobody'");

    // gantry agent checks its options before it calls the server.
    Cli badSource = gantry(TOKEN, "agent", "--token", "t", "--action-source", "not-a-url");
    assertThat(badSource.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(badSource.output)
        .contains("gantry agent: --action-source must be a git base URL")
        .contains("got 'not-a-url'");

    Cli noToken = gantry(null, "agents");
    assertThat(noToken.exit).isEqualTo(Gantry.BAD_INPUT);
    assertThat(noToken.output).contains("401");
  }

  private record Cli(int exit, String output) {}

  private Cli gantry(String token, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry"));
    command.add(args[0]);
    command.add("--server");
    command.add("http://127.0.0.1:" + server.port());
    command.addAll(List.of(args).subList(1, args.length));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().remove("GANTRY_API_TOKEN");
    if (token != null) {
      builder.environment().put("GANTRY_API_TOKEN", token);
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end");
    }
    return new Cli(p.exitValue(), out);
  }
}
