package io.gantry.runner.store;

/** Every test of {@link QueueTest}, on PostgreSQL (a database of its own per test). */
class QueueOnPostgresTest extends QueueTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }

  @Override
  String location() {
    return url;
  }
}
