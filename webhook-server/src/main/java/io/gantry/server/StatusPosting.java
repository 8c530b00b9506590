package io.gantry.server;

import io.gantry.runner.store.CommitStatuses;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.CommitStatus;
import io.gantry.server.forge.SendResult;
import io.gantry.server.forge.StatusRequests;
import io.gantry.server.forge.StatusSender;
import io.gantry.server.forge.StatusTarget;

/** Posts outbox statuses to the forges' status APIs. */
final class StatusPosting {

  private StatusPosting() {}

  static StatusOutbox.Poster forges() {
    StatusSender sender = new StatusSender();
    return (repository, status) -> post(sender, repository, status);
  }

  private static StatusOutbox.Failure post(
      StatusSender sender, ServerConfig.Repository repository, CommitStatuses.StatusRecord status) {
    ServerConfig.Status config = repository.status();
    SendResult result =
        sender.send(
            StatusRequests.build(
                new StatusTarget(config.forge(), config.apiUrl(), config.token().value()),
                repository.name(),
                status.sha(),
                new CommitStatus(
                    CommitStatus.State.valueOf(status.state().name()),
                    status.context(),
                    status.description(),
                    status.targetUrl())));
    return switch (result.outcome()) {
      case DELIVERED -> null;
      case RETRYABLE -> new StatusOutbox.Failure(result.message(), true);
      case PERMANENT -> new StatusOutbox.Failure(result.message(), false);
    };
  }
}
