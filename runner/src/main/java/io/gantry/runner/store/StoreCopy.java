package io.gantry.runner.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gantry db copy}: every row of an embedded store copied into an empty PostgreSQL store, ids
 * kept (so run URLs and log folders still match), in one transaction on the target: it holds all of
 * it or nothing. The identity sequences then continue after the copied ids.
 */
public final class StoreCopy {

  /** Parents before children, so every foreign key finds its row. */
  private static final List<String> TABLES =
      List.of(
          "run_counters",
          "runs",
          "jobs",
          "steps",
          "deliveries",
          "statuses",
          "deployments",
          "schedule_ticks",
          "agents");

  private static final List<String> WITH_IDS =
      List.of("runs", "jobs", "steps", "statuses", "deployments", "agents");

  private StoreCopy() {}

  /**
   * @return the rows copied, per table, in the order copied
   * @throws StoreException when either store cannot be opened, or the target already holds runs or
   *     deliveries (copying into a store in use would mix two histories), with a one-line message
   */
  public static Map<String, Long> embeddedToPostgres(Path dataDir, DatabaseSettings target) {
    try (EmbeddedDatabase from = EmbeddedDatabase.open(dataDir);
        PostgresDatabase to = PostgresDatabase.open(target)) {
      Jdbc jdbc = new Jdbc(to);
      return jdbc.inTransaction(
          out -> {
            for (String table : List.of("runs", "deliveries")) {
              if (Jdbc.first(out, "SELECT 1 FROM " + table, s -> {}, r -> 1).isPresent()) {
                throw new StoreException(
                    "Cannot copy into "
                        + target.url()
                        + ": its table "
                        + table
                        + " is not empty; copy into a new, empty database",
                    null);
              }
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            try (Connection in = from.connection()) {
              for (String table : TABLES) {
                counts.put(table, copy(in, out, table));
              }
            }
            for (String table : WITH_IDS) {
              try (Statement next = out.createStatement()) {
                next.execute(
                    "SELECT setval(pg_get_serial_sequence('"
                        + table
                        + "', 'id'), COALESCE((SELECT MAX(id) FROM "
                        + table
                        + "), 0) + 1, false)");
              }
            }
            return counts;
          });
    }
  }

  private static long copy(Connection in, Connection out, String table) throws SQLException {
    long rows = 0;
    try (Statement select = in.createStatement();
        ResultSet read =
            select.executeQuery(
                "SELECT * FROM " + table + (WITH_IDS.contains(table) ? " ORDER BY id" : ""))) {
      ResultSetMetaData meta = read.getMetaData();
      int columns = meta.getColumnCount();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= columns; i++) {
        names.add(meta.getColumnName(i).toLowerCase(Locale.ROOT));
      }
      String insert =
          "INSERT INTO "
              + table
              + " ("
              + String.join(", ", names)
              + ") VALUES ("
              + String.join(", ", java.util.Collections.nCopies(columns, "?"))
              + ")";
      try (PreparedStatement write = out.prepareStatement(insert)) {
        while (read.next()) {
          for (int i = 1; i <= columns; i++) {
            int type = meta.getColumnType(i);
            if (type == Types.CLOB || type == Types.NCLOB) {
              write.setString(i, read.getString(i));
            } else {
              write.setObject(i, read.getObject(i));
            }
          }
          write.addBatch();
          if (++rows % 500 == 0) {
            write.executeBatch();
          }
        }
        write.executeBatch();
      }
    }
    return rows;
  }

  /** {@code gantry db migrate}: opens (so migrates) the store and closes it again. */
  public static void migrate(Path dataDir, DatabaseSettings database) {
    Stores.open(dataDir, database).close();
  }
}
