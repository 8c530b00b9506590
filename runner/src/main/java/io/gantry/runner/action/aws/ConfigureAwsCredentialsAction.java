package io.gantry.runner.action.aws;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.PolicyDescriptorType;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * {@code aws-actions/configure-aws-credentials}: sets the AWS region and credentials for the later
 * steps of the job, as the original does.
 *
 * <p>The source credentials are the {@code aws-access-key-id} / {@code aws-secret-access-key} /
 * {@code aws-session-token} inputs, else the job's {@code AWS_ACCESS_KEY_ID} / {@code
 * AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN} (from {@code env:} or an earlier step: role
 * chaining). With {@code role-to-assume} they call STS AssumeRole (session tags, external id,
 * session policies as the original), or, with {@code web-identity-token-file}, the unsigned
 * AssumeRoleWithWebIdentity. The resulting keys are masked and exported as {@code AWS_*}
 * variables; {@code aws-account-id} and {@code authenticated-arn} come from STS GetCallerIdentity.
 * STS is called at {@code AWS_ENDPOINT_URL_STS}, else {@code AWS_ENDPOINT_URL}, else AWS's
 * regional endpoint. GitHub's OIDC provider does not exist here: a role without any credentials is
 * a clear failure.
 */
final class ConfigureAwsCredentialsAction implements Action {

  static final String NAME = "aws-actions/configure-aws-credentials";

  private static final String DEFAULT_SESSION_NAME = "GitHubActions";
  private static final int DEFAULT_DURATION = 3600;

  /** What STS accepts as a role session name. */
  private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");

  private static final Pattern ACCOUNT_IN_ARN = Pattern.compile("^arn:[^:]+:[^:]*:[^:]*:(\\d+):");

