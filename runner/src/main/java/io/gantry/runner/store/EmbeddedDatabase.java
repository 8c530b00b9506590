package io.gantry.runner.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.h2.jdbcx.JdbcConnectionPool;

/** The H2 database file of a data directory, opened with its schema brought up to date. */
final class EmbeddedDatabase implements Database {

  /** Under the data directory; H2 adds {@code .mv.db}, {@code .lock.db} and {@code .trace.db}. */
  static final String RELATIVE_PATH = "db/gantry";

  private static final String OPEN_LOCK_FILE = "gantry.open.lock";

  // Long enough to wait out another process's migrations, short enough to report a stuck one.
  private static final Duration OPEN_LOCK_TIMEOUT = Duration.ofSeconds(60);

  // The executor runs jobs on several threads; beyond that the pool waits rather than grows.
  private static final int MAX_CONNECTIONS = 16;

  private final Path base;
  private final JdbcConnectionPool pool;

  private EmbeddedDatabase(Path base, JdbcConnectionPool pool) {
    this.base = base;
    this.pool = pool;
  }

  /**
   * @throws StoreException naming the database path when it cannot be opened or migrated
   */
  static EmbeddedDatabase open(Path dataDir) {
    Path base = dataDir.toAbsolutePath().normalize().resolve(RELATIVE_PATH);
    try {
      Files.createDirectories(base.getParent());
    } catch (IOException e) {
      throw failure(base, e);
    }
    OpenLock lock = lock(base);
    JdbcConnectionPool pool = JdbcConnectionPool.create(url(base), "sa", "");
    pool.setMaxConnections(MAX_CONNECTIONS);
    try {
      // Connect once before Flyway does, so an unusable database fails with H2's own message
      // rather than one wrapped by Flyway.
      try (Connection connection = pool.getConnection()) {
        connection.isValid(0);
      }
      migrate(pool);
      return new EmbeddedDatabase(base, pool);
    } catch (SQLException | FlywayException e) {
      pool.dispose();
      throw failure(base, e);
    } finally {
      lock.close();
    }
  }

  static {
    // H2's AUTO_SERVER otherwise listens on every interface; Gantry's processes only ever talk
    // to it from this machine. H2 reads the property once, when its classes load.
    if (System.getProperty("h2.bindAddress") == null) {
      System.setProperty("h2.bindAddress", "127.0.0.1");
    }
  }

  static String url(Path base) {
    // AUTO_SERVER: the first process opens the file and serves it to later ones over TCP, so
    // several gantry commands can share one data directory. LOCK_TIMEOUT: concurrent run
    // creators queue on the counter row for longer than H2's default of one second.
    // WRITE_DELAY=0: a commit reaches the file before it returns. H2's default (500 ms) lets a
    // kill -9 lose runs and deliveries that were already acknowledged.
    // MAX_LENGTH_INPLACE_LOB: the JSON of a queued job's spec, an agent's result or a batch of
    // its events is mostly a few hundred characters, over H2's default of 256: kept in the row
    // rather than in H2's separate LOB storage (one more map to write per commit, and to read).
    // QUERY_CACHE_SIZE: the store runs a few dozen distinct statements; with H2's default of 8
    // parsed statements per connection, most were parsed again each time (an eighth of a busy
    // server's CPU while agents' jobs went through it).
    return "jdbc:h2:file:"
        + base
        + ";AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000;WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=4096"
        + ";QUERY_CACHE_SIZE=64";
  }

  @Override
  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  @Override
  public Dialect dialect() {
    return Dialect.H2;
  }

  @Override
  public String describe() {
    return base.toString();
  }

  /**
   * Closes this store's connections. The database itself closes with the last connection of any
   * store; when that is the serving process, the others take over, which must not overlap with a
   * process opening it.
   */
  @Override
  public void close() {
    OpenLock lock;
    try {
      lock = lock(base);
    } catch (StoreException e) {
      // Closing cannot be refused; a racing opener at worst sees H2's own error.
      pool.dispose();
      return;
    }
    try {
      pool.dispose();
    } finally {
      lock.close();
    }
  }

  private static OpenLock lock(Path base) {
    try {
      return OpenLock.acquire(base.resolveSibling(OPEN_LOCK_FILE), OPEN_LOCK_TIMEOUT);
    } catch (IOException | TimeoutException e) {
      throw failure(base, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(base, e);
    }
  }

  /** Brings the schema up to date; the same migrations for H2 and PostgreSQL. */
  static void migrate(javax.sql.DataSource pool, String... moreLocations) {
    // The class loader of this class, not the thread's, finds the migrations and Flyway's
    // plugins (among them the H2 support) when everything is shaded into one jar.
    Flyway.configure(EmbeddedDatabase.class.getClassLoader())
        .dataSource(pool)
        .locations(locations(moreLocations))
        // Without its migrations (a badly packaged jar) Flyway would silently leave the schema
        // empty and every later query would fail obscurely.
        .failOnMissingLocations(true)
        .load()
        .migrate();
  }

  private static String[] locations(String... more) {
    String[] all = new String[more.length + 1];
    all[0] = "classpath:db/migration";
    System.arraycopy(more, 0, all, 1, more.length);
    return all;
  }

  private static StoreException failure(Path base, Exception cause) {
    return new StoreException(
        "Cannot open the run store at " + base + ": " + StoreException.describe(cause), cause);
  }
}
