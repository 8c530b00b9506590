package io.gantry.runner.store;

import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/** Opens the run store. */
public final class Stores {

  private Stores() {}

  /**
   * Opens (creating and migrating as needed) the embedded database under {@code dataDir}, which is
   * made private first (0700, as are the folders Gantry owns in it: see {@link PrivateFiles}).
   * Several processes may open the same data directory at once.
   *
   * @throws StoreException when the database cannot be opened, with a one-line message naming its
   *     path and the cause
   */
  public static RunStore openEmbedded(Path dataDir) {
    // A data directory that is not a folder fails below, naming the database path.
    if (!Files.exists(dataDir) || Files.isDirectory(dataDir)) {
      try {
        PrivateFiles.secureDataDir(dataDir);
      } catch (IOException e) {
        throw new StoreException(
            "Cannot open the run store at "
                + dataDir.toAbsolutePath().normalize().resolve(EmbeddedDatabase.RELATIVE_PATH)
                + ": "
                + StoreException.describe(e),
            e);
      }
    }
    return new JdbcRunStore(EmbeddedDatabase.open(dataDir), Clock.systemUTC());
  }

  /**
   * Opens (migrating as needed) a PostgreSQL database that several Gantry processes share. The same
   * migrations as the embedded store's; connections pooled.
   *
   * @throws StoreException when the database cannot be reached or migrated, with a one-line message
   *     naming it (never the password) and the cause
   */
  public static RunStore openPostgres(DatabaseSettings settings) {
    return new JdbcRunStore(PostgresDatabase.open(settings), Clock.systemUTC());
  }

  /**
   * The PostgreSQL store when {@code database} is given, else the embedded one of {@code dataDir}.
   */
  public static RunStore open(Path dataDir, DatabaseSettings database) {
    return database == null ? openEmbedded(dataDir) : openPostgres(database);
  }

  /** The longest wait between two attempts to reach a PostgreSQL server that is not there. */
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

  /**
   * As {@link #open(Path, DatabaseSettings)}, but waits for a PostgreSQL server that cannot be
   * reached yet (refused, timed out, starting up): tells {@code waiting} so in one line per attempt
   * — where, the driver's reason, when it tries again — and tries again after 1 s, 2 s, 4 s … at
   * most {@link #MAX_RETRY_DELAY}, until it answers. Anything else (a wrong password, a database
   * that does not exist, a failed migration) fails at once.
   *
   * @throws StoreException as {@link #open(Path, DatabaseSettings)} does, or when interrupted while
   *     waiting
   */
  public static RunStore open(Path dataDir, DatabaseSettings database, Consumer<String> waiting) {
    if (database == null) {
      return openEmbedded(dataDir);
    }
    Duration delay = Duration.ofSeconds(1);
    for (int attempt = 1; ; attempt++) {
      try {
        RunStore store = openPostgres(database);
        if (attempt > 1) {
          waiting.accept("PostgreSQL at " + database.address() + " answers; starting");
        }
        return store;
      } catch (StoreException e) {
        if (!e.unreachable()) {
          throw e;
        }
        waiting.accept(
            e.getMessage() + "; retrying in " + delay.toSeconds() + " s (attempt " + attempt + ")");
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new StoreException(
              "Stopped waiting for PostgreSQL at " + database.address(), interrupted);
        }
        delay =
            delay.multipliedBy(2).compareTo(MAX_RETRY_DELAY) > 0
                ? MAX_RETRY_DELAY
                : delay.multipliedBy(2);
      }
    }
  }
}