  /** Characters a session tag value may not hold (replaced by {@code _}, as the original does). */
  private static final Pattern TAG_UNSAFE = Pattern.compile("[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]");

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
  public ActionResult run(ActionContext context) {
    try {
      configure(context, new StepInputs(context), new AwsEnvironment(context.env()));
      return ActionResult.ok();
    } catch (StepProblem problem) {
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

  private static Settings settings(StepInputs in, AwsEnvironment env) throws StepProblem {
    String region = in.text("aws-region");
    if (region.isEmpty()) {
      region = env.region();
    }
    if (region.isEmpty()) {
      throw new StepProblem("aws-region is not set: give the input or set AWS_REGION");
    }
    if (!AwsEnvironment.REGION.matcher(region).matches()) {
      throw new StepProblem(
          "aws-region '" + region + "' is not a region name; write it like us-east-1");
    }
    String sessionName = in.text("role-session-name");
    if (sessionName.isEmpty()) {
      sessionName = DEFAULT_SESSION_NAME;
    }
    if (!SESSION_NAME.matcher(sessionName).matches()) {
      throw new StepProblem(
          "input 'role-session-name' must be 2 to 64 letters, digits or +=,.@_- characters, got '"
              + sessionName
              + "'");
    }
    in.bool("role-chaining", false); // the job's AWS_* credentials are always the source
    in.bool("special-characters-workaround", false); // SDK v2 signs any key: nothing to work round
    boolean disableRetry = in.bool("disable-retry", false);
    int attempts =
        in.integer(
            "retry-max-attempts", AwsClients.DEFAULT_ATTEMPTS, 1, AwsClients.MAX_ATTEMPTS);
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
      throws StepProblem {
    String keyId = in.text("aws-access-key-id");
    String secret = in.text("aws-secret-access-key");
    String sessionToken = in.text("aws-session-token");
    // Masked first, so that no later line (an error included) can show them.
    context.addMask(keyId);
    context.addMask(secret);
    context.addMask(sessionToken);
    if (keyId.isEmpty() != secret.isEmpty()) {
      throw new StepProblem(
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
        Identity identity = callerIdentity(sts);
        context.log("Pre-existing credentials are valid. No need to generate new ones.");
        outputIdentity(context, settings, identity);
        return;
      } catch (SdkException e) {
        context.log("No valid credentials exist. Running as normal.");
      }
    }

    if (settings.roleToAssume().isEmpty()) {
      if (!tokenFile.isEmpty()) {
        throw new StepProblem(
            "web-identity-token-file needs role-to-assume: give the ARN of the role to assume");
      }
      if (source == null) {
        throw new StepProblem(
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

    AssumedRole assumed;
    if (!tokenFile.isEmpty()) {
      assumed = assumeWithWebIdentity(context, in, settings, sts, tokenFile);
    } else {
      if (source == null) {
        throw new StepProblem(
            "role-to-assume needs credentials to call STS: give "
                + INPUT_KEYS
                + ", or set "
                + ENV_KEYS
                + " in the job's env (an earlier configure-aws-credentials step does), or give"
                + " web-identity-token-file; GitHub's OIDC provider is not available in Gantry");
      }
      assumed = assumeRole(context, in, settings, env, sts, keySource);
    }

    Credentials credentials = assumed.credentials();
    AwsCredentials roleCredentials =
        AwsSessionCredentials.create(
            credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken());
    maskCredentials(context, roleCredentials);
    Identity identity;
    try {
      identity = callerIdentity(sts.as(roleCredentials));
    } catch (SdkException e) {
      // The role's ARN names its account: good enough when STS offers no GetCallerIdentity.
      identity = new Identity(accountOf(assumed.user().arn()), assumed.user().arn());
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
            + assumed.user().assumedRoleId()
            + " ("
            + assumed.user().arn()
            + "), valid until "
            + credentials.expiration());
    exportCredentials(context, settings, env, roleCredentials, credentials);
    outputIdentity(context, settings, identity);
  }

  /** What AssumeRole or AssumeRoleWithWebIdentity returned. */
  private record AssumedRole(Credentials credentials, AssumedRoleUser user) {}

  private static AssumedRole assumeRole(
      ActionContext context,
      StepInputs in,
      Settings settings,
      AwsEnvironment env,
      AwsClients.Target sts,
      String keySource)
      throws StepProblem {
    String roleArn = settings.roleToAssume();
    if (!roleArn.startsWith("arn:")) {
      // A bare role name lives in the source credentials' account, as in the original.
      Identity source;
      try {
        source = callerIdentity(sts);
      } catch (SdkException e) {
        throw new StepProblem(
            "role-to-assume '"
                + roleArn
                + "' is a role name, and its account could not be found: "
                + AwsFailures.describe("STS GetCallerIdentity", sts, keySource, e));
      }
      if (settings.maskAccountId()) {
        context.addMask(source.account());
      }
      roleArn = "arn:aws:iam::" + source.account() + ":role/" + roleArn;
    }
    List<Tag> tags = settings.skipTags() ? List.of() : sessionTags(env);
    String externalId = in.text("role-external-id");
    String policy = in.text("inline-session-policy");
    List<PolicyDescriptorType> policyArns = managedPolicies(in);
    List<String> transitive = in.lines("transitive-tag-keys");
    String arn = roleArn;
    context.log(
        "Assuming role "
            + arn
            + " as session "
            + settings.sessionName()
            + " for "
            + settings.duration()
            + "s"
            + (tags.isEmpty() ? " without session tags" : " with " + tags.size() + " session tags"));
    try (StsClient client = AwsClients.sts(sts)) {
      var response =
          client.assumeRole(
              r -> {
                r.roleArn(arn)
                    .roleSessionName(settings.sessionName())
                    .durationSeconds(settings.duration());
                if (!tags.isEmpty()) {
                  r.tags(tags);
                  if (!transitive.isEmpty()) {
                    r.transitiveTagKeys(transitive);
                  }
                }
                if (!externalId.isEmpty()) {
                  r.externalId(externalId);
                }
                if (!policy.isEmpty()) {
                  r.policy(policy);
                }
                if (!policyArns.isEmpty()) {
                  r.policyArns(policyArns);
                }
              });
      return new AssumedRole(response.credentials(), response.assumedRoleUser());
    } catch (SdkException e) {
      throw new StepProblem(AwsFailures.describe("STS AssumeRole", sts, keySource, e));
    }
  }

  private static AssumedRole assumeWithWebIdentity(
      ActionContext context,
      StepInputs in,
      Settings settings,
      AwsClients.Target sts,
      String tokenFile)
      throws StepProblem {
    String roleArn = settings.roleToAssume();
    if (!roleArn.startsWith("arn:")) {
      throw new StepProblem(
          "role-to-assume '"
              + roleArn
              + "' must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME) with"
              + " web-identity-token-file");
    }
    Path file = context.workspace().resolve(tokenFile);
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new StepProblem(
          "web-identity-token-file '" + tokenFile + "' cannot be read: " + file + " ("
              + e.getClass().getSimpleName() + ")");
    }
    if (token.isEmpty()) {
      throw new StepProblem("web-identity-token-file '" + tokenFile + "' is empty");
    }
    context.addMask(token);
    String policy = in.text("inline-session-policy");
    List<PolicyDescriptorType> policyArns = managedPolicies(in);
    context.log(
        "Assuming role " + roleArn + " with the web identity token of " + tokenFile
            + " as session " + settings.sessionName());
    // AssumeRoleWithWebIdentity is not signed: the token is the credential.
    AwsClients.Target anonymous = sts.as(null);
    try (StsClient client = AwsClients.sts(anonymous)) {
      var response =
          client.assumeRoleWithWebIdentity(
              r -> {
                r.roleArn(roleArn)
                    .roleSessionName(settings.sessionName())
                    .durationSeconds(settings.duration())
                    .webIdentityToken(token);
                if (!policy.isEmpty()) {
                  r.policy(policy);
                }
                if (!policyArns.isEmpty()) {
                  r.policyArns(policyArns);
                }
              });
      return new AssumedRole(response.credentials(), response.assumedRoleUser());
    } catch (SdkException e) {
      throw new StepProblem(
          AwsFailures.describe(
              "STS AssumeRoleWithWebIdentity", anonymous, "web-identity-token-file", e));
    }
  }

  private static List<PolicyDescriptorType> managedPolicies(StepInputs in) {
    List<PolicyDescriptorType> arns = new ArrayList<>();
    for (String arn : in.lines("managed-session-policies")) {
      arns.add(PolicyDescriptorType.builder().arn(arn).build());
    }
    return arns;
  }

  /** The session tags the original sets, from the run's {@code GITHUB_*} variables. */
  private static List<Tag> sessionTags(AwsEnvironment env) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("GitHub", "Actions");
    values.put("Repository", env.get("GITHUB_REPOSITORY"));
    values.put("Workflow", env.get("GITHUB_WORKFLOW"));
    values.put("Action", env.get("GITHUB_ACTION"));
    values.put("Actor", env.get("GITHUB_ACTOR"));
    values.put("Commit", env.get("GITHUB_SHA"));
    values.put("Branch", env.get("GITHUB_REF"));
    List<Tag> tags = new ArrayList<>();
    values.forEach(
        (key, value) -> {
          if (!value.isEmpty()) {
            String safe = TAG_UNSAFE.matcher(value).replaceAll("_");
            tags.add(
                Tag.builder()
                    .key(key)
                    .value(safe.length() > 256 ? safe.substring(0, 256) : safe)
                    .build());
          }
        });
    return tags;
  }

  /** Who the credentials of {@code target} are. */
  private record Identity(String account, String arn) {}

  private static Identity callerIdentity(AwsClients.Target target) {
    try (StsClient client = AwsClients.sts(target)) {
      GetCallerIdentityResponse response = client.getCallerIdentity();
      return new Identity(response.account(), response.arn());
    }
  }

  /**
   * The identity of the source credentials, checking them: a rejection or an unreachable STS
   * fails the step; an STS that answers without offering GetCallerIdentity (a local endpoint)
   * only leaves {@code aws-account-id} unset.
   */
  private static Identity sourceIdentity(
      ActionContext context, AwsClients.Target sts, String keySource) throws StepProblem {
    try {
      return callerIdentity(sts);
    } catch (SdkException e) {
      String line = AwsFailures.describe("STS GetCallerIdentity", sts, keySource, e);
      if (AwsFailures.isAuthentication(e)
          || !(e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException)) {
        throw new StepProblem(line);
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
      Credentials issued) {
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
      outputCredentials(context, credentials, issued);
    }
  }

  private static void outputCredentials(
      ActionContext context, AwsCredentials credentials, Credentials issued) {
    context.setOutput("aws-access-key-id", credentials.accessKeyId());
    context.setOutput("aws-secret-access-key", credentials.secretAccessKey());
    if (credentials instanceof AwsSessionCredentials session) {
      context.setOutput("aws-session-token", session.sessionToken());
    }
    if (issued != null && issued.expiration() != null) {
      context.setOutput("aws-expiration", issued.expiration().toString());
    }
  }
}
