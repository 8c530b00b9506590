package io.gantry.server.web;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Live updates of the runs page over Server-Sent Events: an event {@code run} with {@code {id,
 * html}} (the row as the page renders it) for each run that appeared or changed.
 *
 * <p>The one place that learns of changes: for now it looks at the store once a second while anyone
 * listens (one query per distinct filter, whatever the number of browsers), so it needs no hook
 * into the executor; when the runner's event channel lands, {@link #changed} is the method to call
 * from it instead. On connect a browser gets the current rows, so nothing that happened between
 * rendering the page and connecting is lost. At most {@value #MAX_CLIENTS} browsers.
 *
 * <p>One thread does all of it, the writing included: each browser is written without blocking
 * ({@link FeedClient}), so a browser that stops reading delays no other, and is closed once its
 * bounded queue is full.
 */
final class RunFeed implements AutoCloseable {

  static final int MAX_CLIENTS = 1000;
  private static final int WATCHED = 30;
  private static final Logger LOG = Logger.getLogger(RunFeed.class.getName());

  private final RunStore store;
  private final Map<RunHistory.RunQuery, List<FeedClient>> clients = new ConcurrentHashMap<>();
  private final Map<RunHistory.RunQuery, Map<Long, String>> seen = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "gantry-ui-feed");
            t.setDaemon(true);
            return t;
          });

  private final AtomicBoolean pumpQueued = new AtomicBoolean();

  RunFeed(RunStore store) {
    this.store = store;
    var unused = ticker.scheduleWithFixedDelay(this::changed, 1, 1, TimeUnit.SECONDS);
  }

  void subscribe(SseClient client, RunHistory.RunQuery query) {
    int count = clients.values().stream().mapToInt(List::size).sum();
    if (count >= MAX_CLIENTS) {
      client.sendEvent("error", "too many live pages open; reload later");
      client.close();
      return;
    }
    RunHistory.RunQuery key =
        new RunHistory.RunQuery(
            query.repository(),
            query.branch(),
            query.workflow(),
            query.status(),
            query.event(),
            null,
            WATCHED);
    client.keepAlive();
    FeedClient browser = new FeedClient(client);
    try {
      browser.open(this::wake);
    } catch (IOException | IllegalStateException e) {
      // The browser went away, or the response cannot be written without blocking.
      client.close();
      return;
    }
    client.onClose(
        () -> {
          List<FeedClient> list = clients.get(key);
          if (list != null) {
            list.remove(browser);
          }
        });
    onFeedThread(
        () -> {
          // On the feed's thread, between two looks at the store: no change is missed.
          try {
            List<RunHistory.RunSummary> now = store.page(key);
            for (int i = now.size() - 1; i >= 0; i--) {
              send(browser, now.get(i));
            }
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "live runs feed: " + e.getMessage(), e);
            browser.close();
          }
          if (!browser.isClosed()) {
            clients.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(browser);
          }
        });
  }

  /** A browser's connection can take more: the feed's thread writes on. */
  private void wake() {
    if (pumpQueued.compareAndSet(false, true)) {
      onFeedThread(
          () -> {
            pumpQueued.set(false);
            clients.values().forEach(list -> list.forEach(FeedClient::pump));
          });
    }
  }

  private void onFeedThread(Runnable task) {
    try {
      ticker.execute(task);
    } catch (RejectedExecutionException e) {
      // The server closes.
    }
  }

  /** Looks for new and changed runs and sends them to the browsers that show them. */
  void changed() {
    clients.values().forEach(list -> list.removeIf(FeedClient::isClosed));
    clients.values().removeIf(List::isEmpty);
    seen.keySet().retainAll(clients.keySet());
    for (Map.Entry<RunHistory.RunQuery, List<FeedClient>> entry : clients.entrySet()) {
      List<FeedClient> listeners = entry.getValue();
      try {
        List<RunHistory.RunSummary> rows = store.page(entry.getKey());
        Map<Long, String> before = seen.get(entry.getKey());
        Map<Long, String> after = new HashMap<>();
        for (int i = rows.size() - 1; i >= 0; i--) {
          RunHistory.RunSummary row = rows.get(i);
          String state = RunRows.state(row.run());
          after.put(row.run().id(), state);
          if (before != null && !state.equals(before.get(row.run().id()))) {
            listeners.forEach(c -> send(c, row));
          }
        }
        seen.put(entry.getKey(), after);
      } catch (RuntimeException e) {
        // A broken poll must not stop the feed; the next tick tries again.
        LOG.log(Level.WARNING, "live runs feed: " + e.getMessage(), e);
      }
    }
  }

  private static void send(FeedClient browser, RunHistory.RunSummary row) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", row.run().id());
    data.put("html", RunRows.row(row));
    browser.send("run", Expressions.toJson(data));
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    clients.values().forEach(list -> list.forEach(FeedClient::close));
    clients.clear();
  }
}
