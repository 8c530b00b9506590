package io.gantry.runner.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.flywaydb.core.api.FlywayException;

/**
 * A PostgreSQL database shared by several Gantry processes, through a HikariCP pool, with the
 * schema brought up to date by the same Flyway migrations as the embedded store. Flyway takes
 * PostgreSQL's advisory lock while migrating, so servers starting together migrate once.
 */
final class PostgresDatabase implements Database {

  // The executor runs jobs on several threads; beyond that the pool waits rather than grows.
  private static final int MAX_CONNECTIONS = 16;

  private final DatabaseSettings settings;
  private final HikariDataSource pool;

  private PostgresDatabase(DatabaseSettings settings, HikariDataSource pool) {
    this.settings = settings;
    this.pool = pool;
  }

  /**
   * @throws StoreException naming the database (never the password) when it cannot be reached or
   *     migrated
   */
  static PostgresDatabase open(DatabaseSettings settings) {
    probe(settings);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(settings.jdbcUrl());
    config.setUsername(settings.user());
    config.setPassword(settings.password());
    config.setMaximumPoolSize(MAX_CONNECTIONS);
    config.setMinimumIdle(1);
    config.setAutoCommit(false);
    config.setPoolName("gantry-store");
    // Fail at once when the database cannot be reached: the caller reports it and retries.
    config.setInitializationFailTimeout(1);
    config.setConnectionTimeout(10_000);
    Properties properties = new Properties();
    properties.setProperty("ApplicationName", "gantry");
    properties.setProperty("tcpKeepAlive", "true");
    config.setDataSourceProperties(properties);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException | IllegalArgumentException e) {
      throw failure(settings, e.getCause() != null ? e.getCause() : e);
    }
    try {
      // Connect once before Flyway does, so an unreachable database fails with the driver's own
      // message rather than one wrapped by Flyway.
      try (Connection connection = pool.getConnection()) {
        connection.isValid(0);
      }
      // db/postgresql: what PostgreSQL needs before the shared migrations (a CLOB type).
      EmbeddedDatabase.migrate(pool, "classpath:db/postgresql");
      return new PostgresDatabase(settings, pool);
    } catch (SQLException | FlywayException e) {
      pool.close();
      throw failure(settings, e);
    }
  }

  @Override
  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  DatabaseSettings settings() {
    return settings;
  }

  @Override
  public Dialect dialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  public String describe() {
    return settings.url();
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * Connects once without the pool, so that a database that is not there yet fails with the
   * driver's own reason and without HikariCP logging a stack trace: the caller may be waiting for
   * it (see {@link Stores#open(java.nio.file.Path, DatabaseSettings,
   * java.util.function.Consumer)}).
   */
  private static void probe(DatabaseSettings settings) {
    Properties properties = new Properties();
    properties.setProperty("user", settings.user());
    properties.setProperty("password", settings.password());
    properties.setProperty("ApplicationName", "gantry");
    properties.setProperty("connectTimeout", "10");
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), properties)) {
      connection.isValid(0);
    } catch (SQLException e) {
      throw failure(settings, e);
    }
  }

  /**
   * The connection exceptions (class 08: refused, timed out, broken), a server starting up or
   * shutting down (57P01–57P03) and one out of connection slots (53300): worth trying again later,
   * unlike a wrong password or a database that does not exist.
   */
  static boolean unreachable(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SQLException e) {
        String state = String.valueOf(e.getSQLState());
        if (state.startsWith("08") || state.startsWith("57P0") || state.equals("53300")) {
          return true;
        }
      }
      if (t instanceof java.net.ConnectException
          || t instanceof java.net.SocketTimeoutException
          || t instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  private static StoreException failure(DatabaseSettings settings, Throwable cause) {
    if (unreachable(cause)) {
      return new StoreException(
          "PostgreSQL at "
              + settings.address()
              + " cannot be reached: "
              + StoreException.describe(cause),
          cause,
          true);
    }
    return new StoreException(
        "Cannot open the run store at "
            + settings.url()
            + " as "
            + settings.user()
            + ": "
            + StoreException.describe(cause),
        cause);
  }
}
