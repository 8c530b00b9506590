package io.gantry.runner.store;

import java.util.List;
import java.util.function.Consumer;

/**
 * Short messages between the processes sharing a PostgreSQL store ({@code LISTEN/NOTIFY}: no other
 * broker). Nothing is kept: a listener hears what is sent while it listens, each message once, in
 * the order each sender committed them. Listeners are called on one thread of their own and must
 * not block it for long.
 */
public interface Broadcasts extends AutoCloseable {

  /** The longest message in bytes (PostgreSQL's limit is 8000). */
  int MAX_MESSAGE_BYTES = 7900;

  /**
   * Sends the messages on {@code channel} (a lowercase SQL identifier) in one transaction.
   *
   * @throws IllegalArgumentException when one is longer than {@link #MAX_MESSAGE_BYTES} in UTF-8
   */
  void send(String channel, List<String> messages);

  /** Calls {@code listener} with every message sent on {@code channel} from now on. */
  void listen(String channel, Consumer<String> listener);

  @Override
  void close();
}
