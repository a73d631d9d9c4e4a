-- Article pages from a cache (issue 19): the database itself says when a page changed.
--
-- Triggers on comments, statement-level with transition tables, so a batch of a hundred
-- comments costs one trigger call: in the same transaction as the change, whichever
-- code made it (a submission, a moderator, a re-score, an erasure, the retention purge,
-- an import), they
--   * keep `article_counts.approved` up to date, so a page never counts its comments;
--   * NOTIFY `moderation_pages` with the article, delivered at commit to every instance
--     (ops/pages.py), which drops its cached pages of that article. An empty payload
--     (a TRUNCATE, or an article name too long for a payload) means every article.
-- Only changes a reader can see notify: a row that is or was approved, and of those
-- only when a shown column changed (a claim or an address reduction does not).

CREATE TABLE article_counts (
    article  text   PRIMARY KEY,
    approved bigint NOT NULL DEFAULT 0
);

INSERT INTO article_counts (article, approved)
SELECT article, count(*) FROM comments WHERE status = 'approved' GROUP BY article;

-- Counts move by (article, delta); rows are locked in article order, so two batches
-- touching the same articles wait for each other instead of deadlocking.
CREATE FUNCTION pages_changed(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO article_counts AS a (article, approved)
    SELECT d.key, d.value::bigint
    FROM jsonb_each_text(deltas) AS d
    WHERE d.value::bigint <> 0
    ORDER BY d.key
    ON CONFLICT (article) DO UPDATE SET approved = a.approved + excluded.approved;
    PERFORM pg_notify('moderation_pages',
                      CASE WHEN octet_length(d.key) < 4000 THEN d.key ELSE '' END)
    FROM jsonb_each_text(deltas) AS d;
END
$$;

CREATE FUNCTION comments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    SELECT jsonb_object_agg(article, n) INTO deltas
    FROM (SELECT article, count(*) AS n FROM new_rows
          WHERE status = 'approved' GROUP BY article) s;
    IF deltas IS NOT NULL THEN
        PERFORM pages_changed(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION comments_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    WITH changed AS (
        SELECT o.article AS old_article, n.article AS new_article,
               o.status = 'approved' AS was, n.status = 'approved' AS is_now
        FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status = 'approved' OR n.status = 'approved')
          AND (o.status, o.article, o.parent_id, o.author_name, o.author_url, o.body,
               o.created_at)
              IS DISTINCT FROM
              (n.status, n.article, n.parent_id, n.author_name, n.author_url, n.body,
               n.created_at)
    ), moves AS (
        SELECT old_article AS article, -was::int AS delta FROM changed
        UNION ALL
        SELECT new_article, is_now::int FROM changed
    )
    SELECT jsonb_object_agg(article, n) INTO deltas
    FROM (SELECT article, sum(delta) AS n FROM moves GROUP BY article) s;
    IF deltas IS NOT NULL THEN
        PERFORM pages_changed(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION comments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    SELECT jsonb_object_agg(article, -n) INTO deltas
    FROM (SELECT article, count(*) AS n FROM old_rows
          WHERE status = 'approved' GROUP BY article) s;
    IF deltas IS NOT NULL THEN
        PERFORM pages_changed(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION comments_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_counts;
    PERFORM pg_notify('moderation_pages', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_pages_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_inserted();
CREATE TRIGGER comments_pages_update AFTER UPDATE ON comments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_updated();
CREATE TRIGGER comments_pages_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_deleted();
CREATE TRIGGER comments_pages_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION comments_truncated();
