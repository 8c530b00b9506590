package io.gantry.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  private static final String ISSUE_EXAMPLE =
      "server:\n"
          + "  port: 8080\n"
          + "  public-url: http://localhost:8080\n"
          + "  data-dir: ./gantry-data\n"
          + "  api-token: ${GANTRY_API_TOKEN}\n"
          + "  workers: 4\n"
          + "repositories:\n"
          + "  - name: acme/web\n"
          + "    forge: github\n"
          + "    clone-url: https://github.com/acme/web.git\n"
          + "    webhook-secret: ${WEB_HOOK_SECRET}\n"
          + "    credentials: { username: x-access-token, password: ${GITHUB_TOKEN} }\n"
          + "    status: { api-url: https://api.github.com, token: ${GITHUB_TOKEN} }\n"
          + "    secrets: { AWS_ACCESS_KEY_ID: ${AWS_ACCESS_KEY_ID} }\n"
          + "    vars: { AWS_REGION: us-east-1 }\n";

  private static final Map<String, String> ENV =
      Map.of(
          "GANTRY_API_TOKEN", "api-1",
          "WEB_HOOK_SECRET", "hook-2",
          "GITHUB_TOKEN", "gh-3",
          "AWS_ACCESS_KEY_ID", "AKIA4");

  private ServerConfig load(String text, Map<String, String> env) throws Exception {
    Path file = dir.resolve("gantry.yml");
    Files.writeString(file, text);
    return new ConfigLoader(env::get).load(file);
  }

  private String error(String text, Map<String, String> env) {
    Path file = dir.resolve("gantry.yml");
    try {
      Files.writeString(file, text);
      new ConfigLoader(env::get).load(file);
    } catch (ConfigException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error for:\n" + text);
  }

  @Test
  void readsTheIssuesExampleWithVariablesInFlowMappings() throws Exception {
    ServerConfig config = load(ISSUE_EXAMPLE, ENV);
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.server().apiToken().value()).isEqualTo("api-1");
    ServerConfig.Repository repo = config.repository("acme/web").orElseThrow();
    assertThat(repo.webhookSecret().value()).isEqualTo("hook-2");
    assertThat(repo.credentials().password().value()).isEqualTo("gh-3");
    assertThat(repo.status().token().value()).isEqualTo("gh-3");
    assertThat(repo.status().forge()).isEqualTo("github");
    assertThat(repo.secrets().get("AWS_ACCESS_KEY_ID").value()).isEqualTo("AKIA4");
    assertThat(repo.vars()).containsEntry("AWS_REGION", "us-east-1");
  }

  @Test
  void secretsNeverPrintThemselves() throws Exception {
    assertThat(load(ISSUE_EXAMPLE, ENV).toString())
        .doesNotContain("api-1", "hook-2", "gh-3", "AKIA4");
  }

  @Test
  void aValueCannotChangeTheStructureOfTheFile() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(ENV);
    env.put("WEB_HOOK_SECRET", "x\n  forge: gitlab\n  evil: {");
    ServerConfig config = load(ISSUE_EXAMPLE, env);
    assertThat(config.repository("acme/web").orElseThrow().forge()).isEqualTo("github");
    assertThat(config.repository("acme/web").orElseThrow().webhookSecret().value())
        .isEqualTo("x\n  forge: gitlab\n  evil: {");
  }

  @Test
  void aPostgresqlDatabaseTakesItsUserFromTheEnvironmentAndItsPasswordFromAFile() throws Exception {
    Path password = dir.resolve("db-password");
    Files.writeString(password, "s3cret\n");
    String server =
        "server:\n  api-token: t\n  database: postgresql://db.internal:5432/gantry?sslmode=verify-full"
            + "\n  database-user: ${DB_USER}\n  database-password-file: "
            + password
            + "\n";
    io.gantry.runner.store.DatabaseSettings database =
        load(server, Map.of("DB_USER", "ci")).server().database();
    assertThat(database.url())
        .isEqualTo("postgresql://db.internal:5432/gantry?sslmode=verify-full");
    assertThat(database.user()).isEqualTo("ci");
    assertThat(database.password()).isEqualTo("s3cret");
    assertThat(database.toString()).doesNotContain("s3cret");
    assertThat(load("server:\n  api-token: t\n", Map.of()).server().database()).isNull();
  }

  @Test
  void aBadDatabaseSettingIsOneLineNamingTheKey() {
    String head = "server:\n  api-token: t\n";
    assertThat(error(head + "  database: mysql://db/gantry\n  database-user: u\n", Map.of()))
        .endsWith(
            "gantry.yml: server.database 'mysql://db/gantry' is not a postgresql:// URL;"
                + " expected postgresql://HOST[:PORT]/DATABASE[?OPTIONS]");
    assertThat(error(head + "  database: postgresql://db:5432/gantry\n", Map.of()))
        .contains("server.database-user is required with server.database");
    assertThat(
            error(head + "  database: postgresql://u:pw@db/gantry\n  database-user: u\n", Map.of()))
        .contains("holds credentials")
        .doesNotContain("pw");
    assertThat(
            error(
                head
                    + "  database: postgresql://db/gantry\n  database-user: u\n"
                    + "  database-password-file: /nonexistent/pw\n",
                Map.of()))
        .contains("server.database-password-file /nonexistent/pw cannot be read");
  }

  @Test
  void retryInterruptedIsACountOfReRunsOrTrueOrFalseAndNoneByDefault() throws Exception {
    assertThat(load(ISSUE_EXAMPLE, ENV).server().retryInterrupted()).isZero();
    String twice =
        ISSUE_EXAMPLE.replace("  workers: 4\n", "  workers: 4\n  retry-interrupted: 2\n");
    assertThat(load(twice, ENV).server().retryInterrupted()).isEqualTo(2);
    String yes =
        ISSUE_EXAMPLE.replace("  workers: 4\n", "  workers: 4\n  retry-interrupted: true\n");
    assertThat(load(yes, ENV).server().retryInterrupted()).isEqualTo(1);
    String no =
        ISSUE_EXAMPLE.replace("  workers: 4\n", "  workers: 4\n  retry-interrupted: false\n");
    assertThat(load(no, ENV).server().retryInterrupted()).isZero();
  }

  @Test
  void aBadRetryInterruptedIsOneLineNamingTheKeyAndTheRange() {
    for (String bad : new String[] {"-1", "6", "always", "1.5"}) {
      String text =
          ISSUE_EXAMPLE.replace(
              "  workers: 4\n", "  workers: 4\n  retry-interrupted: " + bad + "\n");
      assertThat(error(text, ENV))
          .isEqualTo(
              dir.resolve("gantry.yml")
                  + ": server.retry-interrupted must be how many more times a job whose agent"
                  + " stopped answering is run, 0 (never, the default) to 5, or true (once) /"
                  + " false; got '"
                  + bad
                  + "'");
    }
  }

  @Test
  void anUnsetVariableNamesTheKeyAndTheVariable() {
    Map<String, String> env = new java.util.HashMap<>(ENV);
    env.remove("WEB_HOOK_SECRET");
    assertThat(error(ISSUE_EXAMPLE, env))
        .endsWith(
            "gantry.yml: repositories[0].webhook-secret refers to ${WEB_HOOK_SECRET}, which is not"
                + " set; export WEB_HOOK_SECRET or write ${WEB_HOOK_SECRET:-default}");
  }

  @Test
  void aDefaultIsUsedWhenTheVariableIsUnset() throws Exception {
    ServerConfig config = load(ISSUE_EXAMPLE.replace("port: 8080", "port: ${PORT:-9090}"), ENV);
    assertThat(config.server().port()).isEqualTo(9090);
  }

  @Test
  void anUnknownKeySuggestsTheNearestOne() {
    assertThat(error(ISSUE_EXAMPLE.replace("workers: 4", "wrokers: 4"), ENV))
        .endsWith("unknown key 'wrokers' in server; did you mean 'workers'?");
  }

  @Test
  void missingRequiredValuesAreNamed() {
    assertThat(error(ISSUE_EXAMPLE.replace("  api-token: ${GANTRY_API_TOKEN}\n", ""), ENV))
        .contains("server.api-token is required");
    assertThat(
            error(
                ISSUE_EXAMPLE.replace("    clone-url: https://github.com/acme/web.git\n", ""), ENV))
        .contains("repositories[0].clone-url is required");
  }

  @Test
  void wrongTypesAndValuesAreNamed() {
    assertThat(error(ISSUE_EXAMPLE.replace("port: 8080", "port: eighty"), ENV))
        .endsWith("server.port must be a whole number from 0 to 65535, got 'eighty'");
    assertThat(error(ISSUE_EXAMPLE.replace("forge: github", "forge: svn"), ENV))
        .contains("repositories[0].forge must be one of github, gitea, gitlab, git; got 'svn'");
    assertThat(error(ISSUE_EXAMPLE.replace("forge: github", "forge: git"), ENV))
        .contains("repositories[0].status.forge must be github, gitea or gitlab");
  }

  @Test
  void invalidYamlGivesTheLine() {
    assertThat(error("server:\n  port: [1\n", ENV))
        .contains("gantry.yml:")
        .contains("invalid YAML");
  }

  @Test
  void usersCarryAHashedTokenAndARoleAndPublicReadIsOffUnlessAsked() throws Exception {
    String hash = "sha256:" + "ab".repeat(32);
    ServerConfig config =
        load(
            "server:\n  api-token: x\n  public-read: true\nusers:\n"
                + "  - { name: ann, token-hash: "
                + hash
                + ", role: operator }\n"
                + "  - { name: vic, token-hash: sha256:"
                + "cd".repeat(32)
                + " }\n",
            Map.of());
    assertThat(config.access().publicRead()).isTrue();
    assertThat(config.access().users())
        .containsExactly(
            new ServerConfig.User("ann", "ab".repeat(32), "operator"),
            new ServerConfig.User("vic", "cd".repeat(32), "viewer"));
    assertThat(load("server:\n  api-token: x\n", Map.of()).access())
        .isEqualTo(ServerConfig.Access.NONE);
  }

  @Test
  void aTokenInClearAWrongRoleOrAnUnknownKeyOfAUserIsOneLineNamingIt() {
    assertThat(
            error(
                "server:\n  api-token: x\nusers:\n  - { name: ann, token-hash: secret123 }\n",
                Map.of()))
        .contains("users[0].token-hash must be sha256:")
        .contains("sha256sum")
        .doesNotContain("\n");
    assertThat(
            error(
                "server:\n  api-token: x\nusers:\n  - { name: ann, token-hash: sha256:"
                    + "ab".repeat(32)
                    + ", role: admin }\n",
                Map.of()))
        .contains("users[0].role must be viewer or operator, got 'admin'");
    assertThat(error("server:\n  api-token: x\nusers:\n  - { name: ann, token: abc }\n", Map.of()))
        .contains("unknown key 'token' in users[0]");
    assertThat(error("server:\n  api-token: x\n  public-read: yes please\n", Map.of()))
        .contains("server.public-read must be true or false");
  }

  @Test
  void limitsDefaultToGitHubsAndTakeSizesWithUnits() throws Exception {
    ServerConfig defaults = load(ISSUE_EXAMPLE, ENV);
    assertThat(defaults.limits()).isEqualTo(ServerConfig.Limits.DEFAULTS);
    assertThat(defaults.limits().matrixJobs()).isEqualTo(256);
    assertThat(defaults.limits().workflowFileBytes()).isEqualTo(500 * 1024);
    assertThat(defaults.limits().stepLogBytes()).isEqualTo(64L << 20);
    assertThat(defaults.limits().pullTimeoutSeconds()).isEqualTo(600);

    ServerConfig set =
        load(
            ISSUE_EXAMPLE
                + "limits:\n  webhook-body: 10MiB\n  request-body: 2000\n  workflow-file-size: 1MB\n"
                + "  matrix-jobs: 1000\n  connections-per-address: 0\n  step-log-size: 1MiB\n"
                + "  pull-timeout-seconds: 90\n",
            ENV);
    assertThat(set.limits().webhookBodyBytes()).isEqualTo(10L << 20);
    assertThat(set.limits().requestBodyBytes()).isEqualTo(2000);
    assertThat(set.limits().workflowFileBytes()).isEqualTo(1_000_000);
    assertThat(set.limits().matrixJobs()).isEqualTo(1000);
    assertThat(set.limits().connectionsPerAddress()).isZero();
    assertThat(set.limits().stepLogBytes()).isEqualTo(1L << 20);
    assertThat(set.limits().pullTimeoutSeconds()).isEqualTo(90);
  }

  @Test
  void aBadLimitNamesItsKeyAndTheFormExpected() {
    assertThat(error(ISSUE_EXAMPLE + "limits:\n  webhook-body: lots\n", ENV))
        .endsWith(
            "gantry.yml: limits.webhook-body must be a positive size such as 1048576, 512KiB or"
                + " 25MiB, got 'lots'");
    assertThat(error(ISSUE_EXAMPLE + "limits:\n  matrix-job: 10\n", ENV))
        .contains("unknown key 'matrix-job' in limits; did you mean 'matrix-jobs'?");
    assertThat(error(ISSUE_EXAMPLE + "limits:\n  step-log-size: 0\n", ENV))
        .endsWith(
            "gantry.yml: limits.step-log-size must be a positive size such as 1048576, 512KiB or"
                + " 25MiB, got '0'");
  }

  @Test
  void actionsTakeSourcesOverridesBuiltInSwitchesNodeAndACacheSize() throws Exception {
    ServerConfig config =
        load(
            ISSUE_EXAMPLE
                + "actions:\n"
                + "  sources: [https://git.example.com/mirror, file:///srv/actions]\n"
                + "  overrides: { actions/setup-java: file:///srv/setup-java.git }\n"
                + "  builtin: { actions/checkout: false, gantry/build-image: true }\n"
                + "  node: /opt/node/bin/node\n"
                + "  cache-size: 2GiB\n",
            ENV);
    assertThat(config.actions().sources())
        .containsExactly("https://git.example.com/mirror", "file:///srv/actions");
    assertThat(config.actions().overrides())
        .containsEntry("actions/setup-java", "file:///srv/setup-java.git");
    assertThat(config.actions().builtinOff()).containsExactly("actions/checkout");
    assertThat(config.actions().node()).isEqualTo("/opt/node/bin/node");
    assertThat(config.actions().cacheBytes()).isEqualTo(2L << 30);
    assertThat(load(ISSUE_EXAMPLE, ENV).actions()).isEqualTo(ServerConfig.Actions.DEFAULTS);
  }

  @Test
  void aBadActionsValueIsOneLineNamingTheKey() {
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  sources: [github.com]\n", ENV))
        .endsWith(
            "gantry.yml: actions.sources[0] must be a git base URL (https://…, file:///…,"
                + " ssh://…), got 'github.com'");
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  builtin: { actions/chekout: false }\n", ENV))
        .contains("actions.builtin.actions/chekout is no built-in action; built-in: ")
        .contains("actions/checkout");
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  builtin: { actions/checkout: no }\n", ENV))
        .contains("actions.builtin.actions/checkout must be true or false");
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  overrides: { setup-java: /x }\n", ENV))
        .contains("actions.overrides.setup-java must name an action repository as OWNER/REPO");
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  source: []\n", ENV))
        .contains("unknown key 'source' in actions; did you mean 'sources'?");
    assertThat(error(ISSUE_EXAMPLE + "actions:\n  cache-size: big\n", ENV))
        .endsWith(
            "gantry.yml: actions.cache-size must be a positive size such as 1048576, 512KiB or"
                + " 25MiB, got 'big'");
  }
}
