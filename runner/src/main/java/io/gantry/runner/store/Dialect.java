package io.gantry.runner.store;

import java.sql.SQLException;
import java.util.Set;
import org.h2.api.ErrorCode;

/**
 * What differs between the two databases the store runs on. The SQL itself is the same (the
 * migrations and every statement stay within what both accept); only errors are told apart
 * differently — H2 by its error codes, PostgreSQL by SQLSTATE — and only H2 needs asking to force
 * its commits to the disk.
 */
enum Dialect {
  H2 {
    /**
     * Conflicts between concurrent transactions (creators of the first run of a workflow racing to
     * insert its counter, lock waits), and the database going away when the process serving it to
     * the others (H2's AUTO_SERVER) exits, after which H2 reconnects to whichever process serves it
     * next. A connection lost while committing can in principle make a retried insert happen twice.
     */
    private static final Set<Integer> RETRYABLE =
        Set.of(
            ErrorCode.DUPLICATE_KEY_1,
            ErrorCode.DEADLOCK_1,
            ErrorCode.LOCK_TIMEOUT_1,
            ErrorCode.CONCURRENT_UPDATE_1,
            ErrorCode.DATABASE_CALLED_AT_SHUTDOWN,
            ErrorCode.DATABASE_IS_CLOSED,
            ErrorCode.CONNECTION_BROKEN_1,
            ErrorCode.OBJECT_CLOSED,
            ErrorCode.ERROR_OPENING_DATABASE_1,
            ErrorCode.DATABASE_ALREADY_OPEN_1);

    @Override
    boolean retryable(SQLException e) {
      return RETRYABLE.contains(e.getErrorCode()) || closedUnderUs(e);
    }

    @Override
    boolean duplicateKey(SQLException e) {
      return e.getErrorCode() == ErrorCode.DUPLICATE_KEY_1;
    }

    @Override
    boolean parentMissing(SQLException e) {
      return e.getErrorCode() == ErrorCode.REFERENTIAL_INTEGRITY_VIOLATED_PARENT_MISSING_1;
    }

    @Override
    String nowPlusMillis() {
      return "DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)";
    }

    @Override
    String syncStatement() {
      // H2 writes each commit to the file but leaves it in the OS cache; CHECKPOINT SYNC commits
      // and then forces the file (FileChannel.force) to the disk.
      return "CHECKPOINT SYNC";
    }
  },

  POSTGRESQL {
    /**
     * unique_violation (a racing insert: the transaction tried again finds the row),
     * serialization_failure, deadlock_detected, lock_not_available, and the connection exceptions
     * (class 08) and shutdowns (57P01–57P03) of a server restarting or failing over.
     */
    private static final Set<String> RETRYABLE =
        Set.of("23505", "40001", "40P01", "55P03", "57P01", "57P02", "57P03");

    @Override
    boolean retryable(SQLException e) {
      String state = e.getSQLState();
      return state != null && (RETRYABLE.contains(state) || state.startsWith("08"));
    }

    @Override
    boolean duplicateKey(SQLException e) {
      return "23505".equals(e.getSQLState());
    }

    @Override
    boolean parentMissing(SQLException e) {
      return "23503".equals(e.getSQLState());
    }

    @Override
    String nowPlusMillis() {
      return "(CURRENT_TIMESTAMP + CAST(? AS DOUBLE PRECISION) * INTERVAL '1 millisecond')";
    }

    @Override
    String syncStatement() {
      // A PostgreSQL commit is on the disk (synchronous_commit) when it returns.
      return null;
    }
  };

  /** Whether trying the whole transaction again may succeed. */
  abstract boolean retryable(SQLException e);

  abstract boolean duplicateKey(SQLException e);

  /** A foreign key naming a row that does not exist. */
  abstract boolean parentMissing(SQLException e);

  /**
   * An expression for the database's own clock plus a number of milliseconds bound to its one
   * parameter: when leases expire. Leases are set and compared on the database's clock ({@code
   * CURRENT_TIMESTAMP}, the time its transaction started), never on the clocks of the servers that
   * share it, so a server whose clock runs ahead cannot take a lease that is still held.
   */
  abstract String nowPlusMillis();

  /** The statement that forces committed transactions to the disk, or null when commits are. */
  abstract String syncStatement();

  /**
   * The serving process closed the database while this one's transaction ran through it (H2's
   * AUTO_SERVER hand-over): the transaction is gone and nothing of it was committed, so it is tried
   * again on a new connection to whoever serves the database next.
   */
  private static boolean closedUnderUs(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return e.getErrorCode() == ErrorCode.GENERAL_ERROR_1
        && message.contains("MVStoreException")
        && message.contains(" is closed");
  }
}
