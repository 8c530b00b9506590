package io.gantry.runner.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.ProxyConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointParams;
import software.amazon.awssdk.services.cloudwatchlogs.endpoints.CloudWatchLogsEndpointProvider;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.endpoints.EcrEndpointParams;
import software.amazon.awssdk.services.ecr.endpoints.EcrEndpointProvider;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.endpoints.EcsEndpointParams;
import software.amazon.awssdk.services.ecs.endpoints.EcsEndpointProvider;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointParams;
import software.amazon.awssdk.services.sts.endpoints.StsEndpointProvider;

/**
 * Builds the SDK clients of the AWS actions and the deploy package. Everything a client uses is
 * given explicitly: region, static credentials, endpoint, proxy. Nothing is taken from the JVM's
 * environment, system properties or {@code ~/.aws} files, because a step's environment is not the
 * JVM's. Every call is bounded: a few attempts with the SDK's standard back-off, each with its own
 * timeout, and an overall timeout, so an unreachable endpoint fails the step instead of hanging it.
 */
public final class AwsClients {

  /** Attempts per call (the first one included) unless the step asks otherwise. */
  public static final int DEFAULT_ATTEMPTS = 3;

  /** The most attempts a step may ask for. */
  public static final int MAX_ATTEMPTS = 10;

  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  /** Stands in for {@code ~/.aws/config}, so that no setting is read from the JVM's home. */
  private static final ProfileFile NO_PROFILES =
      ProfileFile.builder().content("").type(ProfileFile.Type.CONFIGURATION).build();

  private AwsClients() {}

  /**
   * Where and as whom one AWS service is called.
   *
   * @param service {@code STS}, {@code ECR}, {@code ECS} or {@code CLOUDWATCH_LOGS}, as in {@code
   *     AWS_ENDPOINT_URL_<SERVICE>}
   * @param credentials null for an unsigned call (AssumeRoleWithWebIdentity)
   * @param endpoint the override, or null for the service's endpoint in the region
   * @param endpointVariable the variable the override came from, or null
   * @param proxy the HTTP proxy, or null
   * @param maxAttempts attempts per call, from 1 to {@link #MAX_ATTEMPTS}
   */
  public record Target(
      String service,
      Region region,
      AwsCredentials credentials,
      URI endpoint,
      String endpointVariable,
      URI proxy,
      Set<String> nonProxyHosts,
      int maxAttempts) {

    /** The same target with other credentials. */
    public Target as(AwsCredentials other) {
      return new Target(
          service, region, other, endpoint, endpointVariable, proxy, nonProxyHosts, maxAttempts);
    }

    /** The endpoint the calls go to, for messages: the override, or the SDK's default. */
    public String where() {
      return endpoint != null ? endpoint.toString() : defaultEndpoint(service, region);
    }
  }

  /** The target of {@code service} in the step's environment. */
  public static Target target(
      String service,
      String region,
      AwsEnvironment env,
      AwsCredentials credentials,
      String proxyInput,
      int maxAttempts)
      throws AwsProblem {
    return new Target(
        service,
        Region.of(region),
        credentials,
        env.endpoint(service),
        env.endpointVariable(service),
        env.proxy(proxyInput),
        env.nonProxyHosts(),
        maxAttempts);
  }

  public static StsClient sts(Target target) {
    return configured(StsClient.builder(), target);
  }

  public static EcrClient ecr(Target target) {
    return configured(EcrClient.builder(), target);
  }

  public static EcsClient ecs(Target target) {
    return configured(EcsClient.builder(), target);
  }

  public static CloudWatchLogsClient logs(Target target) {
    return configured(CloudWatchLogsClient.builder(), target);
  }

  /**
   * Any service's client for {@code target}: region, credentials, HTTP client, retries, endpoint.
   */
  private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C configured(
      B builder, Target target) {
    builder
        .region(target.region())
        .credentialsProvider(credentials(target))
        .httpClientBuilder(http(target))
        .overrideConfiguration(override(target));
    if (target.endpoint() != null) {
      builder.endpointOverride(target.endpoint());
    }
    return builder.build();
  }

  private static AwsCredentialsProvider credentials(Target target) {
    return target.credentials() == null
        ? AnonymousCredentialsProvider.create()
        : StaticCredentialsProvider.create(target.credentials());
  }

  private static UrlConnectionHttpClient.Builder http(Target target) {
    ProxyConfiguration.Builder proxy =
        ProxyConfiguration.builder()
            .useSystemPropertyValues(false)
            .useEnvironmentVariablesValues(false);
    if (target.proxy() != null) {
      proxy.endpoint(target.proxy()).nonProxyHosts(target.nonProxyHosts());
    }
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(CONNECT_TIMEOUT)
        .socketTimeout(ATTEMPT_TIMEOUT)
        .proxyConfiguration(proxy.build());
  }

  private static ClientOverrideConfiguration override(Target target) {
    return ClientOverrideConfiguration.builder()
        .retryStrategy(
            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(target.maxAttempts())
                .build())
        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
        .apiCallTimeout(CALL_TIMEOUT)
        .defaultProfileFile(NO_PROFILES)
        .defaultProfileName("default")
        .appId("gantry")
        .build();
  }

  /** The SDK's own endpoint for a service in a region (partition aware), for messages. */
  public static String defaultEndpoint(String service, Region region) {
    try {
      return switch (service) {
        case "STS" ->
            StsEndpointProvider.defaultProvider()
                .resolveEndpoint(StsEndpointParams.builder().region(region).build())
                .join()
                .url()
                .toString();
        case "ECR" ->
            EcrEndpointProvider.defaultProvider()
                .resolveEndpoint(EcrEndpointParams.builder().region(region).build())
                .join()
                .url()
                .toString();
        case "ECS" ->
            EcsEndpointProvider.defaultProvider()
                .resolveEndpoint(EcsEndpointParams.builder().region(region).build())
                .join()
                .url()
                .toString();
        case "CLOUDWATCH_LOGS" ->
            CloudWatchLogsEndpointProvider.defaultProvider()
                .resolveEndpoint(CloudWatchLogsEndpointParams.builder().region(region).build())
                .join()
                .url()
                .toString();
        default -> service + " in " + region.id();
      };
    } catch (RuntimeException e) {
      return service + " in " + region.id();
    }
  }
}
