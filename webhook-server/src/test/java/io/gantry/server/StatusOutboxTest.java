package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.store.CommitState;
import io.gantry.runner.store.CommitStatuses;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.server.config.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox against a real store and a local forge that fails before it accepts. */
class StatusOutboxTest {

  @TempDir Path data;
  private RunStore store;
  private HttpServer forge;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    store = Stores.openEmbedded(data);
    forge =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(exchange.getRequestURI().getPath() + " " + body);
          exchange.sendResponseHeaders(failuresLeft.getAndDecrement() > 0 ? 500 : 201, -1);
          exchange.close();
        });
    forge.start();
  }

  @AfterEach
  void stop() {
    forge.stop(0);
    store.close();
  }

  private ServerConfig config() {
    return new ServerConfig(
        new ServerConfig.Server(
            0, "127.0.0.1", "http://gantry.test", data, new ServerConfig.Secret("t"), 1, 30),
        List.of(
            new ServerConfig.Repository(
                "acme/web",
                "github",
                "file:///nowhere",
                new ServerConfig.Secret("s"),
                null,
                new ServerConfig.Status(
                    "http://127.0.0.1:" + forge.getAddress().getPort(),
                    new ServerConfig.Secret("status-token-1"),
                    "github"),
                Map.of(),
                Map.of())));
  }

  private RunHistory.RunRecord run() {
    return store.createRun(
        new RunHistory.NewRun(
            "acme/web",
            ".github/workflows/ci.yml",
            "ci",
            "on: push",
            "push",
            "refs/heads/main",
            "a".repeat(40),
            Map.of(),
            "test",
            "{}",
            null,
            false));
  }

  @Test
  void aForgeAnswering500ThenAcceptingStillGetsTheStatusAfterARetry() throws Exception {
    failuresLeft.set(1);
    StatusOutbox outbox = new StatusOutbox(config(), store, StatusPosting.forges());
    RunHistory.RunRecord run = run();
    outbox.enqueue(run, CommitState.SUCCESS, "success in 3s");

    outbox.deliverDue();
    List<CommitStatuses.StatusRecord> afterFailure = store.statusesOf(run.id());
    assertThat(afterFailure)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.deliveredAt()).isNull();
              assertThat(s.attempts()).isEqualTo(1);
              assertThat(s.lastError()).contains("500").doesNotContain("status-token-1");
              assertThat(s.nextAttemptAt()).isAfter(Instant.now().minusSeconds(1));
            });

    long deadline = System.currentTimeMillis() + 10_000;
    while (store.statusesOf(run.id()).get(0).deliveredAt() == null
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      outbox.deliverDue();
    }
    assertThat(store.statusesOf(run.id()).get(0).deliveredAt()).isNotNull();
    assertThat(received)
        .hasSize(2)
        .allMatch(r -> r.startsWith("/repos/acme/web/statuses/" + "a".repeat(40)));
    assertThat(received.get(1))
        .contains("\"state\":\"success\"")
        .contains("\"context\":\"gantry/ci\"");
  }

  @Test
  void aStatusSurvivesARestartOfTheServerBeforeItIsDelivered() throws Exception {
    StatusOutbox first =
        new StatusOutbox(
            config(), store, (repository, status) -> new StatusOutbox.Failure("down", true));
    RunHistory.RunRecord run = run();
    first.enqueue(run, CommitState.PENDING, "queued");
    first.deliverDue();
    store.close();

    store = Stores.openEmbedded(data);
    // The retry is due a second later; a restarted server delivers it then.
    StatusOutbox second = new StatusOutbox(config(), store, StatusPosting.forges());
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.isEmpty() && System.currentTimeMillis() < deadline) {
      second.deliverDue();
      Thread.sleep(100);
    }
    assertThat(received).singleElement().asString().contains("\"state\":\"pending\"");
  }

  @Test
  void aDrainerOfThisMachineWhoseProcessEndedIsGoneButALiveOneOrAnotherMachinesIsNot()
      throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    String host = java.net.InetAddress.getLocalHost().getHostName();
    long self = ProcessHandle.current().pid();
    long parent = ProcessHandle.current().parent().orElseThrow().pid();
    assertThat(StatusOutbox.deadOnThisMachine("outbox/" + host + "/" + ended.pid() + "/x"))
        .isTrue();
    assertThat(StatusOutbox.deadOnThisMachine("outbox/" + host + "/" + parent + "/x")).isFalse();
    assertThat(StatusOutbox.deadOnThisMachine("outbox/elsewhere/" + ended.pid() + "/x")).isFalse();
    // This PID with another outbox's name: a server that ran before this one in a container.
    assertThat(StatusOutbox.deadOnThisMachine("outbox/" + host + "/" + self + "/x")).isTrue();
    assertThat(StatusOutbox.deadOnThisMachine("outbox-12-legacy")).isFalse();
    try (StatusOutbox open = new StatusOutbox(config(), store, (repository, status) -> null)) {
      assertThat(StatusOutbox.deadOnThisMachine(open.owner())).isFalse();
    }
  }
}
