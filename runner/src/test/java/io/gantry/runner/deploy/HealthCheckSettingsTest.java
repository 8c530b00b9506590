package io.gantry.runner.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.aws.AwsProblem;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health check settings kept in the deploy history, to and from their JSON. */
class HealthCheckSettingsTest {

  @Test
  void everyInputSurvivesTheRoundTripThroughJson() throws Exception {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("url", "https://shop.example.com/health?full=1");
    inputs.put("method", "HEAD");
    inputs.put("headers", "X-Probe: gantry\nAccept: application/json");
    inputs.put("expect-status", "200,204");
    inputs.put("expect-body", "/\"ok\"\\s*:\\s*true/");
    inputs.put("expect-json", "$.version == \"1.2.3\"\n$.items[0].id != 0");
    inputs.put("interval", "500ms");
    inputs.put("request-timeout", "3s");
    inputs.put("timeout", "1m30s");
    inputs.put("consecutive-successes", "4");

    HealthCheckSettings settings = HealthCheckSettings.of(new StepInputs(inputs));
    String json = settings.toJson();
    HealthCheckSettings back = HealthCheckSettings.fromJson(json);

    assertThat(back).isEqualTo(settings);
    assertThat(back.inputs()).isEqualTo(inputs);
    assertThat(json).doesNotContain("\n").contains("\"expect-json\":\"$.version == \\\"1.2.3\\\"");
  }

  @Test
  void inputsNotGivenAreLeftOutAndComeBackAbsent() throws Exception {
    HealthCheckSettings settings =
        HealthCheckSettings.of(new StepInputs(Map.of("url", "http://127.0.0.1:8080/")));

    assertThat(settings.toJson()).isEqualTo("{\"url\":\"http://127.0.0.1:8080/\"}");
    assertThat(HealthCheckSettings.fromJson(settings.toJson()).inputs())
        .containsExactly(Map.entry("url", "http://127.0.0.1:8080/"));
    assertThat(settings.withoutHeaders()).isEqualTo(settings);
  }

  @Test
  void withoutHeadersDropsOnlyTheHeaders() {
    HealthCheckSettings settings =
        HealthCheckSettings.of(
            new StepInputs(
                Map.of("url", "http://x/", "headers", "Authorization: Bearer t", "timeout", "5s")));

    assertThat(settings.withoutHeaders().inputs())
        .containsExactly(Map.entry("url", "http://x/"), Map.entry("timeout", "5s"));
  }

  @Test
  void aRecordedCheckThatIsNotSettingsIsAOneLineProblem() {
    assertThatThrownBy(() -> HealthCheckSettings.fromJson("{\"url\":\"http://x/\",\"retries\":3}"))
        .isInstanceOf(AwsProblem.class)
        .hasMessageStartingWith("the recorded health check cannot be read: Unrecognized field")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> HealthCheckSettings.fromJson("{\"method\":\"GET\"}"))
        .isInstanceOf(AwsProblem.class)
        .hasMessage("the recorded health check has no url");
  }
}
