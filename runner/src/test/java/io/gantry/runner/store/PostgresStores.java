package io.gantry.runner.store;

import io.gantry.runner.testing.TestPostgres;

/**
 * The store tests' PostgreSQL side: each test class that runs on H2 has a subclass that opens its
 * stores here instead, on a database of its own on the JVM's {@link TestPostgres} server, so the
 * same tests run on both databases.
 */
final class PostgresStores {

  private PostgresStores() {}

  /** A fresh database's URL ({@code postgresql://127.0.0.1:PORT/NAME}). */
  static String newDatabase() {
    TestPostgres server = TestPostgres.shared();
    return server.url(server.newDatabase());
  }

  /** A store on the database at {@code url} of the test server. */
  static RunStore open(String url) {
    TestPostgres server = TestPostgres.shared();
    return Stores.openPostgres(DatabaseSettings.of(url, server.user(), server.password()));
  }

  /**
   * Opens {@code location}: a {@code postgresql://} URL of the test server (with the credentials
   * from the environment when called in a process of its own, see {@link StoreProcess}), else an
   * embedded store's data directory.
   */
  static RunStore openLocation(String location) {
    if (!location.startsWith("postgresql://")) {
      return Stores.openEmbedded(java.nio.file.Path.of(location));
    }
    String user = System.getenv("GANTRY_TEST_DB_USER");
    if (user == null) {
      return open(location);
    }
    return Stores.openPostgres(
        DatabaseSettings.of(location, user, System.getenv("GANTRY_TEST_DB_PASSWORD")));
  }
}
