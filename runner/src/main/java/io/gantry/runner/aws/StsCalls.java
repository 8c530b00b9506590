package io.gantry.runner.aws;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.PolicyDescriptorType;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * The STS calls of {@code aws-actions/configure-aws-credentials}: GetCallerIdentity, AssumeRole and
 * AssumeRoleWithWebIdentity, one client per call, bounded as {@link AwsClients} sets it. A failed
 * AssumeRole becomes a {@link AwsProblem} whose one line {@link AwsFailures} writes.
 */
public final class StsCalls {

  /** Characters a session tag value may not hold (replaced by {@code _}, as the original does). */
  private static final Pattern TAG_UNSAFE = Pattern.compile("[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]");

  private StsCalls() {}

  /** Who a set of credentials is. */
  public record Identity(String account, String arn) {}

  /** A role session: its temporary keys and who it is. */
  public record Session(
      AwsSessionCredentials credentials, String assumedRoleId, String arn, Instant expiration) {}

  /** What to ask of AssumeRole; empty strings and lists are left out of the request. */
  public record RoleRequest(
      String roleArn,
      String sessionName,
      int durationSeconds,
      String externalId,
      String policy,
      List<String> policyArns,
      Map<String, String> tags,
      List<String> transitiveTagKeys) {}

  /**
   * GetCallerIdentity with the target's credentials.
   *
   * @throws SdkException as the SDK threw it, for the caller to judge
   */
  public static Identity callerIdentity(AwsClients.Target target) {
    try (StsClient client = AwsClients.sts(target)) {
      GetCallerIdentityResponse response = client.getCallerIdentity();
      return new Identity(response.account(), response.arn());
    }
  }

  /** AssumeRole with the target's credentials ({@code keySource} names them in errors). */
  public static Session assumeRole(AwsClients.Target target, String keySource, RoleRequest request)
      throws AwsProblem {
    try (StsClient client = AwsClients.sts(target)) {
      var response =
          client.assumeRole(
              r -> {
                r.roleArn(request.roleArn())
                    .roleSessionName(request.sessionName())
                    .durationSeconds(request.durationSeconds());
                if (!request.tags().isEmpty()) {
                  List<Tag> tags = new ArrayList<>();
                  request.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
                  r.tags(tags);
                  if (!request.transitiveTagKeys().isEmpty()) {
                    r.transitiveTagKeys(request.transitiveTagKeys());
                  }
                }
                if (!request.externalId().isEmpty()) {
                  r.externalId(request.externalId());
                }
                if (!request.policy().isEmpty()) {
                  r.policy(request.policy());
                }
                if (!request.policyArns().isEmpty()) {
                  r.policyArns(policyArns(request));
                }
              });
      return session(response.credentials(), response.assumedRoleUser());
    } catch (SdkException e) {
      throw new AwsProblem(AwsFailures.describe("STS AssumeRole", target, keySource, e));
    }
  }

  /** AssumeRoleWithWebIdentity: unsigned, the token is the credential. No session tags. */
  public static Session assumeRoleWithWebIdentity(
      AwsClients.Target target, RoleRequest request, String token) throws AwsProblem {
    AwsClients.Target anonymous = target.as(null);
    try (StsClient client = AwsClients.sts(anonymous)) {
      var response =
          client.assumeRoleWithWebIdentity(
              r -> {
                r.roleArn(request.roleArn())
                    .roleSessionName(request.sessionName())
                    .durationSeconds(request.durationSeconds())
                    .webIdentityToken(token);
                if (!request.policy().isEmpty()) {
                  r.policy(request.policy());
                }
                if (!request.policyArns().isEmpty()) {
                  r.policyArns(policyArns(request));
                }
              });
      return session(response.credentials(), response.assumedRoleUser());
    } catch (SdkException e) {
      throw new AwsProblem(
          AwsFailures.describe(
              "STS AssumeRoleWithWebIdentity", anonymous, "web-identity-token-file", e));
    }
  }

  /** The session tags the original sets, from the run's {@code GITHUB_*} variables. */
  public static Map<String, String> sessionTags(AwsEnvironment env) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("GitHub", "Actions");
    values.put("Repository", env.get("GITHUB_REPOSITORY"));
    values.put("Workflow", env.get("GITHUB_WORKFLOW"));
    values.put("Action", env.get("GITHUB_ACTION"));
    values.put("Actor", env.get("GITHUB_ACTOR"));
    values.put("Commit", env.get("GITHUB_SHA"));
    values.put("Branch", env.get("GITHUB_REF"));
    Map<String, String> tags = new LinkedHashMap<>();
    values.forEach(
        (key, value) -> {
          if (!value.isEmpty()) {
            String safe = TAG_UNSAFE.matcher(value).replaceAll("_");
            tags.put(key, safe.length() > 256 ? safe.substring(0, 256) : safe);
          }
        });
    return tags;
  }

  private static List<PolicyDescriptorType> policyArns(RoleRequest request) {
    return request.policyArns().stream()
        .map(arn -> PolicyDescriptorType.builder().arn(arn).build())
        .toList();
  }

  private static Session session(Credentials credentials, AssumedRoleUser user) {
    return new Session(
        AwsSessionCredentials.create(
            credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken()),
        user.assumedRoleId(),
        user.arn(),
        credentials.expiration());
  }
}
