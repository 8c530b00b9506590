package io.gantry.runner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Instants in TIMESTAMP(3) WITH TIME ZONE columns. */
final class SqlTimes {

  private SqlTimes() {}

  /**
   * Truncates to the column's millisecond precision here, because the database would round instead,
   * and a reader could then see a time later than the event.
   */
  static Instant toStored(Instant at) {
    return at.truncatedTo(ChronoUnit.MILLIS);
  }

  static void set(PreparedStatement statement, int index, Instant at) throws SQLException {
    if (at == null) {
      statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      statement.setObject(index, OffsetDateTime.ofInstant(toStored(at), ZoneOffset.UTC));
    }
  }

  static Instant get(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
