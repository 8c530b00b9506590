package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JDBC pattern, written once for every table of the store: one pooled connection and one
 * transaction per call, retried on conflicts; statements bound by a lambda and rows mapped by
 * another; a missing row or parent reported as an unknown id. Every store class ({@link
 * JdbcRunHistory}, {@link JdbcRunClaims}, {@link JdbcCommitStatuses}, {@link JdbcDeliveries},
 * {@link JdbcDeployHistory}) goes through one instance over the same database.
 *
 * <p>The SQL the store classes hand it stays within what H2 and PostgreSQL both accept; which
 * errors are worth another try is the {@link Dialect}'s to say.
 */
final class Jdbc implements AutoCloseable {

  // With the growing pause, about five seconds in all: enough for H2 to hand the database over.
  private static final int MAX_TRIES = 10;
  private static final long BACK_OFF_MILLIS = 100;

  /** Work in one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  /** Sets a statement's parameters. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  /** Maps the current row. */
  @FunctionalInterface
  interface Rows<T> {
    T map(ResultSet rows) throws SQLException;
  }

  private final Database database;

  /** A {@link #together} under way on this thread: whose, and its connection. */
  private record Shared(Jdbc owner, Connection connection) {}

  private static final ThreadLocal<Shared> SHARED = new ThreadLocal<>();

  Jdbc(Database database) {
    this.database = database;
  }

  /**
   * Runs {@code work} with every store call it makes on this thread (through any store class over
   * this database) in one transaction, committed when it returns and rolled back when it throws.
   * Not retried: {@code work} may do more than write rows. Within it, {@link #inTransaction} joins
   * it rather than opening its own.
   */
  void together(Runnable work) {
    Shared outer = SHARED.get();
    if (outer != null && outer.owner() == this) {
      work.run();
      return;
    }
    try (Connection connection = database.connection()) {
      connection.setAutoCommit(false);
      SHARED.set(new Shared(this, connection));
      try {
        work.run();
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        rollBack(connection, e);
        throw e;
      } finally {
        if (outer == null) {
          SHARED.remove();
        } else {
          SHARED.set(outer);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("Run store failed: " + StoreException.describe(e), e);
    }
  }

  Dialect dialect() {
    return database.dialect();
  }

  /**
   * Runs {@code work} in one transaction, retried on the failures the dialect calls retryable; in a
   * {@link #together} of this thread, as part of its transaction.
   */
  <T> T inTransaction(Work<T> work) {
    Shared joined = SHARED.get();
    if (joined != null && joined.owner() == this) {
      try {
        return work.apply(joined.connection());
      } catch (SQLException e) {
        throw new StoreException("Run store failed: " + StoreException.describe(e), e);
      }
    }
    for (int tries = 1; ; tries++) {
      try (Connection connection = database.connection()) {
        // Every use of a pooled connection comes through here, so none expects auto-commit.
        connection.setAutoCommit(false);
        try {
          T result = work.apply(connection);
          connection.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollBack(connection, e);
          throw e;
        }
      } catch (SQLException e) {
        if (tries < MAX_TRIES && database.dialect().retryable(e)) {
          backOff(tries, e);
          continue;
        }
        throw new StoreException("Run store failed: " + StoreException.describe(e), e);
      }
    }
  }

  /** One UPDATE in a transaction of its own; no row changed means no {@code kind} with the id. */
  void update(String kind, long id, String sql, Binder binder) {
    inTransaction(
        connection -> {
          if (update(connection, sql, binder) == 0) {
            throw unknown(kind, id);
          }
          return null;
        });
  }

  /** One INSERT in a transaction of its own; returns the generated id. */
  long insert(String parentKind, long parentId, String sql, Binder binder) {
    return inTransaction(connection -> insert(connection, parentKind, parentId, sql, binder));
  }

  /** Every row of one SELECT in a transaction of its own. */
  <T> List<T> list(String sql, Binder binder, Rows<T> mapper) {
    return inTransaction(connection -> list(connection, sql, binder, mapper));
  }

  /** The first row of one SELECT in a transaction of its own. */
  <T> Optional<T> first(String sql, Binder binder, Rows<T> mapper) {
    return inTransaction(connection -> first(connection, sql, binder, mapper));
  }

  static int update(Connection connection, String sql, Binder binder) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      binder.bind(statement);
      return statement.executeUpdate();
    }
  }

  /** Inserts a row and returns its generated id; a missing parent row is an unknown id. */
  static long insert(
      Connection connection, String parentKind, long parentId, String sql, Binder binder)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql, new String[] {"id"})) {
      binder.bind(statement);
      statement.executeUpdate();
      try (ResultSet keys = statement.getGeneratedKeys()) {
        if (!keys.next()) {
          throw new SQLException("The database returned no generated id");
        }
        return keys.getLong(1);
      }
    } catch (SQLException e) {
      // Both dialects at once: the static helpers do not know which database they talk to.
      if (parentKind != null
          && (Dialect.H2.parentMissing(e) || Dialect.POSTGRESQL.parentMissing(e))) {
        throw unknown(parentKind, parentId);
      }
      throw e;
    }
  }

  /** Every row {@code sql} returns, mapped, as an unmodifiable list. */
  static <T> List<T> list(Connection connection, String sql, Binder binder, Rows<T> mapper)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      binder.bind(select);
      List<T> out = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          out.add(mapper.map(rows));
        }
      }
      return List.copyOf(out);
    }
  }

  static <T> Optional<T> first(Connection connection, String sql, Binder binder, Rows<T> mapper)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      binder.bind(select);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(mapper.map(rows)) : Optional.empty();
      }
    }
  }

  /** Throws the unknown-id error unless {@code table} has a row with the id. */
  static void requireExists(Connection connection, String kind, String table, long id)
      throws SQLException {
    if (first(connection, "SELECT 1 FROM " + table + " WHERE id = ?", s -> s.setLong(1, id), r -> 1)
        .isEmpty()) {
      throw unknown(kind, id);
    }
  }

  static IllegalArgumentException unknown(String kind, long id) {
    return new IllegalArgumentException("No " + kind + " with id " + id);
  }

  /** Cuts at a character boundary, never between the halves of a surrogate pair. */
  static String truncate(String text, int maxLength) {
    if (text == null || text.length() <= maxLength) {
      return text;
    }
    int end = maxLength;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private static void rollBack(Connection connection, Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // A lost connection cannot roll back, nor needs to: its transaction is gone with it.
      cause.addSuppressed(e);
    }
  }

  private static void backOff(int tries, SQLException cause) {
    try {
      Thread.sleep(BACK_OFF_MILLIS * tries);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Run store interrupted: " + StoreException.describe(cause), cause);
    }
  }

  @Override
  public void close() {
    database.close();
  }
}
