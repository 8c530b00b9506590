package io.gantry.runner.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * {@link Broadcasts} on PostgreSQL's {@code LISTEN/NOTIFY}: messages are sent through the store's
 * pool, and heard on one connection of their own held by one thread, which connects again (after a
 * second) when the database goes away. Messages sent while it is away are not heard.
 */
final class PostgresBroadcasts implements Broadcasts {

  private static final Logger LOG = Logger.getLogger(PostgresBroadcasts.class.getName());
  private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final Jdbc jdbc;
  private final DatabaseSettings settings;
  private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private Thread thread;

  PostgresBroadcasts(Jdbc jdbc, DatabaseSettings settings) {
    this.jdbc = jdbc;
    this.settings = settings;
  }

  @Override
  public void send(String channel, List<String> messages) {
    checkChannel(channel);
    for (String message : messages) {
      if (message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException(
            "a broadcast message is limited to " + MAX_MESSAGE_BYTES + " bytes");
      }
    }
    jdbc.inTransaction(
        connection -> {
          try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            for (String message : messages) {
              notify.setString(1, channel);
              notify.setString(2, message);
              notify.execute();
            }
          }
          return null;
        });
  }

  @Override
  public synchronized void listen(String channel, Consumer<String> listener) {
    checkChannel(channel);
    Objects.requireNonNull(listener, "listener");
    listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
    if (thread == null && !closed) {
      thread = new Thread(this::hear, "gantry-broadcasts");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void hear() {
    while (!closed) {
      Properties login = new Properties();
      login.setProperty("user", settings.user());
      login.setProperty("password", settings.password());
      try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), login)) {
        connection.setAutoCommit(true);
        PGConnection postgres = connection.unwrap(PGConnection.class);
        Set<String> heard = new HashSet<>();
        while (!closed) {
          for (String channel : listeners.keySet()) {
            if (heard.add(channel)) {
              try (Statement listen = connection.createStatement()) {
                listen.execute("LISTEN " + channel);
              }
            }
          }
          PGNotification[] notifications = postgres.getNotifications(250);
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              deliver(notification.getName(), notification.getParameter());
            }
          }
        }
      } catch (SQLException e) {
        if (closed) {
          return;
        }
        LOG.log(
            Level.WARNING,
            "broadcasts from " + settings.url() + " lost (" + StoreException.describe(e) + ")");
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private void deliver(String channel, String message) {
    for (Consumer<String> listener : listeners.getOrDefault(channel, List.of())) {
      try {
        listener.accept(message);
      } catch (RuntimeException e) {
        // One broken listener never keeps the others from hearing.
        LOG.log(Level.WARNING, "broadcast listener failed", e);
      }
    }
  }

  private static void checkChannel(String channel) {
    if (channel == null || !CHANNEL.matcher(channel).matches()) {
      throw new IllegalArgumentException("not a channel name: " + channel);
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread listening;
    synchronized (this) {
      listening = thread;
    }
    if (listening != null) {
      listening.interrupt();
    }
  }
}
