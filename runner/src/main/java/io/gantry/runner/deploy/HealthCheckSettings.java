package io.gantry.runner.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code gantry/health-check} as it ran: its evaluated inputs, kept as JSON on the deployment it
 * judged in the deploy history ({@code health_check}) so that a rollback to that deployment can run
 * the same check again. The values are the inputs' text, read back with the step's own rules
 * ({@link #inputs}); {@code headers} is null when the step's headers held a masked value (a secret
 * is never stored).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheckSettings(
    @JsonProperty("url") String url,
    @JsonProperty("method") String method,
    @JsonProperty("headers") String headers,
    @JsonProperty("expect-status") String expectStatus,
    @JsonProperty("expect-body") String expectBody,
    @JsonProperty("expect-json") String expectJson,
    @JsonProperty("interval") String interval,
    @JsonProperty("request-timeout") String requestTimeout,
    @JsonProperty("timeout") String timeout,
    @JsonProperty("consecutive-successes") String consecutiveSuccesses) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The settings of a step's inputs ({@code ""} and absent inputs are left out). */
  public static HealthCheckSettings of(StepInputs in) {
    return new HealthCheckSettings(
        given(in.raw("url")),
        given(in.raw("method")),
        given(in.raw("headers")),
        given(in.raw("expect-status")),
        given(in.raw("expect-body")),
        given(in.raw("expect-json")),
        given(in.raw("interval")),
        given(in.raw("request-timeout")),
        given(in.raw("timeout")),
        given(in.raw("consecutive-successes")));
  }

  /** The same settings without headers. */
  public HealthCheckSettings withoutHeaders() {
    return new HealthCheckSettings(
        url,
        method,
        null,
        expectStatus,
        expectBody,
        expectJson,
        interval,
        requestTimeout,
        timeout,
        consecutiveSuccesses);
  }

  /** The settings as the step's inputs, by input name. */
  public Map<String, String> inputs() {
    Map<String, String> inputs = new LinkedHashMap<>();
    put(inputs, "url", url);
    put(inputs, "method", method);
    put(inputs, "headers", headers);
    put(inputs, "expect-status", expectStatus);
    put(inputs, "expect-body", expectBody);
    put(inputs, "expect-json", expectJson);
    put(inputs, "interval", interval);
    put(inputs, "request-timeout", requestTimeout);
    put(inputs, "timeout", timeout);
    put(inputs, "consecutive-successes", consecutiveSuccesses);
    return inputs;
  }

  /** One line of JSON. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write health check settings as JSON", e);
    }
  }

  /**
   * Reads what {@link #toJson} wrote.
   *
   * @throws AwsProblem with a one-line message when the text is not such settings
   */
  public static HealthCheckSettings fromJson(String json) throws AwsProblem {
    try {
      HealthCheckSettings settings = JSON.readValue(json, HealthCheckSettings.class);
      if (settings == null || settings.url() == null || settings.url().isBlank()) {
        throw new AwsProblem("the recorded health check has no url");
      }
      return settings;
    } catch (JsonProcessingException e) {
      throw new AwsProblem(
          "the recorded health check cannot be read: "
              + AwsFailures.oneLine(e.getOriginalMessage()));
    }
  }

  private static String given(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static void put(Map<String, String> inputs, String name, String value) {
    if (value != null) {
      inputs.put(name, value);
    }
  }
}
