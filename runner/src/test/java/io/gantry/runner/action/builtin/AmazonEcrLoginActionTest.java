package io.gantry.runner.action.builtin;

import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.ACCOUNT;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.KEY;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.ROLE;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.SECRET;
import static io.gantry.runner.action.builtin.ConfigureAwsCredentialsActionTest.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.action.RegistryLogins;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.LocalAws;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AmazonEcrLoginActionTest {

  private static final String REGISTRY = ACCOUNT + ".dkr.ecr.eu-west-1.amazonaws.com";
  private static final String SUFFIX = "111122223333_dkr_ecr_eu_west_1_amazonaws_com";

  @TempDir Path dir;
  private LocalAws aws;
  private final AmazonEcrLoginAction action = new AmazonEcrLoginAction();

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

  /** The job's env after configure-aws-credentials with the user's keys. */
  private Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ACCESS_KEY_ID", KEY);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    env.put("AWS_REGION", "eu-west-1");
    env.put("AWS_ENDPOINT_URL_ECR", aws.endpoint().toString());
    return env;
  }

  private RecordingContext run(Map<String, String> inputs, Map<String, String> env) {
    RecordingContext context = RecordingContext.first(action, inputs, env, dir);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as(result.message()).isTrue();
    return context;
  }

  private String fail(Map<String, String> inputs, Map<String, String> env) {
    RecordingContext context = RecordingContext.first(action, inputs, env, dir);
    ActionResult result = action.run(context);
    assertThat(result.succeeded()).as("step should fail").isFalse();
    assertThat(result.message())
        .startsWith("aws-actions/amazon-ecr-login: ")
        .doesNotContain("\n")
        .doesNotContain(SECRET);
    assertThat(context.registryLogins().find(REGISTRY)).isEmpty();
    return result.message();
  }

  @Test
  void theLoginIsRegisteredForTheProxyEndpointsHostWithTheOriginalsOutputs() {
    RecordingContext context = run(Map.of(), env());

    LocalAws.Call call = aws.calls().get(0);
    assertThat(call.service()).isEqualTo("ecr");
    assertThat(call.headers().get("x-amz-target"))
        .containsExactly("AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
    assertThat(call.headers().get("content-type").get(0)).startsWith("application/x-amz-json-1.1");
    assertThat(call.json()).isEmpty();
    assertThat(call.authorization().accessKeyId()).isEqualTo(KEY);
    assertThat(call.authorization().region()).isEqualTo("eu-west-1");
    assertThat(call.authorization().service()).isEqualTo("ecr");
    assertThat(call.status()).isEqualTo(200);

    LocalAws.EcrLogin issued = aws.ecrLogins().get(0);
    assertThat(context.registryLogins().find(REGISTRY))
        .contains(new RegistryLogins.Login("AWS", issued.password()));
    assertThat(context.registryLogins().find("https://" + REGISTRY + "/web:1"))
        .as("found by image reference too")
        .isPresent();
    assertThat(context.outputs)
        .containsEntry("registry", REGISTRY)
        .containsEntry("docker_username_" + SUFFIX, "AWS")
        .containsEntry("docker_password_" + SUFFIX, issued.password());
    assertThat(context.masks).contains(issued.password()).doesNotContain("AWS");
    assertThat(context.maskedLines())
        .anyMatch(l -> l.startsWith("Logged in to " + REGISTRY + " as AWS (valid until "));
    assertThat(String.join("\n", context.maskedLines())).doesNotContain(issued.password());
  }

  @Test
  void registriesAskForEachAccountAndLeaveTheRegistryOutputUnset() {
    RecordingContext context = run(Map.of("registries", "111122223333, 012345678901"), env());

    assertThat(aws.calls().get(0).json())
        .isEqualTo(Map.of("registryIds", List.of("111122223333", "012345678901")));
    assertThat(context.outputs).doesNotContainKey("registry");
    for (LocalAws.EcrLogin login : aws.ecrLogins()) {
      String host = login.proxyEndpoint().substring("https://".length());
      assertThat(context.registryLogins().find(host))
          .contains(new RegistryLogins.Login("AWS", login.password()));
      assertThat(context.outputs)
          .containsEntry(
              "docker_password_" + AmazonEcrLoginAction.outputSuffix(host), login.password());
    }
    assertThat(aws.ecrLogins())
        .extracting(LocalAws.EcrLogin::registryId)
        .containsExactly("111122223333", "012345678901");
  }

  @Test
  void maskPasswordFalseLeavesThePasswordUnmaskedButNeverTheToken() {
    RecordingContext context = run(Map.of("mask-password", "false"), env());

    String password = aws.ecrLogins().get(0).password();
    assertThat(context.masks)
        .doesNotContain(password)
        .anyMatch(m -> m.length() > password.length());
    assertThat(context.outputs).containsEntry("docker_password_" + SUFFIX, password);
  }

  @Test
  void aLoopbackRegistryKeepsItsPortInTheHostAndTheOutputNames() {
    aws.proxyEndpoint((id, region) -> "http://127.0.0.1:5000");

    RecordingContext context = run(Map.of(), env());

    assertThat(context.outputs)
        .containsEntry("registry", "127.0.0.1:5000")
        .containsKey("docker_username_127_0_0_1_5000");
    assertThat(context.registryLogins().find("127.0.0.1:5000")).isPresent();
  }

  @Test
  void theTemporaryKeysOfAnAssumedRoleAreSignedWithTheirSessionToken() {
    RecordingContext configure =
        RecordingContext.first(
            new ConfigureAwsCredentialsAction(),
            Map.of(
                "aws-access-key-id",
                KEY,
                "aws-secret-access-key",
                SECRET,
                "aws-region",
                "eu-west-1",
                "role-to-assume",
                ROLE),
            Map.of("AWS_ENDPOINT_URL", aws.endpoint().toString()),
            dir);
    assertThat(new ConfigureAwsCredentialsAction().run(configure).succeeded()).isTrue();

    RecordingContext login = configure.next(action, Map.of());
    ActionResult result = action.run(login);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    LocalAws.Call call = aws.calls("GetAuthorizationToken").get(0);
    String roleKey = configure.exported.get("AWS_ACCESS_KEY_ID");
    assertThat(call.authorization().accessKeyId()).isEqualTo(roleKey);
    assertThat(call.headers().get("x-amz-security-token"))
        .containsExactly(aws.principal(roleKey).sessionToken());
    assertThat(login.outputs)
        .containsEntry("registry", "444455556666.dkr.ecr.eu-west-1.amazonaws.com");
  }

  @Test
  void aLaterActionStepOfTheJobFindsTheLogin() throws Exception {
    RecordingContext login = run(Map.of(), env());
    Action probe = new RegistryProbe();

    RecordingContext later = login.next(probe, Map.of("registry", REGISTRY));
    ActionResult result = probe.run(later);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(later.outputs)
        .containsEntry("username", "AWS")
        .containsEntry("password", aws.ecrLogins().get(0).password());
    assertThat(later.registryLogins()).isSameAs(login.registryLogins());
  }

  @Test
  void wrongKeysAreTheServersRefusalOnOneLineNamingRegionAndEndpoint() {
    Map<String, String> env = env();
    env.put("AWS_SECRET_ACCESS_KEY", "wrong-secret");

    String message = fail(Map.of(), env);

    assertThat(message)
        .isEqualTo(
            "aws-actions/amazon-ecr-login: ECR GetAuthorizationToken at "
                + aws.endpoint()
                + " (region eu-west-1) was refused: HTTP 400 InvalidSignatureException: The request"
                + " signature we calculated does not match the signature you provided. Check your"
                + " AWS Secret Access Key and signing method.; the secret access key does not match"
                + " the access key id: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }

  @Test
  void anUnknownKeyIsUnrecognizedClientException() {
    Map<String, String> env = env();
    env.put("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000");

    assertThat(fail(Map.of(), env))
        .contains("HTTP 400 UnrecognizedClientException")
        .contains("the access key id is not known");
  }

  @Test
  void serverErrorsAreRetriedAFewTimesThenFailTheStep() {
    aws.failEcrWith(500);

    String message = fail(Map.of(), env());

    assertThat(aws.calls()).hasSize(AwsClients.DEFAULT_ATTEMPTS);
    assertThat(message).contains("(region eu-west-1) was refused: HTTP 500 ServerException");
  }

  @Test
  void anUnreachableEndpointFailsAfterABoundedNumberOfAttempts() throws IOException {
    Map<String, String> env = env();
    env.remove("AWS_ENDPOINT_URL_ECR");
    env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + freePort());

    assertThat(fail(Map.of(), env))
        .contains(
            "ECR GetAuthorizationToken at "
                + env.get("AWS_ENDPOINT_URL")
                + " (region eu-west-1) could not be reached after 3 attempts: ")
        .contains("Connection refused")
        .endsWith("; check AWS_ENDPOINT_URL and that the endpoint is up");
  }

  @Test
  void missingRegionOrCredentialsAndBadInputsAreOneLine() {
    Map<String, String> env = env();
    env.remove("AWS_REGION");
    assertThat(fail(Map.of(), env))
        .isEqualTo(
            "aws-actions/amazon-ecr-login: AWS_REGION is not set: run"
                + " aws-actions/configure-aws-credentials first, or set AWS_REGION in the job's env");
    env.put("AWS_DEFAULT_REGION", "eu-west-1");
    run(Map.of(), env);

    env = env();
    env.remove("AWS_ACCESS_KEY_ID");
    env.remove("AWS_SECRET_ACCESS_KEY");
    assertThat(fail(Map.of(), env))
        .contains("no AWS credentials in the job's env: run aws-actions/configure-aws-credentials");

    assertThat(fail(Map.of("registry-type", "public"), env()))
        .contains("registry-type 'public' (Amazon ECR Public, public.ecr.aws) is not supported");
    assertThat(fail(Map.of("registry-type", "other"), env()))
        .endsWith("input 'registry-type' must be 'private', got 'other'");
    assertThat(fail(Map.of("registries", "12345"), env()))
        .contains("input 'registries': '12345' is not an AWS account id (12 digits");
    assertThat(fail(Map.of("mask-password", "maybe"), env()))
        .endsWith("input 'mask-password' must be true or false, got 'maybe'");
    assertThat(aws.calls()).hasSize(1);
  }

  /** A later step's action, reading the job's registry logins as gantry/build-image does. */
  private static final class RegistryProbe implements Action {
    @Override
    public String name() {
      return "test/registry-probe";
    }

    @Override
    public Set<String> versions() {
      return Set.of("v1");
    }

    @Override
    public Map<String, String> inputs() {
      return Map.of("registry", "");
    }

    @Override
    public Set<String> requiredInputs() {
      return Set.of("registry");
    }

    @Override
    public ActionResult run(ActionContext context) {
      return context
          .registryLogins()
          .find(context.input("registry"))
          .map(
              login -> {
                context.setOutput("username", login.username());
                context.setOutput("password", login.password());
                return ActionResult.ok();
              })
          .orElse(ActionResult.failure("no login for " + context.input("registry")));
    }
  }
}
