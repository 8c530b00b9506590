package io.gantry.runner.action.builtin;

import io.gantry.runner.action.Action;
import io.gantry.runner.action.ActionContext;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsEnvironment;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.deploy.StepInputs;
import io.gantry.runner.workflow.InputProblem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenRequest;

/**
 * {@code aws-actions/amazon-ecr-login}: gets a registry login from ECR GetAuthorizationToken and
 * registers it in the job's {@link io.gantry.runner.action.RegistryLogins} for the registry's host,
 * where {@code gantry/build-image} (and any later step) finds it; there is no Docker engine to
 * {@code docker login} to.
 *
 * <p>The region and credentials are the job's {@code AWS_REGION} (or {@code AWS_DEFAULT_REGION})
 * and {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN}, as
 * {@code aws-actions/configure-aws-credentials} exports them; ECR is called at {@code
 * AWS_ENDPOINT_URL_ECR}, else {@code AWS_ENDPOINT_URL}, else AWS's regional endpoint. Outputs as
 * the original: {@code registry} (when one registry was logged in to) and {@code
 * docker_username_<registry>} / {@code docker_password_<registry>}, the registry's host with every
 * run of characters other than letters, digits and {@code _} replaced by {@code _}. The password is
 * masked unless {@code mask-password} is false. Amazon ECR Public is not supported.
 */
final class AmazonEcrLoginAction implements Action {

  static final String NAME = "aws-actions/amazon-ecr-login";

  private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
  private static final Pattern NOT_WORD = Pattern.compile("[^a-zA-Z0-9_]+");

