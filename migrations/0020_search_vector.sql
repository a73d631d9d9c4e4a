-- Search (GET /v1/comments) reads the words of each comment from a stored tsvector
-- instead of parsing its text again: the expression index of 0015 found candidates,
-- but every row the plan walked (newest first, or a phrase's re-check) was parsed
-- anew. The column is generated, so every writer fills it without knowing of it.
--
-- On a big table this is one rewrite under an exclusive lock (about a minute per
-- million comments on a busy 2-core machine: see bench/README.md). The old index
-- goes first so the rewrite does not rebuild it, and the GIN build gets more memory.
SET LOCAL maintenance_work_mem = '256MB';

DROP INDEX comments_search;

ALTER TABLE comments ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', author_name || ' ' || body)) STORED;

CREATE INDEX comments_search ON comments USING gin (search_vector);
