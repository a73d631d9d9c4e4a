-- Several sites in one service (issue 13). A site has a short id, a name, the origins
-- its pages are served from, and settings that override the installation's. Every
-- existing row belongs to `default`, so a single-site installation changes nothing.
--
-- The site leads the key of every large table and of its indexes, so each can later be
-- partitioned by site (README, "Several sites"): comments and the tables that hang off
-- them name their comment by (site, comment_id). Adding a column with a constant
-- default rewrites nothing; the cost of this migration is rebuilding the indexes.
SET LOCAL maintenance_work_mem = '256MB';

CREATE TABLE sites (
    id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- where the site's pages live (scheme://host[:port]): CORS, redirect_to, frame-ancestors
    origins    text[]      NOT NULL DEFAULT '{}',
    -- per-site values over the installation's (settings.py), e.g. {"blocked_words": [...]}
    settings   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sites (id, name) VALUES ('default', 'Default');

-- Every foreign key on comments (id) goes; they come back as (site, comment_id) below.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
             WHERE contype = 'f' AND confrelid = 'comments'::regclass LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
END
$$;

-- comments -----------------------------------------------------------------------------
ALTER TABLE comments ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE comments DROP CONSTRAINT comments_pkey;
ALTER TABLE comments ADD PRIMARY KEY (site, id);
-- An id alone (an all-sites admin following a link) still finds its row.
CREATE INDEX comments_id ON comments (id);

DROP INDEX comments_article_approved, comments_pending, comments_parent, comments_email,
    comments_pending_uncertain, comments_pending_article, comments_pending_claims,
    comments_updated, comments_client_ip, comments_article;
CREATE INDEX comments_article_approved ON comments (site, article, id) WHERE status = 'approved';
CREATE INDEX comments_pending ON comments (site, created_at, id) INCLUDE (spam_score)
    WHERE status = 'pending';
CREATE INDEX comments_parent ON comments (site, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_email ON comments (site, lower(author_email));
CREATE INDEX comments_pending_uncertain ON comments (site, (coalesce(abs(spam_score - 0.5), 1)), id)
    WHERE status = 'pending';
CREATE INDEX comments_pending_article ON comments (site, article, created_at, id)
    WHERE status = 'pending';
CREATE INDEX comments_pending_claims ON comments (site, claimed_by, created_at, id)
    WHERE status = 'pending' AND claimed_by IS NOT NULL;
CREATE INDEX comments_updated ON comments (site, updated_at);
CREATE INDEX comments_client_ip ON comments (site, client_ip) WHERE client_ip IS NOT NULL;
CREATE INDEX comments_article ON comments (site, article, id);
-- comments_search (GIN over the words) stays as it is: search ANDs it with the site.

-- The site must exist; a reply's parent is on the same site.
ALTER TABLE comments ADD CONSTRAINT comments_site_fkey FOREIGN KEY (site) REFERENCES sites (id);
ALTER TABLE comments ADD CONSTRAINT comments_parent_fkey FOREIGN KEY (site, parent_id)
    REFERENCES comments (site, id) ON DELETE SET NULL (parent_id);

-- comment_history ----------------------------------------------------------------------
ALTER TABLE comment_history ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE comment_history DROP CONSTRAINT comment_history_pkey;
ALTER TABLE comment_history ADD PRIMARY KEY (site, id);
DROP INDEX comment_history_comment, comment_history_at;
CREATE INDEX comment_history_comment ON comment_history (site, comment_id, id);
CREATE INDEX comment_history_at ON comment_history (site, at);
ALTER TABLE comment_history ADD CONSTRAINT comment_history_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE CASCADE;

-- labels: per site, so each site trains from its own ------------------------------------
ALTER TABLE labels ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE labels DROP CONSTRAINT labels_pkey;
ALTER TABLE labels ADD PRIMARY KEY (site, id);
DROP INDEX labels_comment, labels_content, labels_by_check;
CREATE UNIQUE INDEX labels_comment ON labels (site, comment_id) WHERE comment_id IS NOT NULL;
CREATE UNIQUE INDEX labels_content ON labels (site, content_hash) WHERE content_hash IS NOT NULL;
CREATE UNIQUE INDEX labels_by_check ON labels (site, check_id) WHERE check_id IS NOT NULL;
ALTER TABLE labels ADD CONSTRAINT labels_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE CASCADE;

-- audits -------------------------------------------------------------------------------
ALTER TABLE audits ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE audits DROP CONSTRAINT audits_pkey;
ALTER TABLE audits ADD PRIMARY KEY (site, comment_id);
DROP INDEX audits_open, audits_resolved;
CREATE INDEX audits_open ON audits (site, created_at, comment_id) WHERE verdict IS NULL;
CREATE INDEX audits_resolved ON audits (site, model_version, auto_status, resolved_at)
    WHERE verdict IS NOT NULL;
ALTER TABLE audits ADD CONSTRAINT audits_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE CASCADE;

-- notes, flags, imports ----------------------------------------------------------------
ALTER TABLE comment_notes ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE comment_notes DROP CONSTRAINT comment_notes_pkey;
ALTER TABLE comment_notes ADD PRIMARY KEY (site, id);
DROP INDEX comment_notes_comment;
CREATE INDEX comment_notes_comment ON comment_notes (site, comment_id, id);
ALTER TABLE comment_notes ADD CONSTRAINT comment_notes_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE CASCADE;

ALTER TABLE comment_flags ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE comment_flags DROP CONSTRAINT comment_flags_pkey;
ALTER TABLE comment_flags ADD PRIMARY KEY (site, id);
ALTER TABLE comment_flags DROP CONSTRAINT comment_flags_comment_id_reader_key;
ALTER TABLE comment_flags ADD UNIQUE (site, comment_id, reader);
ALTER TABLE comment_flags ADD CONSTRAINT comment_flags_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE CASCADE;

DROP INDEX comment_imports_comment;
CREATE INDEX comment_imports_comment ON comment_imports (site, comment_id)
    WHERE comment_id IS NOT NULL;
ALTER TABLE comment_imports ADD CONSTRAINT comment_imports_comment_fkey
    FOREIGN KEY (site, comment_id) REFERENCES comments (site, id) ON DELETE SET NULL (comment_id);

-- tokens: one site, or every site (NULL) -------------------------------------------------
ALTER TABLE tokens ADD COLUMN site text REFERENCES sites (id);
-- Existing site keys stood for a site named after the token (checks.site): they become
-- keys of `default`, and their checks follow, keeping the old name in the check's fields.
UPDATE tokens SET site = 'default' WHERE role = 'site';
UPDATE checks SET fields = fields || jsonb_build_object('key_site', site), site = 'default'
WHERE site <> 'default';
ALTER TABLE checks ADD CONSTRAINT checks_site_fkey FOREIGN KEY (site) REFERENCES sites (id);
ALTER TABLE articles ADD CONSTRAINT articles_site_fkey FOREIGN KEY (site) REFERENCES sites (id);

-- models: each site its own active model; the installation's is default's ---------------
ALTER TABLE models ADD COLUMN site text NOT NULL DEFAULT 'default' REFERENCES sites (id);
DROP INDEX models_one_active;
CREATE UNIQUE INDEX models_one_active ON models (site) WHERE state = 'active';
ALTER TABLE model_activations ADD COLUMN site text NOT NULL DEFAULT 'default';
CREATE INDEX model_activations_site ON model_activations (site, id);
-- One job at a time for the whole service (training is CPU-bound), whichever site.
ALTER TABLE training_jobs ADD COLUMN site text NOT NULL DEFAULT 'default';

-- webhooks, sessions ---------------------------------------------------------------------
ALTER TABLE webhook_deliveries ADD COLUMN site text NOT NULL DEFAULT 'default';
-- The site the desk shows; a session of an all-sites token may switch it.
ALTER TABLE sessions ADD COLUMN site text NOT NULL DEFAULT 'default';

-- run-time rules: one row per site ---------------------------------------------------------
ALTER TABLE site_rules ADD COLUMN site text NOT NULL DEFAULT 'default' REFERENCES sites (id);
ALTER TABLE site_rules DROP CONSTRAINT site_rules_pkey;
ALTER TABLE site_rules DROP COLUMN id;
ALTER TABLE site_rules ADD PRIMARY KEY (site);
ALTER TABLE site_rule_changes ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE site_rule_changes DROP CONSTRAINT site_rule_changes_pkey;
ALTER TABLE site_rule_changes ADD PRIMARY KEY (site, version);

-- article pages: counts and notices by (site, article) -----------------------------------
-- The NOTIFY payload is `site/article` (a site id has no '/'); '' still means every page.
ALTER TABLE article_counts ADD COLUMN site text NOT NULL DEFAULT 'default';
ALTER TABLE article_counts DROP CONSTRAINT article_counts_pkey;
ALTER TABLE article_counts ADD PRIMARY KEY (site, article);

-- Deltas arrive as {"site/article": n}; rows are locked in key order, as before.
CREATE OR REPLACE FUNCTION pages_changed(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO article_counts AS a (site, article, approved)
    SELECT split_part(d.key, '/', 1), substr(d.key, strpos(d.key, '/') + 1), d.value::bigint
    FROM jsonb_each_text(deltas) AS d
    WHERE d.value::bigint <> 0
    ORDER BY d.key
    ON CONFLICT (site, article) DO UPDATE SET approved = a.approved + excluded.approved;
    PERFORM pg_notify('moderation_pages',
                      CASE WHEN octet_length(d.key) < 4000 THEN d.key ELSE '' END)
    FROM jsonb_each_text(deltas) AS d;
END
$$;

CREATE OR REPLACE FUNCTION comments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    SELECT jsonb_object_agg(site || '/' || article, n) INTO deltas
    FROM (SELECT site, article, count(*) AS n FROM new_rows
          WHERE status = 'approved' GROUP BY site, article) s;
    IF deltas IS NOT NULL THEN
        PERFORM pages_changed(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION comments_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    WITH changed AS (
        SELECT o.site || '/' || o.article AS old_article,
               n.site || '/' || n.article AS new_article,
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

CREATE OR REPLACE FUNCTION comments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    SELECT jsonb_object_agg(site || '/' || article, -n) INTO deltas
    FROM (SELECT site, article, count(*) AS n FROM old_rows
          WHERE status = 'approved' GROUP BY site, article) s;
    IF deltas IS NOT NULL THEN
        PERFORM pages_changed(deltas);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('moderation_pages',
                      CASE WHEN octet_length(NEW.article) < 4000
                           THEN NEW.site || '/' || NEW.article ELSE '' END);
    RETURN NULL;
END
$$;
