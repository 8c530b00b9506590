package io.gantry.server.forge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends a bare repository's post-receive lines to {@code {server}/hooks/git}, one signed delivery
 * per ref. A connection error, timeout, 429 or 5xx is retried with backoff (the delivery id is the
 * body's hash, so a retry of a delivery the server did store starts nothing new); any other answer
 * is final. Thread-safe.
 */
public final class PostReceiveClient {

  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_ATTEMPTS = 4; // the first try and 3 retries
  private static final int MESSAGE_LIMIT = 300;

  private final int maxAttempts;
  private final Backoff backoff;

  /** Up to 3 retries, 0.5 s then 1 s then 2 s apart: a push waits at most a few seconds more. */
  public PostReceiveClient() {
    this(MAX_ATTEMPTS, Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(2)));
  }

  /**
   * The hook runs in a fresh JVM on every push, so it uses {@link HttpURLConnection}: starting
   * {@code java.net.http.HttpClient} (its selector thread and TLS context) costs ~0.6 s of CPU,
   * more than everything else the hook does.
   */
  PostReceiveClient(int maxAttempts, Backoff backoff) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  /** What happened to one ref's delivery. */
  public record Result(String ref, boolean accepted, int statusCode, String message) {}

  /**
   * As {@link #send(String, String, String, Path, Reader, PrintWriter, PrintWriter)}, unspooled.
   */
  public int send(
      String serverUrl,
      String repository,
      String secret,
      Reader stdin,
      PrintWriter out,
      PrintWriter err) {
    return send(serverUrl, repository, secret, null, stdin, out, err);
  }

  /**
   * The whole {@code gantry hook post-receive} command below its argument parsing: reads git's
   * lines from {@code stdin}; with a {@code spool}, first sends the deliveries kept there by
   * earlier pushes, then each new one, and keeps any the server could not take now (no answer, 429,
   * 5xx) in the spool; prints one line per ref ({@code out} when accepted, {@code err} otherwise)
   * and returns the exit code: 0 when every delivery was accepted, 1 otherwise (including bad
   * input, which sends nothing).
   */
  @SuppressWarnings("try") // the spool's lock is held by the try block, never referenced
  public int send(
      String serverUrl,
      String repository,
      String secret,
      Path spool,
      Reader stdin,
      PrintWriter out,
      PrintWriter err) {
    try {
      if (!usableSecret(secret, repository, err)) {
        return 1;
      }
      List<PostReceive.RefUpdate> updates;
      try {
        updates = PostReceive.parse(stdin);
      } catch (IllegalArgumentException e) {
        err.println("gantry hook: " + e.getMessage() + "; nothing was sent");
        return 1;
      } catch (IOException e) {
        err.println(
            "gantry hook: could not read the post-receive lines from stdin: " + e.getMessage());
        return 1;
      }
      URI endpoint;
      try {
        endpoint = endpoint(serverUrl);
      } catch (IllegalArgumentException e) {
        err.println("gantry hook: " + e.getMessage());
        return 1;
      }
      String pusher = System.getProperty("user.name");
      if (spool == null) {
        boolean allAccepted = true;
        for (PostReceive.RefUpdate update : updates) {
          Result result =
              deliverOne(
                  endpoint,
                  repository,
                  GitHookPayload.of(repository, update, pusher),
                  secret,
                  maxAttempts);
          allAccepted &= print(result, out, err);
        }
        return allAccepted ? 0 : 1;
      }
      HookSpool kept = new HookSpool(spool);
      try (java.io.Closeable locked = kept.lock() /* held until the block ends */) {
        boolean allAccepted = flush(endpoint, repository, secret, kept, out, err);
        for (PostReceive.RefUpdate update : updates) {
          GitHookPayload payload = GitHookPayload.of(repository, update, pusher);
          Result result = deliverOne(endpoint, repository, payload, secret, maxAttempts);
          if (!result.accepted() && retryable(result)) {
            Path file = kept.keep(payload.body());
            result = keptNote(result, file);
          }
          allAccepted &= print(result, out, err);
        }
        return allAccepted ? 0 : 1;
      } catch (IOException e) {
        err.println(
            "gantry hook: cannot use the spool "
                + spool
                + " ("
                + e.getMessage()
                + "); a"
                + " delivery the server did not take is lost: make the folder writable");
        return 1;
      }
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * {@code gantry hook flush}: sends the deliveries kept in {@code spool}, oldest first, and stops
   * at the first the server cannot take now (it stays, with those after it). 0 when none is left.
   */
  @SuppressWarnings("try") // the spool's lock is held by the try block, never referenced
  public int flush(
      String serverUrl,
      String repository,
      String secret,
      Path spool,
      PrintWriter out,
      PrintWriter err) {
    try {
      if (!usableSecret(secret, repository, err)) {
        return 1;
      }
      URI endpoint;
      try {
        endpoint = endpoint(serverUrl);
      } catch (IllegalArgumentException e) {
        err.println("gantry hook: " + e.getMessage());
        return 1;
      }
      HookSpool kept = new HookSpool(spool);
      try (java.io.Closeable locked = kept.lock() /* held until the block ends */) {
        boolean all = flush(endpoint, repository, secret, kept, out, err);
        if (all) {
          out.println("gantry: the spool " + spool + " is empty");
        }
        return all ? 0 : 1;
      } catch (IOException e) {
        err.println("gantry hook: cannot use the spool " + spool + ": " + e.getMessage());
        return 1;
      }
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Sends the kept deliveries, one attempt each; false when some are left or were refused. */
  private boolean flush(
      URI endpoint,
      String repository,
      String secret,
      HookSpool kept,
      PrintWriter out,
      PrintWriter err)
      throws IOException {
    boolean all = true;
    for (Path file : kept.pending()) {
      GitHookPayload payload = GitHookPayload.ofBody(kept.read(file));
      Result result = deliverOne(endpoint, repository, payload, secret, 1);
      if (!result.accepted() && retryable(result)) {
        print(keptNote(result, file), out, err);
        return false; // the server is not taking deliveries now: keep this one and the rest
      }
      // Accepted (or received before), or refused for good: either way it leaves the spool.
      kept.remove(file);
      all &=
          print(
              new Result(
                  result.ref(),
                  result.accepted(),
                  result.statusCode(),
                  "(kept from an earlier push) "
                      + result.message()
                      + (result.accepted() ? "" : "; removed from the spool")),
              out,
              err);
    }
    return all;
  }

  private static Result keptNote(Result result, Path file) {
    return new Result(
        result.ref(),
        false,
        result.statusCode(),
        result.message()
            + "; kept in "
            + file
            + ", sent again on the next push or by"
            + " 'gantry hook flush'");
  }

  private static boolean retryable(Result result) {
    int status = result.statusCode();
    return status == 0 || status == 429 || status >= 500;
  }

  private static boolean print(Result result, PrintWriter out, PrintWriter err) {
    (result.accepted() ? out : err).println("gantry: " + result.ref() + ": " + result.message());
    return result.accepted();
  }

  private static boolean usableSecret(String secret, String repository, PrintWriter err) {
    if (secret == null || secret.isEmpty()) {
      err.println(
          "gantry hook: GANTRY_HOOK_SECRET is not set; set it to the webhook-secret of "
              + repository
              + " in the server's configuration");
      return false;
    }
    return true;
  }

  /** Sends one delivery per update, in order, and says what became of each. */
  public List<Result> deliver(
      String serverUrl,
      String repository,
      String secret,
      String pusher,
      List<PostReceive.RefUpdate> updates) {
    URI endpoint = endpoint(serverUrl);
    List<Result> results = new ArrayList<>();
    for (PostReceive.RefUpdate update : updates) {
      GitHookPayload payload = GitHookPayload.of(repository, update, pusher);
      results.add(deliverOne(endpoint, repository, payload, secret, maxAttempts));
    }
    return results;
  }

  private Result deliverOne(
      URI endpoint, String repository, GitHookPayload payload, String secret, int attempts) {
    String ref = payload.ref();
    byte[] body = payload.body();
    Map<String, String> headers = payload.headers(secret);
    Result last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && !pause(backoff.delay(attempt - 1))) {
        break;
      }
      try {
        Answer answer = post(endpoint, headers, body);
        int status = answer.status();
        String said = summary(answer.body());
        if (status / 100 == 2) {
          return new Result(ref, true, status, "accepted (" + status + ")" + suffix(said));
        }
        last = new Result(ref, false, status, rejection(status, said, repository));
        if (status < 500 && status != 429) {
          return last;
        }
      } catch (IOException e) {
        last =
            new Result(
                ref,
                false,
                0,
                "could not reach "
                    + endpoint
                    + " ("
                    + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "); is gantry serve running there?");
      }
      if (Thread.currentThread().isInterrupted()) {
        return new Result(ref, false, 0, "interrupted before the server answered");
      }
    }
    return new Result(
        ref,
        false,
        last.statusCode(),
        last.message() + (attempts > 1 ? " (gave up after " + attempts + " attempts)" : ""));
  }

  private record Answer(int status, String body) {}

  private static Answer post(URI endpoint, Map<String, String> headers, byte[] body)
      throws IOException {
    HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
    try {
      connection.setConnectTimeout((int) TIMEOUT.toMillis());
      connection.setReadTimeout((int) TIMEOUT.toMillis());
      connection.setInstanceFollowRedirects(false);
      connection.setRequestMethod("POST");
      connection.setDoOutput(true);
      connection.setRequestProperty("User-Agent", "gantry-hook");
      for (Map.Entry<String, String> header : headers.entrySet()) {
        connection.setRequestProperty(header.getKey(), header.getValue());
      }
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      String text = "";
      if (in != null) {
        try (in) {
          text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
      }
      return new Answer(status, text);
    } finally {
      connection.disconnect();
    }
  }

  private static String rejection(int status, String said, String repository) {
    if (status == 401) {
      return "rejected (401)"
          + suffix(said)
          + "; GANTRY_HOOK_SECRET must equal the webhook-secret"
          + " of "
          + repository
          + " (forge: git) in the server's configuration";
    }
    return "rejected (" + status + ")" + suffix(said);
  }

  private static String suffix(String said) {
    return said.isEmpty() ? "" : ": " + said;
  }

  // The server's reason, on one short line; a JSON {"message": ...} is unwrapped.
  private static String summary(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String text = body.strip();
    if (text.startsWith("{")) {
      String message = GitHookPayload.messageOf(text);
      if (message != null && !message.isBlank()) {
        text = message; // else shown as it came
      }
    }
    text = text.replaceAll("\\s+", " ");
    return text.length() <= MESSAGE_LIMIT ? text : text.substring(0, MESSAGE_LIMIT) + "…";
  }

  private static boolean pause(Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static URI endpoint(String serverUrl) {
    String base = serverUrl == null ? "" : serverUrl.strip().replaceAll("/+$", "");
    URI uri;
    try {
      uri = new URI(base + "/hooks/git");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--server '" + serverUrl + "' is not a URL: " + e.getReason());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "--server '"
              + serverUrl
              + "' must be an http:// or https:// URL, e.g. http://localhost:8080");
    }
    return uri;
  }
}
