package io.gantry.runner.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Webhook deliveries over JDBC (table {@code deliveries}), committed in groups and forced to the
 * disk before their callers return.
 */
final class JdbcDeliveries implements Deliveries {

  /** See {@link #gatherDeliveries}: at most this long, checking every step, up to this many. */
  private static final long GATHER_NANOS = 5_000_000;

  private static final long GATHER_STEP_NANOS = 500_000;
  private static final long GATHER_AFTER_COMMIT_NANOS = 5_000_000;
  private static final int MAX_DELIVERY_BATCH = 64;

  /**
   * Deliveries waiting to be committed together, and whether a caller is committing a batch; see
   * {@link #recordDelivery}. Guarded by itself.
   */
  private final List<PendingDelivery> pendingDeliveries = new ArrayList<>();

  private boolean committingDeliveries;

  /** {@link #syncToDisk}: tickets handed out, the last one covered by a finished sync. */
  private final Object syncs = new Object();

  private long syncTickets;
  private long syncedTicket;
  private boolean syncing;

  /** When the last batch of deliveries was committed ({@link System#nanoTime}). */
  private long lastDeliveryCommit = System.nanoTime() - GATHER_AFTER_COMMIT_NANOS - 1;

  private final Jdbc jdbc;

  JdbcDeliveries(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void forgetDelivery(String forge, String deliveryId) {
    Objects.requireNonNull(forge, "forge");
    Objects.requireNonNull(deliveryId, "deliveryId");
    jdbc.inTransaction(
        connection ->
            Jdbc.update(
                connection,
                "DELETE FROM deliveries WHERE forge = ? AND delivery_id = ?",
                s -> {
                  s.setString(1, forge);
                  s.setString(2, deliveryId);
                }));
  }

  /**
   * One sync at a time, and it covers every caller that asked before it began: a caller whose
   * ticket came after the running sync started waits for the next, which one of them runs.
   */
  @Override
  public void syncToDisk() {
    long ticket;
    long covered;
    synchronized (syncs) {
      ticket = ++syncTickets;
      boolean interrupted = false;
      while (syncing && syncedTicket < ticket) {
        try {
          syncs.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (syncedTicket >= ticket) {
        return;
      }
      syncing = true;
      covered = syncTickets;
    }
    boolean synced = false;
    try {
      String sync = jdbc.dialect().syncStatement();
      if (sync != null) {
        jdbc.inTransaction(
            connection -> {
              try (Statement checkpoint = connection.createStatement()) {
                checkpoint.execute(sync);
              }
              return null;
            });
      }
      synced = true;
    } finally {
      synchronized (syncs) {
        syncing = false;
        if (synced) {
          syncedTicket = Math.max(syncedTicket, covered);
        }
        syncs.notifyAll();
      }
    }
  }

  @Override
  public boolean recordDelivery(Delivery delivery) {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(delivery.forge(), "forge");
    Objects.requireNonNull(delivery.deliveryId(), "deliveryId");
    Objects.requireNonNull(delivery.receivedAt(), "receivedAt");
    PendingDelivery mine = new PendingDelivery(delivery);
    // Group commit, leader and followers: a caller that finds no batch being committed commits
    // (and syncs to the disk) every delivery waiting, its own among them; the others wait for
    // their own to be done (not for a lock, so a finished one returns at once) and one of those
    // left over leads the next batch, which holds what arrived during this commit. A burst of
    // webhooks costs a few commits, not one each, and each caller returns only once its row is
    // on the disk.
    List<PendingDelivery> batch;
    synchronized (pendingDeliveries) {
      pendingDeliveries.add(mine);
      boolean interrupted = false;
      while (!mine.done && committingDeliveries) {
        try {
          pendingDeliveries.wait();
        } catch (InterruptedException e) {
          // The row is on its way to the store: the answer must wait for it, not be abandoned.
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (mine.done) {
        return mine.result();
      }
      committingDeliveries = true;
    }
    gatherDeliveries();
    synchronized (pendingDeliveries) {
      batch = new ArrayList<>(pendingDeliveries);
      pendingDeliveries.clear();
    }
    // Until the batch is in, every caller's answer is this failure (an Error escapes below).
    RuntimeException failure =
        new StoreException("Run store failed: the deliveries' commit did not finish", null);
    try {
      insertDeliveries(batch);
      // One sync for the whole batch: each caller's row is on the disk when it returns.
      syncToDisk();
      failure = null;
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      synchronized (pendingDeliveries) {
        for (PendingDelivery pending : batch) {
          pending.failure = failure;
          pending.done = true;
        }
        committingDeliveries = false;
        lastDeliveryCommit = System.nanoTime();
        pendingDeliveries.notifyAll();
      }
    }
    return mine.result();
  }

  /**
   * Lets the deliveries of a burst join the batch about to be committed. Only when the last batch
   * was committed moments ago (deliveries are streaming in): an idle server's lone delivery is
   * committed at once. Every commit rewrites whole B-tree pages, so ten rows cost little more than
   * one; on two cores the callers reach this point one by one, and without the wait batches hold
   * two deliveries on average.
   */
  private void gatherDeliveries() {
    long now = System.nanoTime();
    synchronized (pendingDeliveries) {
      if (now - lastDeliveryCommit > GATHER_AFTER_COMMIT_NANOS) {
        return;
      }
    }
    long deadline = now + GATHER_NANOS;
    while (System.nanoTime() - deadline < 0) {
      synchronized (pendingDeliveries) {
        if (pendingDeliveries.size() >= MAX_DELIVERY_BATCH) {
          return;
        }
      }
      LockSupport.parkNanos(GATHER_STEP_NANOS);
    }
  }

  /** Inserts a batch of deliveries in one transaction; a duplicate id is recorded as such. */
  private void insertDeliveries(List<PendingDelivery> batch) {
    if (jdbc.dialect() == Dialect.POSTGRESQL) {
      insertDeliveriesAtOnce(batch);
      return;
    }
    jdbc.inTransaction(
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO deliveries (forge, delivery_id, repository, event, received_at)"
                      + " VALUES (?, ?, ?, ?, ?)")) {
            for (PendingDelivery pending : batch) {
              Delivery delivery = pending.delivery;
              insert.setString(1, delivery.forge());
              insert.setString(2, delivery.deliveryId());
              insert.setString(3, delivery.repository());
              insert.setString(4, delivery.event());
              SqlTimes.set(insert, 5, delivery.receivedAt());
              // Only this statement fails: the duplicate is the answer, not a conflict. H2 undoes
              // just the failed statement and the transaction goes on, so no savepoint is needed
              // (one cost a parsed SAVEPOINT statement per delivery); PostgreSQL, which would
              // abort the whole transaction, takes insertDeliveriesAtOnce instead.
              try {
                insert.executeUpdate();
                pending.recorded = true;
              } catch (SQLException e) {
                if (!jdbc.dialect().duplicateKey(e)) {
                  throw e;
                }
                pending.recorded = false;
              }
            }
          }
          return null;
        });
  }

  /**
   * PostgreSQL: the whole batch in one statement, one round trip, a duplicate skipped by {@code ON
   * CONFLICT DO NOTHING} rather than failed behind a savepoint (three round trips a row, each to a
   * backend process of its own). The rows inserted come back; a delivery twice in one batch is
   * recorded by the first of its callers only.
   */
  private void insertDeliveriesAtOnce(List<PendingDelivery> batch) {
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO deliveries (forge, delivery_id, repository, event, received_at) VALUES ");
    for (int i = 0; i < batch.size(); i++) {
      sql.append(i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)");
    }
    sql.append(" ON CONFLICT DO NOTHING RETURNING forge, delivery_id");
    List<String> inserted =
        jdbc.inTransaction(
            connection -> {
              List<String> keys = new ArrayList<>();
              try (PreparedStatement insert = connection.prepareStatement(sql.toString())) {
                int index = 1;
                for (PendingDelivery pending : batch) {
                  Delivery delivery = pending.delivery;
                  insert.setString(index++, delivery.forge());
                  insert.setString(index++, delivery.deliveryId());
                  insert.setString(index++, delivery.repository());
                  insert.setString(index++, delivery.event());
                  SqlTimes.set(insert, index++, delivery.receivedAt());
                }
                try (java.sql.ResultSet rows = insert.executeQuery()) {
                  while (rows.next()) {
                    keys.add(rows.getString(1) + "\n" + rows.getString(2));
                  }
                }
              }
              return keys;
            });
    for (PendingDelivery pending : batch) {
      pending.recorded =
          inserted.remove(pending.delivery.forge() + "\n" + pending.delivery.deliveryId());
    }
  }

  /** A delivery waiting for {@link #recordDelivery}'s group commit; guarded by the list. */
  private static final class PendingDelivery {
    final Delivery delivery;
    boolean recorded;
    boolean done;
    RuntimeException failure;

    PendingDelivery(Delivery delivery) {
      this.delivery = delivery;
    }

    boolean result() {
      if (failure != null) {
        throw failure;
      }
      return recorded;
    }
  }
}
