package io.gantry.server.config;

/** A configuration that cannot be used: one line naming the file, the key and the fix. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
