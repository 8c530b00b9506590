package io.gantry.runner.store;

/** Every test of {@link AgentsTest}, on PostgreSQL (a database of its own per test). */
class AgentsOnPostgresTest extends AgentsTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }
}
