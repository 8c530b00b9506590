package io.gantry.runner.store;

import java.nio.file.Path;
import java.time.Clock;

/** Opens the run store. */
public final class Stores {

  private Stores() {}

  /**
   * Opens (creating and migrating as needed) the embedded database under {@code dataDir}. Several
   * processes may open the same data directory at once.
   *
   * @throws StoreException when the database cannot be opened, with a one-line message naming its
   *     path and the cause
   */
  public static RunStore openEmbedded(Path dataDir) {
    return new JdbcRunStore(EmbeddedDatabase.open(dataDir), Clock.systemUTC());
  }
}
