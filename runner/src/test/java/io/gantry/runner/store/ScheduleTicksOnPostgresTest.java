package io.gantry.runner.store;

/** Every test of {@link ScheduleTicksTest}, on PostgreSQL (a database of its own per test). */
class ScheduleTicksOnPostgresTest extends ScheduleTicksTest {

  private String url;

  @Override
  RunStore openStore() {
    if (url == null) {
      url = PostgresStores.newDatabase();
    }
    return PostgresStores.open(url);
  }
}
