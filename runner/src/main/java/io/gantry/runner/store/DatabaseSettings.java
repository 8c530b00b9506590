package io.gantry.runner.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a shared PostgreSQL store is: {@code postgresql://HOST[:PORT]/DATABASE[?OPTIONS]} (the
 * options, such as {@code sslmode=verify-full&sslrootcert=/path/ca.pem}, are handed to the
 * PostgreSQL JDBC driver as they are), and the user and password to log in with. The password never
 * prints itself.
 */
public record DatabaseSettings(String url, String user, String password) {

  public DatabaseSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
  }

  /**
   * Checks {@code url} and keeps it with the credentials.
   *
   * @throws IllegalArgumentException with a one-line message saying what is wrong and the expected
   *     form
   */
  public static DatabaseSettings of(String url, String user, String password) {
    String form = "; expected postgresql://HOST[:PORT]/DATABASE[?OPTIONS]";
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + url + "' is not a URL (" + e.getReason() + ")" + form);
    }
    if (!"postgresql".equals(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("'" + url + "' is not a postgresql:// URL" + form);
    }
    if (uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "'"
              + uri.getScheme()
              + "://…@"
              + uri.getHost()
              + "…' holds credentials: give the user and password as settings of their own"
              + " (from ${ENV} or a file), never in the URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("'" + url + "' names no host" + form);
    }
    String path = uri.getPath();
    if (path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
      throw new IllegalArgumentException("'" + url + "' names no database" + form);
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("a PostgreSQL store needs a user");
    }
    return new DatabaseSettings(url.strip(), user, password == null ? "" : password);
  }

  /** {@code HOST:PORT} of the server (port 5432 when the URL names none), for messages. */
  public String address() {
    URI uri = URI.create(url);
    return uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort());
  }

  /** The JDBC URL of the PostgreSQL driver. */
  String jdbcUrl() {
    return "jdbc:" + url;
  }

  @Override
  public String toString() {
    return "DatabaseSettings[" + url + ", user " + user + ", password ****]";
  }
}
