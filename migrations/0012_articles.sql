-- Articles: the pages comments belong to, with their title and address, per site.
-- Comments name their article by the same key (comments.article); a comment may
-- arrive for an article that has no row here yet.
CREATE TABLE articles (
    site         text        NOT NULL DEFAULT 'default',
    article      text        NOT NULL,            -- the key comments carry
    title        text,
    url          text,
    published_at timestamptz,                     -- when the page appeared, if known
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, article)
);

-- Comments brought in from another system (a WordPress or Disqus export), by their
-- id there, so importing the same export twice adds nothing. The row outlives its
-- comment (purged by retention, erased on request), so a later import of the same
-- file does not bring an erased comment back.
CREATE TABLE comment_imports (
    site        text        NOT NULL DEFAULT 'default',
    origin      text        NOT NULL,             -- 'wordpress:<site address>', 'disqus:<forum>'
    origin_id   text        NOT NULL,             -- the comment's id there
    comment_id  bigint      REFERENCES comments (id) ON DELETE SET NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, origin, origin_id)
);

CREATE INDEX comment_imports_comment ON comment_imports (comment_id) WHERE comment_id IS NOT NULL;
