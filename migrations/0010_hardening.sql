-- Hardening (issue 12): one training job at a time per service.

-- Jobs left queued or running by older releases, all but the newest, are closed first.
UPDATE training_jobs
SET state = 'failed', finished_at = now(),
    error = 'closed on upgrade: one training job runs at a time'
WHERE state IN ('queued', 'running')
  AND id <> (SELECT max(id) FROM training_jobs WHERE state IN ('queued', 'running'));

-- At most one job queued or running, whichever instance started it: a second
-- start is refused by the database itself, however many requests arrive at once.
CREATE UNIQUE INDEX training_jobs_one_at_a_time ON training_jobs ((true))
    WHERE state IN ('queued', 'running');
