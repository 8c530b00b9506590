package io.gantry.runner.store;

import java.sql.Connection;
import java.sql.SQLException;

/** A migrated database the store's parts share: pooled connections and the dialect they speak. */
interface Database extends AutoCloseable {

  /** A connection of the pool; the caller closes it (returning it to the pool). */
  Connection connection() throws SQLException;

  Dialect dialect();

  /** Where the database is, for messages (never with a password). */
  String describe();

  @Override
  void close();
}
