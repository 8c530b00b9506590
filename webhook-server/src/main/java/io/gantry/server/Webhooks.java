package io.gantry.server;

import io.gantry.runner.git.GitException;
import io.gantry.runner.store.Deliveries;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.Forge;
import io.gantry.server.forge.Forges;
import io.gantry.server.forge.Headers;
import io.gantry.server.forge.MalformedWebhookException;
import io.gantry.server.forge.WebhookEvent;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * {@code POST /hooks/{forge}}: verify, then parse, then classify (Woodpecker's order). A forged or
 * unsigned delivery gets 401 and nothing is stored; a malformed one 400; a ping 200; an event
 * Gantry does not act on, or a deleted ref, 202 with the reason; a push is recorded with its replay
 * key (the hash of its signed body) and its runs queued, on the disk, before the 202 goes back, and
 * a redelivery or replay of the same body starts nothing new, whatever its delivery id. A pull
 * request is taken the same way, its runs made by {@link PullRequestRuns}; one whose head commit
 * cannot be had (its repository unknown or deleted) is acknowledged with the reason.
 */
final class Webhooks {

  private static final Logger LOG = Logger.getLogger(Webhooks.class.getName());

  private final ServerConfig config;
  private final Deliveries store;
  private final RunQueue queue;
  private final PullRequestRuns pullRequests;

  /** The replay keys of the pushes being processed now (see {@link #stillInProgress}). */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  Webhooks(ServerConfig config, Deliveries store, RunQueue queue, PullRequestRuns pullRequests) {
    this.config = config;
    this.store = store;
    this.queue = queue;
    this.pullRequests = pullRequests;
  }

  void routes(Javalin app) {
    app.post("/hooks/{forge}", this::receive);
  }

  private void receive(Context ctx) {
    String name = ctx.pathParam("forge");
    if (!Forges.names().contains(name)) {
      throw ApiException.notFound(
          "no webhook endpoint for '"
              + name
              + "'; use one of /hooks/"
              + String.join(", /hooks/", Forges.names()));
    }
    Forge forge = Forges.byName(name);
    byte[] body = ctx.bodyAsBytes();
    Headers headers = Headers.of(ctx.headerMap());
    Map<String, String> secrets = new LinkedHashMap<>();
    for (ServerConfig.Repository r : config.repositories()) {
      if (r.forge().equals(name)) {
        secrets.put(r.name().toLowerCase(Locale.ROOT), r.webhookSecret().value());
      }
    }
    Set<String> verified = Forges.verifiedBy(forge, headers, body, secrets);
    if (verified.isEmpty()) {
      // Never the body: it is unverified and may be large or hostile.
      LOG.warning(
          "rejected a /hooks/"
              + name
              + " delivery from "
              + ctx.ip()
              + " ("
              + body.length
              + " bytes): no configured repository's secret verifies its signature");
      throw ApiException.unauthorized(
          "the signature does not verify with the secret of any repository configured for " + name);
    }
    WebhookEvent event;
    try {
      event = forge.parse(headers, Forges.json(headers, body));
    } catch (MalformedWebhookException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    if (event instanceof WebhookEvent.Ping) {
      ctx.status(200).json(Map.of("message", "pong"));
      return;
    }
    if (event instanceof WebhookEvent.Ignored ignored) {
      ctx.status(202).json(Map.of("message", ignored.reason()));
      return;
    }
    String eventRepository =
        event instanceof WebhookEvent.PullRequest pr
            ? pr.repository()
            : ((WebhookEvent.Push) event).repository();
    if (!verified.contains(eventRepository.toLowerCase(Locale.ROOT))) {
      LOG.warning(
          "rejected a /hooks/"
              + name
              + " delivery for "
              + eventRepository
              + ": signed with another repository's secret");
      throw ApiException.unauthorized(
          "the signature does not verify with the secret of " + eventRepository);
    }
    ServerConfig.Repository repository = config.repository(eventRepository).orElseThrow();
    if (event instanceof WebhookEvent.PullRequest pr) {
      String deliveryId = forge.deliveryId(headers, body);
      String replayKey = Forges.replayKey(repository.name(), body);
      if (!inFlight.add(name + ' ' + replayKey)) {
        throw stillInProgress();
      }
      try {
        receivePullRequest(ctx, name, repository, pr, deliveryId, replayKey);
      } finally {
        inFlight.remove(name + ' ' + replayKey);
      }
      return;
    }
    WebhookEvent.Push push = (WebhookEvent.Push) event;
    if (push.deleted()) {
      ctx.status(202).json(Map.of("message", push.ref() + " was deleted; nothing to run"));
      return;
    }
    // The forge's id is kept as information; what is deduplicated is the signed body itself.
    String deliveryId = forge.deliveryId(headers, body);
    String replayKey = Forges.replayKey(repository.name(), body);
    if (!inFlight.add(name + ' ' + replayKey)) {
      throw stillInProgress();
    }
    try {
      receivePush(ctx, name, repository, push, deliveryId, replayKey);
    } finally {
      inFlight.remove(name + ' ' + replayKey);
    }
  }

  /**
   * A copy of a delivery still being processed (a sender that timed out and retried): 503, so it is
   * sent again. Answered "received before", the sender would take it as stored, and the first one
   * may yet fail and be forgotten.
   */
  private static ApiException stillInProgress() {
    return new ApiException(
        503, "in_progress", "this delivery is still being processed; send it again shortly");
  }

  private void receivePullRequest(
      Context ctx,
      String name,
      ServerConfig.Repository repository,
      WebhookEvent.PullRequest pr,
      String deliveryId,
      String replayKey) {
    if (!store.recordDelivery(
        new Deliveries.Delivery(
            name, replayKey, repository.name(), "pull_request", Instant.now()))) {
      ctx.status(200)
          .json(
              Map.of(
                  "message",
                  "this delivery (same signed body) was received before; nothing new started",
                  "delivery",
                  deliveryId,
                  "duplicate",
                  true));
      return;
    }
    RunQueue.Created created;
    try {
      created = pullRequests.receive(repository, pr, deliveryId);
    } catch (PullRequestRuns.HeadUnavailable e) {
      // Nothing can ever run for it: acknowledged, not redelivered forever.
      ctx.status(202)
          .json(Map.of("delivery", deliveryId, "runs", List.of(), "message", e.getMessage()));
      return;
    } catch (GitException | RuntimeException e) {
      store.forgetDelivery(name, replayKey);
      throw new ApiException(
          503,
          "unavailable",
          "cannot prepare pull request #"
              + pr.number()
              + ": "
              + e.getMessage()
              + "; redeliver the webhook");
    }
    respond(ctx, deliveryId, created);
  }

  private void respond(Context ctx, String deliveryId, RunQueue.Created created) {
    if (!created.runIds().isEmpty()) {
      store.syncToDisk();
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("delivery", deliveryId);
    response.put("runs", created.runIds());
    response.put("notes", created.notes());
    ctx.status(202).json(response);
  }

  private void receivePush(
      Context ctx,
      String name,
      ServerConfig.Repository repository,
      WebhookEvent.Push push,
      String deliveryId,
      String replayKey) {
    if (!store.recordDelivery(
        new Deliveries.Delivery(name, replayKey, repository.name(), "push", Instant.now()))) {
      ctx.status(200)
          .json(
              Map.of(
                  "message",
                  "this delivery (same signed body) was received before; nothing new started",
                  "delivery",
                  deliveryId,
                  "duplicate",
                  true));
      return;
    }
    RunQueue.Created created;
    try {
      created =
          queue.push(
              repository,
              push.ref(),
              push.before(),
              push.after(),
              push.pusher() == null ? "unknown" : push.pusher(),
              push.payload(),
              deliveryId);
    } catch (GitException | RuntimeException e) {
      // Not stored: forget the delivery so the forge's redelivery is processed, not ignored.
      store.forgetDelivery(name, replayKey);
      throw new ApiException(
          503,
          "unavailable",
          "cannot read the pushed commit: " + e.getMessage() + "; redeliver the webhook");
    }
    if (!created.runIds().isEmpty()) {
      // The 202 tells the forge not to send it again: its runs go to the disk first, as its
      // delivery did, not only to the OS's cache (one sync for every push answered meanwhile).
      store.syncToDisk();
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("delivery", deliveryId);
    response.put("runs", created.runIds());
    response.put("notes", created.notes());
    ctx.status(202).json(response);
  }
}
