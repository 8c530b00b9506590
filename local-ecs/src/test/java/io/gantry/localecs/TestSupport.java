package io.gantry.localecs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gantry.engine.DockerEngine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecs.EcsClient;

/** Shared set-up: the real engine and registry, fast timings, SDK clients. */
final class TestSupport {

  private TestSupport() {}

  /** Skips without Podman and the registry, unless CI=true, where their absence fails. */
  static void requireContainers() {
    boolean present =
        Engines.which("podman") != null
            && Engines.which("docker-registry") != null
            && Engines.which("htpasswd") != null
            && java.nio.file.Files.isExecutable(Path.of("/bin/busybox"));
    if ("true".equals(System.getenv("CI"))) {
      if (!present) {
        throw new AssertionError(
            "CI=true but podman, docker-registry, htpasswd or busybox-static is missing; run"
                + " scripts/setup");
      }
      return;
    }
    assumeTrue(
        present, "podman, docker-registry, htpasswd and busybox-static are needed (scripts/setup)");
  }

  /** Options for tests: short ticks, settle time and stop timeout; tasks removed on close. */
  static LocalEcs.Options options(Path dataDir) {
    return LocalEcs.Options.defaults(dataDir)
        .withTiming(Duration.ofMillis(100), Duration.ofMillis(300))
        .withDefaultStopTimeout(Duration.ofSeconds(2))
        .withStopTasksOnClose(true);
  }

  static LocalEcs start(Path dataDir) {
    requireContainers();
    LocalEcs ecs = LocalEcs.start(options(dataDir));
    try (DockerEngine engine = new DockerEngine(ecs.dockerHost())) {
      TestImages.ensure(engine);
    } catch (RuntimeException e) {
      ecs.close();
      throw e;
    }
    return ecs;
  }

  static EcsClient ecs(URI endpoint) {
    return EcsClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  static EcrClient ecr(URI endpoint) {
    return EcrClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }
}
