"""Migrations: in order, once, recorded, and safe when instances start together."""

from __future__ import annotations

import asyncio

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
