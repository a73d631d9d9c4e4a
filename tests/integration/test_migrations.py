"""Migrations: in order, once, recorded, and safe when instances start together."""

from __future__ import annotations

import asyncio
import json

import asyncpg

from moderation.store import migrations


async def test_migrations_apply_once_even_when_run_twice(fresh_database):
    url = fresh_database("mig_twice")
    conn = await asyncpg.connect(url)
    try:
        first = await migrations.migrate(conn)
        second = await migrations.migrate(conn)
        assert first == [m.name for m in migrations.load_migrations()]
        assert second == []
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m.version for m in migrations.load_migrations()]
        assert await migrations.pending(conn) == []
    finally:
        await conn.close()


async def test_concurrent_migrations_apply_each_file_exactly_once(fresh_database):
    url = fresh_database("mig_concurrent")
    conns = [await asyncpg.connect(url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrations.migrate(c) for c in conns))
        applied = [name for result in results for name in result]
        assert sorted(applied) == sorted(m.name for m in migrations.load_migrations())
        count = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(migrations.load_migrations())
    finally:
        for c in conns:
            await c.close()


async def test_a_failing_migration_rolls_back_and_is_not_recorded(fresh_database, tmp_path):
    url = fresh_database("mig_fail")
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE one (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE two (id int); SELECT * FROM nowhere;")
    conn = await asyncpg.connect(url)
    try:
        try:
            await migrations.migrate(conn, tmp_path)
        except asyncpg.UndefinedTableError:
            pass
        else:
            raise AssertionError("the broken migration should have raised")
        assert await conn.fetchval("SELECT to_regclass('one') IS NOT NULL")
        assert not await conn.fetchval("SELECT to_regclass('two') IS NOT NULL")
        versions = await conn.fetch("SELECT version FROM schema_migrations")
        assert [r["version"] for r in versions] == [1]
    finally:
        await conn.close()


async def test_a_badly_named_migration_file_is_refused(tmp_path):
    (tmp_path / "init.sql").write_text("SELECT 1;")
    try:
        migrations.load_migrations(tmp_path)
    except ValueError as exc:
        assert "NNNN_name.sql" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


async def test_checks_stored_as_comments_before_0011_move_to_checks(fresh_database, tmp_path):
    """0011: comment-checks stored as comments (with akismet_checks) become checks, with
    their history and labels, and are no longer published."""
    url = fresh_database("mig_checks")
    files = sorted(migrations.migrations_dir().glob("*.sql"))
    for f in files:
        if int(f.name.split("_", 1)[0]) < 11:
            (tmp_path / f.name).write_text(f.read_text())
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn, tmp_path)
        cid = await conn.fetchval(
            """
            INSERT INTO comments (article, author_name, author_email, body, status, client_ip)
            VALUES ('news.example/story', 'Dana', 'dana@example.org', 'Checked', 'approved',
                    '203.0.113.7') RETURNING id
            """
        )
        kept = await conn.fetchval(
            "INSERT INTO comments (article, author_name, author_email, body, status) "
            "VALUES ('story', 'Ana', 'ana@example.org', 'A real comment', 'approved') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO comment_history (comment_id, actor, to_status) VALUES ($1, 'auto', 'approved')",
            cid,
        )
        await conn.execute(
            "INSERT INTO labels (comment_id, label, source, given_by) "
            "VALUES ($1, 'spam', 'akismet', 'news.example')",
            cid,
        )
        guid = await conn.fetchval(
            "INSERT INTO akismet_checks (guid, comment_id, site, fields) VALUES "
            "(gen_random_uuid(), $1, 'news.example', "
            """'{"comment_type": "contact-form", "permalink": "https://news.example/story"}')"""
            " RETURNING guid",
            cid,
        )
        for f in files:
            (tmp_path / f.name).write_text(f.read_text())
        await migrations.migrate(conn, tmp_path)
        check = await conn.fetchrow("SELECT * FROM checks")
        # 0018 puts every check in the default site, keeping the key's old site name.
        assert (check["guid"], check["site"], check["comment_type"]) == (
            guid,
            "default",
            "contact-form",
        )
        assert json.loads(check["fields"])["key_site"] == "news.example"
        assert (check["body"], check["status"], str(check["client_ip"])) == (
            "Checked",
            "approved",
            "203.0.113.7",
        )
        assert await conn.fetchval("SELECT count(*) FROM check_history") == 1
        label = await conn.fetchrow("SELECT * FROM labels")
        assert (label["check_id"], label["comment_id"], label["label"]) == (
            check["id"],
            None,
            "spam",
        )
        assert [r["id"] for r in await conn.fetch("SELECT id FROM comments")] == [kept]
        assert not await conn.fetchval("SELECT to_regclass('akismet_checks') IS NOT NULL")
    finally:
        await conn.close()
