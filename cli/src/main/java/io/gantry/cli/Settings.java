package io.gantry.cli;

import java.nio.file.Path;

/**
 * Every environment variable Gantry reads, with its default: the one place they are defined (the
 * README's table lists the same).
 */
final class Settings {

  private Settings() {}

  /** The token of {@code gantry agent} when {@code --token} is not given. */
  static final String AGENT_TOKEN = "GANTRY_AGENT_TOKEN";

  /** Where runs, logs and workspaces are kept. */
  static final String DATA_DIR = "GANTRY_DATA_DIR";

  /**
   * Default of {@link #DATA_DIR}: {@code $XDG_DATA_HOME/gantry}, else {@code
   * ~/.local/share/gantry}.
   */
  static Path defaultDataDir() {
    String explicit = System.getenv(DATA_DIR);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "gantry");
    }
    return Path.of(System.getProperty("user.home"), ".local", "share", "gantry");
  }
}
