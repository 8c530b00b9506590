package io.gantry.runner.action.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order credentials are looked up in (job logins, inputs, Docker config) and what a Docker
 * {@code config.json} may hold: {@code auths} in both forms, {@code credHelpers} and {@code
 * credsStore} run as real executables from the step's {@code PATH}.
 */
class RegistryCredentialsTest {

  @TempDir Path dir;

  private final List<String> masks = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();
  private Path config;

  @BeforeEach
  void dockerConfigDir() throws Exception {
    Path docker = Files.createDirectories(dir.resolve("docker"));
    config = docker.resolve("config.json");
    env.put("DOCKER_CONFIG", docker.toString());
    env.put("PATH", Files.createDirectories(dir.resolve("bin")) + ":/usr/bin:/bin");
  }

  @Test
  void aJobLoginComesFirstThenTheInputsThenTheDockerConfig() throws Exception {
    writeConfig("{\"auths\": {\"reg.test\": {\"auth\": \"" + b64("docker:from-config") + "\"}}}");
    Map<String, Credential> logins = new HashMap<>();
    RegistryCredentials credentials =
        new RegistryCredentials(
            host -> Optional.ofNullable(logins.get(host)),
            "reg.test/web",
            "input-user",
            "input-pass",
            env,
            masks::add);

    assertThat(credentials.find("reg.test").orElseThrow().source())
        .isEqualTo("the username/password inputs");
    logins.put("reg.test", new Credential("AWS", "ecr-token", "the amazon-ecr-login login"));
    assertThat(credentials.find("reg.test").orElseThrow().password()).isEqualTo("ecr-token");
    // The inputs are for the target's registry only; another registry falls to the config.
    writeConfig("{\"auths\": {\"other.test\": {\"auth\": \"" + b64("docker:from-config") + "\"}}}");
    Credential other = credentials.find("other.test").orElseThrow();
    assertThat(other.username()).isEqualTo("docker");
    assertThat(other.password()).isEqualTo("from-config");
    assertThat(other.source()).isEqualTo("auths in " + config);
    assertThat(masks).contains("input-pass", "ecr-token", "from-config");
  }

  @Test
  void authsKeysMayCarryASchemeAndPathAndUsernamePasswordFormWorks() throws Exception {
    writeConfig(
        "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \""
            + b64("hub:hub-pass")
            + "\"}, \"http://127.0.0.1:5000\": {\"username\": \"u\", \"password\": \"p:w\"}}}");
    RegistryCredentials credentials = credentials();

    assertThat(credentials.find("registry-1.docker.io").orElseThrow().password())
        .isEqualTo("hub-pass");
    assertThat(credentials.find("127.0.0.1:5000").orElseThrow().password()).isEqualTo("p:w");
    assertThat(credentials.find("elsewhere.test")).isEmpty();
  }

  @Test
  void credHelpersRunTheHelperFromThePathAndCredsStoreIsTheFallback() throws Exception {
    helper("ecrtest", "reg.test", "AWS", "helper-token");
    helper("storetest", "store.test", "store-user", "store-token");
    writeConfig(
        "{\"credHelpers\": {\"reg.test\": \"ecrtest\"}, \"credsStore\": \"storetest\","
            + " \"auths\": {\"auths-only.test\": {\"auth\": \""
            + b64("a:b")
            + "\"}}}");
    RegistryCredentials credentials = credentials();

    Credential helped = credentials.find("reg.test").orElseThrow();
    assertThat(helped.username()).isEqualTo("AWS");
    assertThat(helped.password()).isEqualTo("helper-token");
    assertThat(helped.source())
        .isEqualTo("credHelpers 'ecrtest' in " + config + " (docker-credential-ecrtest)");
    assertThat(credentials.find("store.test").orElseThrow().password()).isEqualTo("store-token");
    // The store has nothing for it ("credentials not found"): the auths entry is used.
    assertThat(credentials.find("auths-only.test").orElseThrow().password()).isEqualTo("b");
    assertThat(masks).contains("helper-token", "store-token");
  }

  @Test
  void aHelperThatIsNotInstalledOrFailsIsAnErrorThatNeverShowsItsOutput() throws Exception {
    writeConfig("{\"credHelpers\": {\"reg.test\": \"missing\", \"bad.test\": \"broken\"}}");
    Path broken = dir.resolve("bin/docker-credential-broken");
    Files.writeString(
        broken,
        "#!/bin/sh\necho '{\"Secret\": \"leaked-secret\"'\necho 'token expired' >&2\nexit 3\n");
    broken.toFile().setExecutable(true);
    RegistryCredentials credentials = credentials();

    assertThatThrownBy(() -> credentials.find("reg.test"))
        .hasMessage(
            "credHelpers 'missing' in "
                + config
                + " names docker-credential-missing for reg.test, but it is not on the PATH;"
                + " install it or remove the entry");
    assertThatThrownBy(() -> credentials.find("bad.test"))
        .hasMessage(
            "docker-credential-broken get failed for bad.test (exit 3): token expired"
                + " (credHelpers 'broken' in "
                + config
                + ")")
        .message()
        .doesNotContain("leaked-secret");
  }

  @Test
  void aBrokenConfigAndAHalfGivenLoginAreOneLineErrors() throws Exception {
    writeConfig("{\"auths\": ");
    assertThatThrownBy(() -> credentials().find("reg.test"))
        .hasMessageStartingWith("cannot read the Docker config " + config + ": ")
        .message()
        .doesNotContain("\n");
    assertThatThrownBy(
            () ->
                new RegistryCredentials(
                    host -> Optional.empty(), "reg.test/web", "", "only-password", env, masks::add))
        .hasMessage("input 'username' is missing: give both username and password, or neither");
    assertThat(masks).contains("only-password");
  }

  @Test
  void whereCredentialsAreLookedForIsListedForErrors() throws Exception {
    RegistryCredentials credentials =
        new RegistryCredentials(host -> Optional.empty(), "reg.test/web", "", "", env, masks::add);

    assertThat(credentials.lookedIn("reg.test"))
        .isEqualTo(
            "the amazon-ecr-login logins of this job, the username/password inputs (not given), "
                + config
                + " (absent)");
    assertThat(credentials.lookedIn("other.test"))
        .contains("the username/password inputs (only for reg.test)");
  }

  @Test
  void aCredentialNeverPrintsItsPassword() {
    assertThat(new Credential("user", "s3cr3t", "somewhere").toString())
        .doesNotContain("s3cr3t")
        .contains("user");
  }

  private RegistryCredentials credentials() throws ImageException {
    return new RegistryCredentials(
        host -> Optional.empty(), "reg.test/web", "", "", env, masks::add);
  }

  private void writeConfig(String json) throws Exception {
    Files.writeString(config, json);
  }

  /** A docker-credential-NAME that answers for one host and says "not found" for others. */
  private void helper(String name, String host, String user, String secret) throws Exception {
    Path helper = dir.resolve("bin/docker-credential-" + name);
    Files.writeString(
        helper,
        "#!/bin/sh\nread server\nif [ \"$server\" = \""
            + host
            + "\" ]; then echo '{\"ServerURL\":\""
            + host
            + "\",\"Username\":\""
            + user
            + "\",\"Secret\":\""
            + secret
            + "\"}'; else echo 'credentials not found in native keychain'; exit 1; fi\n");
    helper.toFile().setExecutable(true);
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
