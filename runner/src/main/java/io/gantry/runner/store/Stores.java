package io.gantry.runner.store;

import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

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
}
