package io.gantry.server.forge;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Posts a {@link StatusRequest} and classifies the answer; never throws for a forge's failure,
 * because a reporting failure must not fail a run (the outbox decides what to do with it).
 * Thread-safe: one instance serves every report.
 */
public final class StatusSender {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MESSAGE_LIMIT = 300;

  private final HttpClient http;
  private final Duration timeout;

  public StatusSender() {
    this(HttpClient.newBuilder().connectTimeout(TIMEOUT).build(), TIMEOUT);
  }

  public StatusSender(HttpClient http, Duration timeout) {
    this.http = http;
    this.timeout = timeout;
  }

  /** 2xx is delivered; 5xx, 429 and no answer at all are retryable; any other 4xx is permanent. */
  public SendResult send(StatusRequest request) {
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(request.uri())
              .timeout(timeout)
              .method(request.method(), HttpRequest.BodyPublishers.ofString(request.body()));
      for (Map.Entry<String, String> header : request.headers().entrySet()) {
        builder.header(header.getKey(), header.getValue());
      }
      HttpResponse<String> response =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      String message =
          redact(
              request,
              request.method()
                  + " "
                  + request.uri()
                  + " answered "
                  + status
                  + excerpt(response.body()));
      if (status / 100 == 2) {
        return new SendResult(SendResult.Outcome.DELIVERED, status, message);
      }
      if (status >= 500 || status == 429) {
        return new SendResult(SendResult.Outcome.RETRYABLE, status, message);
      }
      return new SendResult(SendResult.Outcome.PERMANENT, status, message + hint(status));
    } catch (IOException e) {
      return new SendResult(
          SendResult.Outcome.RETRYABLE,
          0,
          redact(request, "could not reach " + request.uri() + ": " + describe(e)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new SendResult(
          SendResult.Outcome.RETRYABLE, 0, "interrupted while posting to " + request.uri());
    } catch (IllegalArgumentException e) {
      // A header the client refuses: resending the same request can never work.
      return new SendResult(
          SendResult.Outcome.PERMANENT, 0, redact(request, "invalid request: " + describe(e)));
    }
  }

  private static String hint(int status) {
    switch (status) {
      case 401:
        return "; the status token was refused: check status.token";
      case 403:
      case 404:
        return "; check that the status token may write commit statuses of this repository"
            + " and that status.api-url is right";
      default:
        return "";
    }
  }

  private static String describe(Exception e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String text = body.strip().replaceAll("\\s+", " ");
    return ": " + (text.length() <= MESSAGE_LIMIT ? text : text.substring(0, MESSAGE_LIMIT) + "…");
  }

  // A forge that echoes the request, or an exception quoting a header, must not put the token in a
  // log.
  private static String redact(StatusRequest request, String text) {
    String redacted = text;
    for (String secret : request.secretValues()) {
      if (!secret.isEmpty()) {
        redacted = redacted.replace(secret, "***");
      }
    }
    return redacted;
  }
}
