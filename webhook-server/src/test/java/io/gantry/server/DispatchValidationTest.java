package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dispatch whose ref or input holds a NUL byte (or whose ref git would refuse) is refused with a
 * one-line 400 naming the field, and queues nothing: such a value could not reach a step.
 */
class DispatchValidationTest {

  @TempDir Path dir;

  @Test
  void aNulByteInADispatchInputOrRefIsRefusedAndQueuesNothing() throws Exception {
    String workflow =
        "on:\n  workflow_dispatch:\n    inputs:\n      text: {default: plain}\n"
            + "jobs:\n  j:\n    runs-on: x\n    steps:\n      - env: {TEXT: \"${{ inputs.text }}\"}\n"
            + "        run: echo \"$TEXT\"\n";
    try (TestServer server = TestServer.start(dir, workflow, "")) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> input =
          dispatch(
              http,
              server,
              "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\","
                  + "\"inputs\":{\"text\":\"a\\u0000b\"}}");
      assertThat(input.statusCode()).as(input.body()).isEqualTo(400);
      assertThat(input.body()).contains("input 'text' holds a NUL byte");

      HttpResponse<String> ref =
          dispatch(
              http,
              server,
              "{\"repo\":\"acme/web\",\"ref\":\"ma\\u0000in\"," + "\"workflow\":\"ci.yml\"}");
      assertThat(ref.statusCode()).as(ref.body()).isEqualTo(400);
      assertThat(ref.body()).contains("'ref' is not a valid git ref", "control character");

      HttpResponse<String> dots =
          dispatch(
              http,
              server,
              "{\"repo\":\"acme/web\",\"ref\":\"../main\"," + "\"workflow\":\"ci.yml\"}");
      assertThat(dots.statusCode()).as(dots.body()).isEqualTo(400);

      String runs =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
                      .header("Authorization", "Bearer " + TestServer.TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(runs).contains("\"runs\":[]").doesNotContain("\"id\"");
    }
  }

  private static HttpResponse<String> dispatch(HttpClient http, TestServer server, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/runs"))
            .header("Authorization", "Bearer " + TestServer.TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
