package io.gantry.runner.store;

import java.nio.file.Path;

/** Opens the run store. */
public final class Stores {

  private Stores() {}

  /**
   * Opens (creating and migrating as needed) the embedded database under {@code dataDir}. Several
   * processes may open the same data directory at once.
   */
  public static RunStore openEmbedded(Path dataDir) {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
