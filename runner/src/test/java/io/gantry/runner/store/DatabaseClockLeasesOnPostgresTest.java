package io.gantry.runner.store;

/**
 * Every test of {@link DatabaseClockLeasesTest}, on PostgreSQL (a database of its own per test).
 */
class DatabaseClockLeasesOnPostgresTest extends DatabaseClockLeasesTest {

  @Override
  RunStore openStore() {
    return PostgresStores.open(PostgresStores.newDatabase());
  }
}
