package io.gantry.runner.store;

/** Every test of {@link JobQueueTest}, on PostgreSQL (a database of its own per test). */
class JobQueueOnPostgresTest extends JobQueueTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }
}
