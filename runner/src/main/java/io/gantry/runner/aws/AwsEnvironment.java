package io.gantry.runner.aws;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * What a step's environment says about AWS, read the way the AWS SDKs and CLI read a process
 * environment: {@code AWS_REGION} (or {@code AWS_DEFAULT_REGION}), {@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN}, {@code AWS_ENDPOINT_URL_<SERVICE>}
 * before {@code AWS_ENDPOINT_URL}, and {@code HTTPS_PROXY} / {@code HTTP_PROXY} / {@code NO_PROXY}.
 * The step's environment is the job's, with what earlier steps exported; the JVM's own variables
 * count only in so far as the executor put them there.
 */
public final class AwsEnvironment {

  /** Region names as the AWS actions accept them. */
  public static final Pattern REGION = Pattern.compile("[a-z0-9-]+");

  /** Hosts never reached through a proxy, whatever {@code NO_PROXY} says. */
  private static final List<String> LOOPBACK = List.of("localhost", "127.*", "[::1]", "::1");

  private final Map<String, String> env;

  public AwsEnvironment(Map<String, String> env) {
    this.env = env;
  }

  /** A variable's value, or {@code ""} when it is unset. */
  public String get(String name) {
    String value = env.get(name);
    return value == null ? "" : value.trim();
  }

  /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else {@code ""}. */
  public String region() {
    String region = get("AWS_REGION");
    return region.isEmpty() ? get("AWS_DEFAULT_REGION") : region;
  }

  /**
   * The credentials of {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and {@code
   * AWS_SESSION_TOKEN}, or empty when no access key is set.
   *
   * @throws AwsProblem when only one of the key pair is set
   */
  public Optional<AwsCredentials> credentials() throws AwsProblem {
    String id = get("AWS_ACCESS_KEY_ID");
    String secret = get("AWS_SECRET_ACCESS_KEY");
    if (id.isEmpty() && secret.isEmpty()) {
      return Optional.empty();
    }
    if (id.isEmpty() || secret.isEmpty()) {
      throw new AwsProblem(
          (id.isEmpty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
              + " is set but "
              + (id.isEmpty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")
              + " is not: set both (aws-actions/configure-aws-credentials does) or neither");
    }
    return Optional.of(credentials(id, secret, get("AWS_SESSION_TOKEN")));
  }

  public static AwsCredentials credentials(String id, String secret, String sessionToken) {
    return sessionToken == null || sessionToken.isEmpty()
        ? AwsBasicCredentials.create(id, secret)
        : AwsSessionCredentials.create(id, secret, sessionToken);
  }

  /**
   * The endpoint override for a service ({@code STS}, {@code ECR}): {@code
   * AWS_ENDPOINT_URL_<SERVICE>}, else {@code AWS_ENDPOINT_URL}, else null for the service's default
   * endpoint in the region.
   */
  public URI endpoint(String service) throws AwsProblem {
    String name = endpointVariable(service);
    return name == null ? null : httpUrl(name, get(name));
  }

  /** Which variable {@link #endpoint} takes its value from, or null. */
  public String endpointVariable(String service) {
    String specific = "AWS_ENDPOINT_URL_" + service.toUpperCase(Locale.ROOT);
    if (!get(specific).isEmpty()) {
      return specific;
    }
    return get("AWS_ENDPOINT_URL").isEmpty() ? null : "AWS_ENDPOINT_URL";
  }

  /**
   * The proxy to use: the {@code http-proxy} input when given, else {@code HTTPS_PROXY}, {@code
   * https_proxy}, {@code HTTP_PROXY} or {@code http_proxy}; null for none.
   */
  public URI proxy(String input) throws AwsProblem {
    if (!input.isBlank()) {
      return httpUrl("input 'http-proxy'", input.trim());
    }
    for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")) {
      if (!get(name).isEmpty()) {
        return httpUrl(name, get(name));
      }
    }
    return null;
  }

  /**
   * The hosts reached directly, in the JDK's {@code http.nonProxyHosts} form: loopback always, plus
   * {@code NO_PROXY} ({@code example.com} and {@code .example.com} both cover the domain).
   */
  public Set<String> nonProxyHosts() {
    Set<String> hosts = new LinkedHashSet<>(LOOPBACK);
    String noProxy = get("NO_PROXY").isEmpty() ? get("no_proxy") : get("NO_PROXY");
    for (String entry : noProxy.split(",")) {
      String host = entry.trim().toLowerCase(Locale.ROOT);
      if (host.isEmpty()) {
        continue;
      }
      if (host.startsWith(".")) {
        hosts.add("*" + host);
      } else if (host.startsWith("*")) {
        hosts.add(host);
      } else {
        hosts.add(host);
        hosts.add("*." + host);
      }
    }
    return hosts;
  }

  private static URI httpUrl(String what, String value) throws AwsProblem {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    // A proxy URL may carry a password: never echo one with user information.
    String shown = value.contains("@") ? "(value not shown)" : "'" + value + "'";
    throw new AwsProblem(
        what + " " + shown + " is not an http(s) URL; write it as https://HOST[:PORT]");
  }
}
