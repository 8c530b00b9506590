-- A rerun of failed jobs only: the jobs that passed in the attempt it repeats (rerun_of) are not
-- run again; their results and outputs are carried over.
ALTER TABLE runs ADD COLUMN failed_only BOOLEAN DEFAULT FALSE NOT NULL;
