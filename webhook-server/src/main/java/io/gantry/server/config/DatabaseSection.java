package io.gantry.server.config;

import io.gantry.runner.store.DatabaseSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code server.database} and its credentials: a {@code
 * postgresql://HOST[:PORT]/DATABASE[?OPTIONS]} URL (the options, TLS ones among them, go to the
 * PostgreSQL driver as they are), {@code database-user}, and the password either as {@code
 * database-password} (normally {@code ${ENV}}) or read from {@code database-password-file} (a
 * mounted secret; one trailing newline dropped).
 */
final class DatabaseSection {

  private DatabaseSection() {}

  /** Null without {@code server.database}: the embedded store of the data directory. */
  static DatabaseSettings read(
      String file, String url, String user, String password, String passwordFile)
      throws ConfigException {
    if (url == null || url.isBlank()) {
      if (user != null || password != null || passwordFile != null) {
        throw new ConfigException(
            file
                + ": server.database-user/-password/-password-file are set but server.database"
                + " is not; add server.database: postgresql://HOST:PORT/DATABASE or remove them");
      }
      return null;
    }
    if (user == null || user.isBlank()) {
      throw new ConfigException(
          file
              + ": server.database-user is required with server.database;"
              + " set it to ${GANTRY_DB_USER} and export that variable");
    }
    if (password != null && passwordFile != null) {
      throw new ConfigException(
          file
              + ": server.database-password and server.database-password-file are both set;"
              + " keep one");
    }
    String secret = password;
    if (passwordFile != null) {
      try {
        secret = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException(
            file
                + ": server.database-password-file "
                + passwordFile
                + " cannot be read ("
                + e.getClass().getSimpleName()
                + "); give a readable file holding the password");
      }
      secret = secret.endsWith("\r\n") ? secret.substring(0, secret.length() - 2) : secret;
      secret = secret.endsWith("\n") ? secret.substring(0, secret.length() - 1) : secret;
    }
    try {
      return DatabaseSettings.of(url, user, secret == null ? "" : secret);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + ": server.database " + e.getMessage());
    }
  }
}
