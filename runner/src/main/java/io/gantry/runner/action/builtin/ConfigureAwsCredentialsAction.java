package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.aws.StsCalls;
import io.gantry.runner.aws.StsCalls.Identity;
import io.gantry.runner.deploy.StepInputs;
import io.gantry.runner.workflow.InputProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code aws-actions/configure-aws-credentials}: sets the AWS region and credentials for the later
 * steps of the job, as the original does.
 *
 * <p>The source credentials are the {@code aws-access-key-id} / {@code aws-secret-access-key} /
 * {@code aws-session-token} inputs, else the job's {@code AWS_ACCESS_KEY_ID} / {@code
 * AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN} (from {@code env:} or an earlier step: role
 * chaining). With {@code role-to-assume} they call STS AssumeRole (session tags, external id,
 * session policies as the original), or, with {@code web-identity-token-file}, the unsigned
 * AssumeRoleWithWebIdentity. The resulting keys are masked and exported as {@code AWS_*} variables;
 * {@code aws-account-id} and {@code authenticated-arn} come from STS GetCallerIdentity. STS is
 * called at {@code AWS_ENDPOINT_URL_STS}, else {@code AWS_ENDPOINT_URL}, else AWS's regional
 * endpoint. GitHub's OIDC provider does not exist here: a role without any credentials is a clear
 * failure.
 */
final class ConfigureAwsCredentialsAction implements Action {

  static final String NAME = "aws-actions/configure-aws-credentials";

  private static final String DEFAULT_SESSION_NAME = "GitHubActions";
  private static final int DEFAULT_DURATION = 3600;

  /** What STS accepts as a role session name. */
  private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");

  private static final Pattern ACCOUNT_IN_ARN = Pattern.compile("^arn:[^:]+:[^:]*:[^:]*:(\\d+):");

