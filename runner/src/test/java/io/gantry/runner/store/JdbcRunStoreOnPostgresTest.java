package io.gantry.runner.store;

/** Every test of {@link JdbcRunStoreTest}, on PostgreSQL (a database of its own per test). */
class JdbcRunStoreOnPostgresTest extends JdbcRunStoreTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }
}
