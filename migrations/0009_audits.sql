-- Audits: a sample of automatic decisions that a moderator also looks at, so the
-- realised error of automation is measured rather than assumed.

CREATE TABLE audits (
    comment_id    bigint      PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
    auto_status   text        NOT NULL CHECK (auto_status IN ('approved', 'rejected')),
    outcome       text        NOT NULL,                 -- the policy's outcome, e.g. confident_ham
    model_version text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- confirmed: a moderator left the status; overturned: a moderator changed it
    verdict       text        CHECK (verdict IN ('confirmed', 'overturned')),
    resolved_by   text,
    resolved_at   timestamptz,
    CHECK ((verdict IS NULL) = (resolved_at IS NULL))
);

-- The audit queue, oldest first; and the figures per model and decision.
CREATE INDEX audits_open ON audits (created_at, comment_id) WHERE verdict IS NULL;
CREATE INDEX audits_resolved ON audits (model_version, auto_status, resolved_at)
    WHERE verdict IS NOT NULL;

-- Each time audits showed automation erring more than its target, thresholds
-- tightened one level for that model and decision (classifier/thresholds.tightened).
CREATE TABLE threshold_steps (
    id            bigserial        PRIMARY KEY,
    model_version text             NOT NULL,
    decision      text             NOT NULL CHECK (decision IN ('approved', 'rejected')),
    level         integer          NOT NULL CHECK (level > 0),
    audited       integer          NOT NULL,
    overturned    integer          NOT NULL,
    upper_bound   double precision NOT NULL,
    at            timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (model_version, decision, level)
);
