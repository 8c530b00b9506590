package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.aws.LocalAws;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigureAwsCredentialsActionTest {

  static final String KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String ACCOUNT = "111122223333";
  static final String ROLE = "arn:aws:iam::444455556666:role/deploy";

  @TempDir Path dir;
  private LocalAws aws;
  private final ConfigureAwsCredentialsAction action = new ConfigureAwsCredentialsAction();

  @BeforeEach
  void startAws() throws IOException {
    aws = LocalAws.start();
    aws.addUser(KEY, SECRET, ACCOUNT, "ci");
    aws.addRole(ROLE, null);
  }

  @AfterEach
  void stopAws() {
    aws.close();
  }

  private Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL_STS", aws.endpoint().toString());
    env.put("GITHUB_REPOSITORY", "acme/web");
    env.put("GITHUB_WORKFLOW", "deploy: prod (eu)");
    env.put("GITHUB_ACTION", "creds");
    env.put("GITHUB_ACTOR", "octo-cat");
    env.put("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    env.put("GITHUB_REF", "refs/heads/main");
    return env;
  }

  private RecordingContext run(Map<String, String> inputs, Map<String, String> env) {
    RecordingContext context = RecordingContext.first(action, inputs, env, dir);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as(result.message()).isTrue();
    return context;
  }

  private ActionResult fail(Map<String, String> inputs, Map<String, String> env) {
    RecordingContext context = RecordingContext.first(action, inputs, env, dir);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as("step should fail").isFalse();
    assertThat(result.message())
        .startsWith("aws-actions/configure-aws-credentials: ")
        .doesNotContain("\n")
        .doesNotContain(SECRET);
    return result;
  }

  @Test
  void keysAreExportedMaskedAndTheAccountIdComesFromGetCallerIdentity() {
    RecordingContext context =
        run(
            Map.of(
                "aws-access-key-id", KEY,
                "aws-secret-access-key", SECRET,
                "aws-region", "eu-west-1"),
            env());

    assertThat(context.exported)
        .containsEntry("AWS_ACCESS_KEY_ID", KEY)
        .containsEntry("AWS_SECRET_ACCESS_KEY", SECRET)
        .containsEntry("AWS_REGION", "eu-west-1")
        .containsEntry("AWS_DEFAULT_REGION", "eu-west-1")
        .doesNotContainKey("AWS_SESSION_TOKEN");
    assertThat(context.masks).contains(KEY, SECRET).doesNotContain(ACCOUNT);
    assertThat(context.outputs)
        .containsEntry("aws-account-id", ACCOUNT)
        .containsEntry("authenticated-arn", "arn:aws:iam::111122223333:user/ci")
        .doesNotContainKey("aws-secret-access-key");
    List<LocalAws.Call> calls = aws.calls();
    assertThat(calls).extracting(LocalAws.Call::action).containsExactly("GetCallerIdentity");
    LocalAws.Call call = calls.get(0);
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.params())
        .containsEntry("Action", "GetCallerIdentity")
        .containsEntry("Version", "2011-06-15");
    assertThat(call.authorization().accessKeyId()).isEqualTo(KEY);
    assertThat(call.authorization().region()).isEqualTo("eu-west-1");
    assertThat(call.authorization().service()).isEqualTo("sts");
    assertThat(context.maskedLines())
        .contains(
            "Proceeding with IAM user credentials of arn:aws:iam::111122223333:user/ci"
                + " in region eu-west-1");
  }

  @Test
  void assumeRoleSendsTheOriginalsRequestAndExportsTheRolesTemporaryKeys() {
    RecordingContext context =
        run(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "us-east-2",
                "role-to-assume",
                ROLE,
                "role-external-id",
                "ext-42",
                "mask-aws-account-id",
                "true"),
            env());

    LocalAws.Call assume = aws.calls("AssumeRole").get(0);
    assertThat(assume.authorization().accessKeyId()).isEqualTo(KEY);
    assertThat(assume.authorization().scope()).endsWith("/us-east-2/sts/aws4_request");
    assertThat(assume.params())
        .containsEntry("Action", "AssumeRole")
        .containsEntry("Version", "2011-06-15")
        .containsEntry("RoleArn", ROLE)
        .containsEntry("RoleSessionName", "GitHubActions")
        .containsEntry("DurationSeconds", "3600")
        .containsEntry("ExternalId", "ext-42")
        .containsEntry("Tags.member.1.Key", "GitHub")
        .containsEntry("Tags.member.1.Value", "Actions")
        .containsEntry("Tags.member.2.Key", "Repository")
        .containsEntry("Tags.member.2.Value", "acme/web")
        .containsEntry("Tags.member.3.Key", "Workflow")
        .containsEntry("Tags.member.3.Value", "deploy: prod _eu_")
        .containsEntry("Tags.member.7.Key", "Branch")
        .containsEntry("Tags.member.7.Value", "refs/heads/main");

    String roleKey = context.exported.get("AWS_ACCESS_KEY_ID");
    LocalAws.Principal role = aws.principal(roleKey);
    assertThat(role).as("the exported key is the one STS issued").isNotNull();
    assertThat(role.arn()).isEqualTo("arn:aws:sts::444455556666:assumed-role/deploy/GitHubActions");
    assertThat(context.exported)
        .containsEntry("AWS_SECRET_ACCESS_KEY", role.secretAccessKey())
        .containsEntry("AWS_SESSION_TOKEN", role.sessionToken())
        .containsEntry("AWS_REGION", "us-east-2");
    assertThat(context.masks)
        .contains(
            KEY, SECRET, roleKey, role.secretAccessKey(), role.sessionToken(), "444455556666");
    // The account id comes from GetCallerIdentity, signed with the role's session.
    LocalAws.Call identity = aws.calls("GetCallerIdentity").get(0);
    assertThat(identity.authorization().accessKeyId()).isEqualTo(roleKey);
    assertThat(identity.headers().get("x-amz-security-token")).containsExactly(role.sessionToken());
    assertThat(context.outputs)
        .containsEntry("aws-account-id", "444455556666")
        .containsEntry("authenticated-arn", role.arn());
    assertThat(String.join("\n", context.maskedLines()))
        .contains("Authenticated as assumedRoleId AROA")
        .contains("Assuming role arn:aws:iam::***:role/deploy as session GitHubActions")
        .doesNotContain("444455556666")
        .doesNotContain(role.secretAccessKey())
        .doesNotContain(role.sessionToken());
  }

  @Test
  void withoutKeysTheJobsCredentialsAssumeTheRoleAsInRoleChaining() {
    Map<String, String> env = env();
    env.put("AWS_ACCESS_KEY_ID", KEY);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    env.put("AWS_REGION", "ap-south-1");

    RecordingContext context =
        run(
            Map.of(
                "role-to-assume", ROLE,
                "role-session-name", "release-7",
                "role-duration-seconds", "900",
                "role-skip-session-tagging", "true",
                "output-credentials", "true"),
            env);

    LocalAws.Call assume = aws.calls("AssumeRole").get(0);
    assertThat(assume.authorization().accessKeyId()).isEqualTo(KEY);
    assertThat(assume.authorization().region()).isEqualTo("ap-south-1");
    assertThat(assume.params())
        .containsEntry("RoleSessionName", "release-7")
        .containsEntry("DurationSeconds", "900")
        .doesNotContainKeys("Tags.member.1.Key", "ExternalId");
    String roleKey = context.exported.get("AWS_ACCESS_KEY_ID");
    assertThat(roleKey).startsWith("ASIA");
    assertThat(context.outputs)
        .containsEntry("aws-access-key-id", roleKey)
        .containsEntry("aws-session-token", aws.principal(roleKey).sessionToken())
        .containsKey("aws-expiration");
    assertThat(context.masks).contains(KEY, SECRET);
  }

  @Test
  void aRoleNameIsAssumedInTheAccountOfTheSourceCredentials() {
    aws.addRole("arn:aws:iam::" + ACCOUNT + ":role/builder", null);

    RecordingContext context =
        run(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1",
                "role-to-assume",
                "builder"),
            env());

    assertThat(aws.calls())
        .extracting(LocalAws.Call::action)
        .containsExactly("GetCallerIdentity", "AssumeRole", "GetCallerIdentity");
    assertThat(aws.calls("AssumeRole").get(0).params())
        .containsEntry("RoleArn", "arn:aws:iam::111122223333:role/builder");
    assertThat(context.outputs).containsEntry("aws-account-id", ACCOUNT);
  }

  @Test
  void aWebIdentityTokenFileAssumesTheRoleWithoutSigning() throws IOException {
    Files.writeString(dir.resolve("token.jwt"), "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n");
    aws.acceptWebIdentityToken("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl", "system:serviceaccount");

    RecordingContext context =
        run(
            Map.of(
                "aws-region", "eu-central-1",
                "role-to-assume", ROLE,
                "web-identity-token-file", "token.jwt"),
            env());

    LocalAws.Call assume = aws.calls("AssumeRoleWithWebIdentity").get(0);
    assertThat(assume.authorization()).as("unsigned").isNull();
    assertThat(assume.params())
        .containsEntry("RoleArn", ROLE)
        .containsEntry("WebIdentityToken", "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl")
        .containsEntry("RoleSessionName", "GitHubActions");
    assertThat(context.exported.get("AWS_ACCESS_KEY_ID")).startsWith("ASIA");
    assertThat(context.masks).contains("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl");
  }

  @Test
  void aMissingRegionIsOneLineSayingHowToSetIt() {
    ActionResult result =
        fail(Map.of("aws-access-key-id", KEY, "aws-secret-access-key", SECRET), env());

    assertThat(result.message())
        .isEqualTo(
            "aws-actions/configure-aws-credentials: aws-region is not set: give the input or set"
                + " AWS_REGION");
    assertThat(aws.calls()).isEmpty();
  }

  @Test
  void aRoleWithoutAnyCredentialsFailsBeforeCallingAws() {
    ActionResult result = fail(Map.of("aws-region", "eu-west-1", "role-to-assume", ROLE), env());

    assertThat(result.message())
        .contains("role-to-assume needs credentials to call STS")
        .contains("aws-access-key-id and aws-secret-access-key")
        .contains("OIDC");
    assertThat(aws.calls()).isEmpty();
  }

  @Test
  void aWrongSecretIsTheServersRefusalOnOneLine() {
    ActionResult result =
        fail(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                "not-the-secret",
                "aws-region",
                "eu-west-1",
                "role-to-assume",
                ROLE),
            env());

    assertThat(result.message())
        .contains(
            "STS AssumeRole at "
                + aws.endpoint()
                + " (region eu-west-1) was refused: HTTP 403"
                + " SignatureDoesNotMatch")
        .contains("check aws-access-key-id and aws-secret-access-key")
        .doesNotContain("not-the-secret");
    assertThat(aws.calls("AssumeRole")).extracting(LocalAws.Call::status).containsExactly(403);
  }

  @Test
  void anUnknownKeyIsInvalidClientTokenId() {
    ActionResult result =
        fail(
            Map.of(
                "aws-access-key-id", "AKIAUNKNOWNKEY000000",
                "aws-secret-access-key", SECRET,
                "aws-region", "eu-west-1"),
            env());

    assertThat(result.message())
        .contains("STS GetCallerIdentity at " + aws.endpoint())
        .contains(
            "HTTP 403 InvalidClientTokenId: The security token included in the request is"
                + " invalid.; the access key id is not known");
  }

  @Test
  void anUnreachableEndpointFailsAfterABoundedNumberOfAttempts() throws IOException {
    Map<String, String> env = env();
    env.put("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:" + freePort());

    ActionResult result =
        fail(
            Map.of(
                "aws-access-key-id", KEY,
                "aws-secret-access-key", SECRET,
                "aws-region", "eu-west-1",
                "role-to-assume", ROLE),
            env);

    assertThat(result.message())
        .contains("STS AssumeRole at " + env.get("AWS_ENDPOINT_URL_STS") + " (region eu-west-1)")
        .contains("could not be reached after 3 attempts")
        .contains("check AWS_ENDPOINT_URL_STS");
  }

  @Test
  void theServiceEndpointVariableWinsOverTheGeneralOne() throws IOException {
    Map<String, String> env = env();
    env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + freePort());

    run(
        Map.of(
            "aws-access-key-id", KEY, "aws-secret-access-key", SECRET, "aws-region", "eu-west-1"),
        env);
    assertThat(aws.calls()).hasSize(1);

    env.remove("AWS_ENDPOINT_URL_STS");
    env.put("AWS_ENDPOINT_URL", aws.endpoint().toString());
    run(
        Map.of(
            "aws-access-key-id", KEY, "aws-secret-access-key", SECRET, "aws-region", "eu-west-1"),
        env);
    assertThat(aws.calls()).hasSize(2);
  }

  @Test
  void anEndpointWithoutGetCallerIdentityLeavesTheAccountIdUnset() {
    aws.withoutGetCallerIdentity();

    RecordingContext context =
        run(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1"),
            env());

    assertThat(context.outputs).doesNotContainKey("aws-account-id");
    assertThat(context.exported).containsEntry("AWS_ACCESS_KEY_ID", KEY);
    assertThat(context.lines).anyMatch(l -> l.startsWith("Notice: aws-account-id is not set:"));

    RecordingContext assumed =
        run(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1",
                "role-to-assume",
                ROLE),
            env());
    assertThat(assumed.outputs).containsEntry("aws-account-id", "444455556666");
  }

  @Test
  void theSessionTokenOfAnEarlierStepIsClearedForKeysWithoutOne() {
    Map<String, String> env = env();
    env.put("AWS_SESSION_TOKEN", "left-over-token");

    RecordingContext context =
        run(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1"),
            env);

    assertThat(context.exported).containsEntry("AWS_SESSION_TOKEN", "");
  }

  @Test
  void badInputsAreOneLineNamingTheInput() {
    Map<String, String> keys =
        new HashMap<>(
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1"));

    keys.put("role-duration-seconds", "1h");
    assertThat(fail(keys, env()).message())
        .endsWith(
            "input 'role-duration-seconds' must be a whole number from 900 to 43200, got '1h'");
    keys.remove("role-duration-seconds");

    keys.put("mask-aws-account-id", "yes");
    assertThat(fail(keys, env()).message())
        .endsWith("input 'mask-aws-account-id' must be true or false, got 'yes'");
    keys.remove("mask-aws-account-id");

    keys.put("aws-region", "EU West");
    assertThat(fail(keys, env()).message()).contains("aws-region 'EU West' is not a region name");

    assertThat(fail(Map.of("aws-access-key-id", KEY, "aws-region", "eu-west-1"), env()).message())
        .endsWith("aws-access-key-id is given without aws-secret-access-key: give both");
    assertThat(fail(Map.of("aws-region", "eu-west-1"), env()).message())
        .contains("no AWS credentials: give aws-access-key-id and aws-secret-access-key");
    assertThat(aws.calls()).isEmpty();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
