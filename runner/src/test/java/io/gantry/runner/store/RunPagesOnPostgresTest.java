package io.gantry.runner.store;

/** Every test of {@link RunPagesTest}, on PostgreSQL (a database of its own per test). */
class RunPagesOnPostgresTest extends RunPagesTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }
}
