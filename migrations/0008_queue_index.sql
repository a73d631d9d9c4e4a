-- The queue's total under a score filter, counted from the index alone: without
-- spam_score in the index, a score band fetched every pending row from the table.
CREATE INDEX comments_pending_v2 ON comments (created_at, id) INCLUDE (spam_score)
    WHERE status = 'pending';
DROP INDEX comments_pending;
ALTER INDEX comments_pending_v2 RENAME TO comments_pending;