  private static final String ENV_KEYS = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
  private static final String INPUT_KEYS = "aws-access-key-id and aws-secret-access-key";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1", "v2", "v3", "v4");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("aws-access-key-id", null);
    inputs.put("aws-secret-access-key", null);
    inputs.put("aws-session-token", null);
    inputs.put("aws-region", null);
    inputs.put("role-to-assume", null);
    inputs.put("role-session-name", DEFAULT_SESSION_NAME);
    inputs.put("role-duration-seconds", String.valueOf(DEFAULT_DURATION));
    inputs.put("role-external-id", null);
    inputs.put("role-skip-session-tagging", "false");
    inputs.put("transitive-tag-keys", null);
    inputs.put("role-chaining", "false");
    inputs.put("inline-session-policy", null);
    inputs.put("managed-session-policies", null);
    inputs.put("web-identity-token-file", null);
    inputs.put("audience", "sts.amazonaws.com");
    inputs.put("mask-aws-account-id", "false");
    inputs.put("output-credentials", "false");
    inputs.put("output-env-credentials", "true");
    inputs.put("unset-current-credentials", "false");
    inputs.put("use-existing-credentials", "false");
    inputs.put("special-characters-workaround", "false");
    inputs.put("http-proxy", null);
    inputs.put("disable-retry", "false");
    inputs.put("retry-max-attempts", String.valueOf(AwsClients.DEFAULT_ATTEMPTS));
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    // aws-region may come from AWS_REGION, as in the original.
    return Set.of();
  }

  @Override
  public List<InputProblem> inputProblems(Map<String, String> with, Set<String> env) {
    return InputChecks.awsCredentials(with, env);
  }

  @Override
  public Set<String> exports() {
    return InputChecks.AWS_EXPORTS;
  }

  @Override
  public ActionResult run(ActionContext context) {
    try {
      configure(context, new StepInputs(context.inputs()), new AwsEnvironment(context.env()));
      return ActionResult.ok();
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
  }

  /** The settings of one step, read and checked before anything is called or exported. */
  private record Settings(
      String region,
      String roleToAssume,
      String sessionName,
      int duration,
      boolean skipTags,
      boolean maskAccountId,
      boolean outputCredentials,
      boolean outputEnv,
      boolean unsetCurrent,
      boolean useExisting,
      int attempts) {}

  private static Settings settings(StepInputs in, AwsEnvironment env) throws AwsProblem {
    String region = in.text("aws-region");
    if (region.isEmpty()) {
      region = env.region();
    }
    if (region.isEmpty()) {
      throw new AwsProblem("aws-region is not set: give the input or set AWS_REGION");
    }
    if (!AwsEnvironment.REGION.matcher(region).matches()) {
      throw new AwsProblem(
          "aws-region '" + region + "' is not a region name; write it like us-east-1");
    }
    String sessionName = in.text("role-session-name");
    if (sessionName.isEmpty()) {
      sessionName = DEFAULT_SESSION_NAME;
    }
    if (!SESSION_NAME.matcher(sessionName).matches()) {
      throw new AwsProblem(
          "input 'role-session-name' must be 2 to 64 letters, digits or +=,.@_- characters, got '"
              + sessionName
              + "'");
    }
    in.bool("role-chaining", false); // the job's AWS_* credentials are always the source
    in.bool("special-characters-workaround", false); // SDK v2 signs any key: nothing to work round
    boolean disableRetry = in.bool("disable-retry", false);
    int attempts =
        in.integer("retry-max-attempts", AwsClients.DEFAULT_ATTEMPTS, 1, AwsClients.MAX_ATTEMPTS);
    return new Settings(
        region,
        in.text("role-to-assume"),
        sessionName,
        in.integer("role-duration-seconds", DEFAULT_DURATION, 900, 43200),
        in.bool("role-skip-session-tagging", false),
        in.bool("mask-aws-account-id", false),
        in.bool("output-credentials", false),
        in.bool("output-env-credentials", true),
        in.bool("unset-current-credentials", false),
        in.bool("use-existing-credentials", false),
        disableRetry ? 1 : attempts);
  }

  private static void configure(ActionContext context, StepInputs in, AwsEnvironment env)
      throws AwsProblem {
    String keyId = in.text("aws-access-key-id");
    String secret = in.text("aws-secret-access-key");
    String sessionToken = in.text("aws-session-token");
    // Masked first, so that no later line (an error included) can show them.
    context.addMask(keyId);
    context.addMask(secret);
    context.addMask(sessionToken);
    if (keyId.isEmpty() != secret.isEmpty()) {
      throw new AwsProblem(
          keyId.isEmpty()
              ? "aws-secret-access-key is given without aws-access-key-id: give both"
              : "aws-access-key-id is given without aws-secret-access-key: give both");
    }
    Settings settings = settings(in, env);
    String tokenFile = in.text("web-identity-token-file");

    if (settings.unsetCurrent() && settings.outputEnv()) {
      for (String name :
          List.of(
              "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY",
              "AWS_SESSION_TOKEN",
              "AWS_REGION",
              "AWS_DEFAULT_REGION")) {
        context.exportVariable(name, "");
      }
    }
    if (settings.outputEnv()) {
      context.exportVariable("AWS_DEFAULT_REGION", settings.region());
      context.exportVariable("AWS_REGION", settings.region());
    }

    AwsCredentials source = null;
    String keySource = INPUT_KEYS;
    boolean fromEnvironment = false;
    if (!keyId.isEmpty()) {
      source = AwsEnvironment.credentials(keyId, secret, sessionToken);
      exportCredentials(context, settings, env, source, null);
    } else if (!settings.unsetCurrent() && tokenFile.isEmpty()) {
      source = env.credentials().orElse(null);
      keySource = ENV_KEYS;
      fromEnvironment = source != null;
      if (source != null) {
        maskCredentials(context, source);
      }
    }
    AwsClients.Target sts =
        AwsClients.target(
            "STS", settings.region(), env, source, in.text("http-proxy"), settings.attempts());

    if (settings.useExisting() && fromEnvironment) {
      try {
        Identity identity = StsCalls.callerIdentity(sts);
        context.log("Pre-existing credentials are valid. No need to generate new ones.");
        outputIdentity(context, settings, identity);
        return;
      } catch (SdkException e) {
        context.log("No valid credentials exist. Running as normal.");
      }
    }

    if (settings.roleToAssume().isEmpty()) {
      if (!tokenFile.isEmpty()) {
        throw new AwsProblem(
            "web-identity-token-file needs role-to-assume: give the ARN of the role to assume");
      }
      if (source == null) {
        throw new AwsProblem(
            "no AWS credentials: give "
                + INPUT_KEYS
                + ", or set "
                + ENV_KEYS
                + " in the job's env");
      }
      Identity identity = sourceIdentity(context, sts, keySource);
      if (identity != null) {
        outputIdentity(context, settings, identity);
      }
      if (settings.outputCredentials()) {
        outputCredentials(context, source, null);
      }
      context.log(
          "Proceeding with IAM user credentials"
              + (identity != null ? " of " + identity.arn() : "")
              + " in region "
              + settings.region());
      return;
    }

    StsCalls.RoleRequest request = roleRequest(in, settings, env, tokenFile.isEmpty());
    StsCalls.Session session;
    if (!tokenFile.isEmpty()) {
      if (!request.roleArn().startsWith("arn:")) {
        throw new AwsProblem(
            "role-to-assume '"
                + request.roleArn()
                + "' must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME) with"
                + " web-identity-token-file");
      }
      String token = webIdentityToken(context, tokenFile);
      session = StsCalls.assumeRoleWithWebIdentity(sts, request, token);
    } else {
      if (source == null) {
        throw new AwsProblem(
            "role-to-assume needs credentials to call STS: give "
                + INPUT_KEYS
                + ", or set "
                + ENV_KEYS
                + " in the job's env (an earlier configure-aws-credentials step does), or give"
                + " web-identity-token-file; GitHub's OIDC provider is not available in Gantry");
      }
      request = withRoleArn(context, settings, request, sts, keySource);
      context.log(
          "Assuming role "
              + request.roleArn()
              + " as session "
              + request.sessionName()
              + " for "
              + request.durationSeconds()
              + "s"
              + (request.tags().isEmpty()
                  ? " without session tags"
                  : " with " + request.tags().size() + " session tags"));
      session = StsCalls.assumeRole(sts, keySource, request);
    }

    maskCredentials(context, session.credentials());
    Identity identity;
    try {
      identity = StsCalls.callerIdentity(sts.as(session.credentials()));
    } catch (SdkException e) {
      // The role's ARN names its account: good enough when STS offers no GetCallerIdentity.
      identity = new Identity(accountOf(session.arn()), session.arn());
      context.log(
          "Notice: aws-account-id is taken from the assumed role's ARN: "
              + AwsFailures.describe(
                  "STS GetCallerIdentity", sts, "the assumed role's credentials", e));
    }
    if (settings.maskAccountId()) {
      context.addMask(identity.account());
    }
    context.log(
        "Authenticated as assumedRoleId "
            + session.assumedRoleId()
            + " ("
            + session.arn()
            + "), valid until "
            + session.expiration());
    exportCredentials(context, settings, env, session.credentials(), session.expiration());
    outputIdentity(context, settings, identity);
  }

  private static StsCalls.RoleRequest roleRequest(
      StepInputs in, Settings settings, AwsEnvironment env, boolean tagged) {
    return new StsCalls.RoleRequest(
        settings.roleToAssume(),
        settings.sessionName(),
        settings.duration(),
        in.text("role-external-id"),
        in.text("inline-session-policy"),
        in.lines("managed-session-policies"),
        tagged && !settings.skipTags() ? StsCalls.sessionTags(env) : Map.of(),
        in.lines("transitive-tag-keys"));
  }

  /** The request with a full role ARN: a bare role name lives in the source account. */
  private static StsCalls.RoleRequest withRoleArn(
      ActionContext context,
      Settings settings,
      StsCalls.RoleRequest request,
      AwsClients.Target sts,
      String keySource)
      throws AwsProblem {
    if (request.roleArn().startsWith("arn:")) {
      return request;
    }
    Identity source;
    try {
      source = StsCalls.callerIdentity(sts);
    } catch (SdkException e) {
      throw new AwsProblem(
          "role-to-assume '"
              + request.roleArn()
              + "' is a role name, and its account could not be found: "
              + AwsFailures.describe("STS GetCallerIdentity", sts, keySource, e));
    }
    if (settings.maskAccountId()) {
      context.addMask(source.account());
    }
    return new StsCalls.RoleRequest(
        "arn:aws:iam::" + source.account() + ":role/" + request.roleArn(),
        request.sessionName(),
        request.durationSeconds(),
        request.externalId(),
        request.policy(),
        request.policyArns(),
        request.tags(),
        request.transitiveTagKeys());
  }

  /** The token of {@code web-identity-token-file} (relative to the workspace), masked. */
  private static String webIdentityToken(ActionContext context, String tokenFile)
      throws AwsProblem {
    Path file = context.workspace().resolve(tokenFile);
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new AwsProblem(
          "web-identity-token-file '"
              + tokenFile
              + "' cannot be read: "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    if (token.isEmpty()) {
      throw new AwsProblem("web-identity-token-file '" + tokenFile + "' is empty");
    }
    context.addMask(token);
    context.log("Assuming the role with the web identity token of " + tokenFile);
    return token;
  }

  /**
   * The identity of the source credentials, checking them: a rejection or an unreachable STS fails
   * the step; an STS that answers without offering GetCallerIdentity (a local endpoint) only leaves
   * {@code aws-account-id} unset.
   */
  private static Identity sourceIdentity(
      ActionContext context, AwsClients.Target sts, String keySource) throws AwsProblem {
    try {
      return StsCalls.callerIdentity(sts);
    } catch (SdkException e) {
      String line = AwsFailures.describe("STS GetCallerIdentity", sts, keySource, e);
      if (AwsFailures.isAuthentication(e)
          || !(e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException)) {
        throw new AwsProblem(line);
      }
      context.log("Notice: aws-account-id is not set: " + line);
      return null;
    }
  }

  private static void outputIdentity(ActionContext context, Settings settings, Identity identity) {
    if (settings.maskAccountId()) {
      context.addMask(identity.account());
      context.addMask(identity.arn());
    }
    context.setOutput("aws-account-id", identity.account());
    context.setOutput("authenticated-arn", identity.arn());
  }

  private static String accountOf(String arn) {
    Matcher m = ACCOUNT_IN_ARN.matcher(arn == null ? "" : arn);
    return m.find() ? m.group(1) : "";
  }

  private static void maskCredentials(ActionContext context, AwsCredentials credentials) {
    context.addMask(credentials.accessKeyId());
    context.addMask(credentials.secretAccessKey());
    if (credentials instanceof AwsSessionCredentials session) {
      context.addMask(session.sessionToken());
    }
  }

  /**
   * Exports the credentials as {@code AWS_*} for the later steps (unless {@code
   * output-env-credentials} is false) and sets them as outputs when {@code output-credentials} is
   * true. A session token left by an earlier step is cleared when these credentials have none.
   */
  private static void exportCredentials(
      ActionContext context,
      Settings settings,
      AwsEnvironment env,
      AwsCredentials credentials,
      Instant expiration) {
    maskCredentials(context, credentials);
    if (settings.outputEnv()) {
      context.exportVariable("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
      context.exportVariable("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
      if (credentials instanceof AwsSessionCredentials session) {
        context.exportVariable("AWS_SESSION_TOKEN", session.sessionToken());
      } else if (!env.get("AWS_SESSION_TOKEN").isEmpty()) {
        context.exportVariable("AWS_SESSION_TOKEN", "");
      }
    }
    if (settings.outputCredentials()) {
      outputCredentials(context, credentials, expiration);
    }
  }

  private static void outputCredentials(
      ActionContext context, AwsCredentials credentials, Instant expiration) {
    context.setOutput("aws-access-key-id", credentials.accessKeyId());
    context.setOutput("aws-secret-access-key", credentials.secretAccessKey());
    if (credentials instanceof AwsSessionCredentials session) {
      context.setOutput("aws-session-token", session.sessionToken());
    }
    if (expiration != null) {
      context.setOutput("aws-expiration", expiration.toString());
    }
  }
}