  private static final String NO_CREDENTIALS =
      "no AWS credentials in the job's env: run aws-actions/configure-aws-credentials first, or"
          + " set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> versions() {
    return Set.of("v1", "v2");
  }

  @Override
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("registries", null);
    inputs.put("registry-type", "private");
    inputs.put("mask-password", "true");
    inputs.put("skip-logout", "false");
    inputs.put("http-proxy", null);
    return inputs;
  }

  @Override
  public Set<String> requiredInputs() {
    return Set.of();
  }

  @Override
  public List<InputProblem> inputProblems(Map<String, String> with, Set<String> env) {
    return InputChecks.ecrLogin(with);
  }

  @Override
  public ActionResult run(ActionContext context) {
    try {
      login(context, new StepInputs(context.inputs()), new AwsEnvironment(context.env()));
      return ActionResult.ok();
    } catch (AwsProblem problem) {
      return ActionResult.failure(NAME + ": " + problem.getMessage());
    }
  }

  /** The name suffix of the original's {@code docker_username_*} / {@code docker_password_*}. */
  static String outputSuffix(String registry) {
    return NOT_WORD.matcher(registry).replaceAll("_");
  }

  private static void login(ActionContext context, StepInputs in, AwsEnvironment env)
      throws AwsProblem {
    String type = in.text("registry-type").toLowerCase(Locale.ROOT);
    if (type.equals("public")) {
      throw new AwsProblem(
          "registry-type 'public' (Amazon ECR Public, public.ecr.aws) is not supported by Gantry;"
              + " log in to a private ECR registry (registry-type: private)");
    }
    if (!type.isEmpty() && !type.equals("private")) {
      throw new AwsProblem(
          "input 'registry-type' must be 'private', got '" + in.text("registry-type") + "'");
    }
    boolean maskPassword = in.bool("mask-password", true);
    in.bool("skip-logout", false); // logins live in the job and end with it: nothing to log out
    List<String> registryIds = registryIds(in.text("registries"));

    String region = env.region();
    if (region.isEmpty()) {
      throw new AwsProblem(
          "AWS_REGION is not set: run aws-actions/configure-aws-credentials first, or set"
              + " AWS_REGION in the job's env");
    }
    if (!AwsEnvironment.REGION.matcher(region).matches()) {
      throw new AwsProblem(
          "the region '"
              + region
              + "' of AWS_REGION is not a region name; write it like us-east-1");
    }
    AwsCredentials credentials =
        env.credentials().orElseThrow(() -> new AwsProblem(NO_CREDENTIALS));
    context.addMask(credentials.secretAccessKey());
    AwsClients.Target ecr =
        AwsClients.target(
            "ECR", region, env, credentials, in.text("http-proxy"), AwsClients.DEFAULT_ATTEMPTS);

    List<AuthorizationData> data;
    try (EcrClient client = AwsClients.ecr(ecr)) {
      data = client.getAuthorizationToken(request(registryIds)).authorizationData();
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe(
              "ECR GetAuthorizationToken", ecr, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", e));
    }
    if (data == null || data.isEmpty()) {
      throw new AwsProblem(
          "ECR GetAuthorizationToken at " + ecr.where() + " returned no authorization data");
    }
    List<String> registries = new ArrayList<>();
    for (AuthorizationData authorization : data) {
      registries.add(register(context, authorization, maskPassword, ecr));
    }
    if (registries.size() == 1) {
      context.setOutput("registry", registries.get(0));
    }
  }

  /** Registers one registry's login and sets its outputs; returns the registry's host. */
  private static String register(
      ActionContext context,
      AuthorizationData authorization,
      boolean maskPassword,
      AwsClients.Target ecr)
      throws AwsProblem {
    String token = authorization.authorizationToken();
    if (token == null || token.isEmpty()) {
      throw new AwsProblem(
          "ECR GetAuthorizationToken at " + ecr.where() + " returned an empty authorizationToken");
    }
    // The token is base64 of the password: it is a credential itself, whatever mask-password says.
    context.addMask(token);
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      decoded = "";
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new AwsProblem(
          "ECR GetAuthorizationToken at "
              + ecr.where()
              + " returned an authorizationToken that is not base64 of USERNAME:PASSWORD");
    }
    String username = decoded.substring(0, colon);
    String password = decoded.substring(colon + 1);
    if (maskPassword) {
      context.addMask(password);
    }
    String endpoint = authorization.proxyEndpoint();
    String registry =
        endpoint == null ? "" : endpoint.replaceFirst("^[a-zA-Z]+://", "").replaceAll("/+$", "");
    if (registry.isEmpty()) {
      throw new AwsProblem(
          "ECR GetAuthorizationToken at " + ecr.where() + " returned no proxyEndpoint");
    }
    // With its scheme: a plain-HTTP registry (local-ecs's) is trusted as such for this job only.
    context
        .registryLogins()
        .register(
            endpoint.regionMatches(true, 0, "http://", 0, 7) ? "http://" + registry : registry,
            username,
            password);
    String suffix = outputSuffix(registry);
    context.setOutput("docker_username_" + suffix, username);
    context.setOutput("docker_password_" + suffix, password);
    context.log(
        "Logged in to "
            + registry
            + " as "
            + username
            + (authorization.expiresAt() != null
                ? " (valid until " + authorization.expiresAt() + ")"
                : ""));
    return registry;
  }

  /**
   * The request, with {@code registryIds} when given. The SDK marks that field deprecated because
   * one token now opens every registry the caller may use; the original action still sends it, and
   * ECR still answers with one authorization (and so one {@code proxyEndpoint}) per registry, which
   * is what gives each registry its login and outputs.
   */
  @SuppressWarnings("deprecation")
  private static GetAuthorizationTokenRequest request(List<String> registryIds) {
    GetAuthorizationTokenRequest.Builder request = GetAuthorizationTokenRequest.builder();
    if (!registryIds.isEmpty()) {
      request.registryIds(registryIds);
    }
    return request.build();
  }

  private static List<String> registryIds(String input) throws AwsProblem {
    List<String> ids = new ArrayList<>();
    for (String part : input.split(",", -1)) {
      String id = part.trim();
      if (id.isEmpty()) {
        continue;
      }
      if (!ACCOUNT_ID.matcher(id).matches()) {
        throw new AwsProblem(
            "input 'registries': '"
                + id
                + "' is not an AWS account id (12 digits; quote ids that start with 0)");
      }
      ids.add(id);
    }
    return ids;
  }
}
