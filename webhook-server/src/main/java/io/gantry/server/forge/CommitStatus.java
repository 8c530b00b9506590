package io.gantry.server.forge;

import java.util.Objects;

/**
 * A status for one commit, in Gantry's terms; {@link StatusRequests} maps it to each forge's names
 * and limits.
 *
 * @param context the status's name on the commit, e.g. {@code gantry/<workflow name>}
 * @param description a short human summary; null for none
 * @param targetUrl where the run is shown; null for none
 */
public record CommitStatus(State state, String context, String description, String targetUrl) {

  /** Gantry's states; forges without {@code cancelled} get their nearest one. */
  public enum State {
    PENDING,
    SUCCESS,
    FAILURE,
    ERROR,
    CANCELLED
  }

  public CommitStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(context, "context");
    if (context.isBlank()) {
      throw new IllegalArgumentException("a commit status needs a context, e.g. gantry/build");
    }
  }
}
