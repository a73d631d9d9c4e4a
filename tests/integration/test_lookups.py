"""Group look-up (moderation/intake/lookups.py): what the database knows about comments
submitted together, in one statement, each the same as its own look-ups give."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from moderation.domain import ArticleState, Comment
from moderation.intake import articles
from moderation.intake.lookups import FactsReader
from moderation.store import comments as comment_store
from moderation.store import migrations
from moderation.store.db import create_pool
from tests.conftest import insert_comment


@pytest.fixture
async def pool(database_url: str, db: asyncpg.Connection) -> Any:
    p = await create_pool(database_url, min_size=1, max_size=4)
    try:
        yield p
    finally:
        await p.close()


def _comment(article: str, email: str, parent_id: int | None = None) -> Comment:
    return Comment(
        article=article, name="Reader", email=email, body="A thought.", parent_id=parent_id
    )


async def test_comments_looked_up_together_share_a_statement_and_each_gets_its_own_facts(
    pool: asyncpg.Pool, db: asyncpg.Connection
) -> None:
    await db.execute(
        "INSERT INTO articles (article, state) VALUES ('shut', 'closed'), ('held', 'premoderated')"
    )
    await db.execute(
        "INSERT INTO articles (article, close_after_days, published_at)"
        " VALUES ('aged', 3, now() - interval '4 days')"
    )
    approved = await insert_comment(
        db, article="story", author_email="Known@Example.org", status="approved"
    )
    rejected = await insert_comment(db, article="story", status="rejected", rejection="spam")
    asked = [
        (_comment("story", "new@example.org"), True),
        (_comment("story", "known@example.org"), True),
        (_comment("story", "known@example.org"), False),  # the author's record not wanted
        (_comment("shut", "a@example.org"), True),
        (_comment("held", "b@example.org"), True),
        (_comment("aged", "c@example.org"), True),
        (_comment("story", "d@example.org", parent_id=approved), True),
        (_comment("story", "d@example.org", parent_id=rejected), True),
        (_comment("elsewhere", "d@example.org", parent_id=approved), True),  # other article
        (_comment("story", "d@example.org", parent_id=2**62), True),
    ] * 3
    reader = FactsReader(pool, tasks=1)
    try:
        known = await asyncio.gather(*(reader.look_up(c, author=a) for c, a in asked))
    finally:
        await reader.close()
    assert reader.batches < len(asked)
    for (c, author), k in zip(asked, known, strict=True):
        assert k.admission == await articles.admission(db, c.site, c.article), c
        parent_status, facts = await comment_store.gather_facts(db, c)
        assert k.parent_status == parent_status, c
        assert k.facts.author_has_approved == (author and facts.author_has_approved), c
    states = [k.admission.state for k in known[:6]]
    assert states == [ArticleState.OPEN] * 3 + [
        ArticleState.CLOSED,
        ArticleState.PREMODERATED,
        ArticleState.CLOSED,
    ]
    assert [k.facts.author_has_approved for k in known[:3]] == [False, True, False]
    assert [k.parent_status for k in known[6:10]] == ["approved", "rejected", None, None]


async def test_a_look_up_fails_with_the_database_and_a_closed_reader_refuses(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    reader = FactsReader(pool, tasks=1)
    await pool.close()
    with pytest.raises(Exception):  # noqa: B017 - whatever the closed pool raises
        await reader.look_up(_comment("story", "a@example.org"), author=True)
    await reader.close()
    with pytest.raises(RuntimeError, match="closed"):
        await reader.look_up(_comment("story", "a@example.org"), author=True)


async def test_the_author_look_up_reads_one_authors_comments_before_any_analyze(
    fresh_database: Any,
) -> None:
    """A new installation has no statistics: the cached (generic) plan of the look-up
    once walked every approved comment of the site for each uncertain submission, so
    each cost more with every comment approved. It must go straight to the author."""
    url = fresh_database("lookup_plan")
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
        await conn.execute(
            """
            INSERT INTO comments (article, author_name, author_email, body, status)
            SELECT 'story-' || (i % 5), 'Reader', 'reader' || i || '@example.org',
                   'A thought.', 'approved'
            FROM generate_series(1, 3000) AS i
            """
        )
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        types = "text[], text[], bigint[], text[], bool[], bool"
        await conn.execute(f"PREPARE known({types}) AS {comment_store._KNOWN}")
        plan = "\n".join(
            r[0]
            for r in await conn.fetch(
                "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE known("
                "'{default}', '{story-1}', '{NULL}', '{nobody@example.org}', '{t}', false)"
            )
        )
    finally:
        await conn.close()
    subplan = plan.partition("SubPlan")[2]
    assert "comments_approved_email" in subplan, plan
    assert "Rows Removed by Filter" not in subplan, plan
