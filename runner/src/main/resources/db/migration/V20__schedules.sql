-- Schedules (issue 15): one row per tick of a workflow's cron line that a server has taken, so that
-- two servers sharing the store never fire the same tick twice (the primary key), and a server
-- starting after downtime knows the last tick handled and fires a missed one once.

CREATE TABLE schedule_ticks (
  repository    VARCHAR NOT NULL,
  workflow_file VARCHAR NOT NULL,
  cron          VARCHAR NOT NULL,
  tick          TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  -- false for the row that marks when a server first saw the schedule (nothing fired).
  fired         BOOLEAN NOT NULL,
  run_id        BIGINT REFERENCES runs (id) ON DELETE SET NULL,
  recorded_at   TIMESTAMP(3) WITH TIME ZONE NOT NULL,
  CONSTRAINT schedule_ticks_key PRIMARY KEY (repository, workflow_file, cron, tick)
);
