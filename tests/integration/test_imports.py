"""Importing WordPress and Disqus exports: threads, statuses, labels, once only, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.__main__ import main
from moderation.adopt.imports import read_export, store_export
from moderation.store import imports as import_store

DATA = Path(__file__).parents[1] / "data"
WXR = DATA / "wordpress-export.xml"
DISQUS = DATA / "disqus-export.xml"


async def _import(db, path: Path, fmt: str):
    export = read_export(path, fmt, max_body_bytes=65525)
    return await store_export(db, export, site="default", file=str(path), fmt=fmt)


async def test_a_wordpress_export_becomes_articles_threads_and_labels(db):
    report = await _import(db, WXR, "wxr")
    assert report.comments_added == 8
    assert report.articles_added == 3
    assert dict(report.statuses) == {
        "approved": 5,
        "pending": 1,
        "rejected:spam": 1,
        "rejected:removed": 1,
    }
    assert dict(report.labels) == {"ham": 5, "spam": 1}
    assert sum(report.skipped.values()) == 2

    rows = {
        r["body"][:20]: r
        for r in await db.fetch(
            "SELECT id, parent_id, status, rejection, author_email, decided_by, created_at, body,"
            " host(client_ip) AS ip FROM comments"
        )
    }
    reply = rows["They did, according "]
    parent = rows["Thanks for the write"]
    assert reply["parent_id"] == parent["id"]
    assert parent["author_email"] == "dana@example.org"
    assert parent["ip"] == "203.0.113.7"
    assert parent["created_at"].isoformat() == "2024-05-02T09:15:00+00:00"
    assert parent["decided_by"] == "wordpress"
    article = await db.fetchrow("SELECT * FROM articles WHERE article = 'ransomware-hits-hospital'")
    assert article["site"] == "default"
    assert article["title"] == "Ransomware hits the county hospital"
    labels = await db.fetch("SELECT label, source FROM labels ORDER BY id")
    assert {(r["label"], r["source"]) for r in labels} == {
        ("ham", "wordpress"),
        ("spam", "wordpress"),
    }
    history = await db.fetch("SELECT actor, from_status, to_status, note FROM comment_history")
    assert len(history) == 8
    assert all(h["actor"] == "wordpress" and h["from_status"] is None for h in history)


async def test_imported_threads_are_published_without_emails(client, db):
    await _import(db, WXR, "wxr")
    resp = await client.get("/v1/articles/ransomware-hits-hospital/comments")
    assert resp.status == 200
    text = await resp.text()
    doc = json.loads(text)
    assert [c["name"] for c in doc["items"]] == ["Dana Whitfield"]
    assert [r["name"] for r in doc["items"][0]["replies"]] == ["Mara Quinn"]
    assert "@" not in text  # no email, and no spam, pending or removed comment
    assert "pharma" not in text and "operation was moved" not in text


async def test_importing_the_same_file_twice_adds_nothing(db):
    await _import(db, WXR, "wxr")
    counts = [
        await db.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("comments", "labels", "articles", "comment_history")
    ]
    again = await _import(db, WXR, "wxr")
    assert again.comments_added == 0 and again.already_imported == 8 and again.articles_added == 0
    assert [
        await db.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("comments", "labels", "articles", "comment_history")
    ] == counts


async def test_a_later_export_adds_only_new_comments_and_finds_their_parents(db, tmp_path):
    text = WXR.read_text(encoding="utf-8")
    start = text.index("\t\t<wp:comment>\n\t\t\t<wp:comment_id>502")
    end = text.index("</wp:comment>", start) + len("</wp:comment>")
    (tmp_path / "early.xml").write_text(text[:start] + text[end:], encoding="utf-8")
    first = await _import(db, tmp_path / "early.xml", "wxr")
    assert first.comments_added == 7
    later = await _import(db, WXR, "wxr")
    assert later.comments_added == 1 and later.already_imported == 7
    parent = await db.fetchval("SELECT parent_id FROM comments WHERE body LIKE 'They did%'")
    assert parent == await db.fetchval("SELECT id FROM comments WHERE body LIKE 'Thanks for%'")


async def test_an_erased_comment_is_not_brought_back_by_a_second_import(db):
    await _import(db, WXR, "wxr")
    await db.execute("DELETE FROM comments WHERE author_email = 'dana@example.org'")
    again = await _import(db, WXR, "wxr")
    assert again.comments_added == 0
    assert (
        await db.fetchval("SELECT count(*) FROM comments WHERE author_email = 'dana@example.org'")
        == 0
    )


async def test_a_disqus_export_is_imported_with_its_threads(db):
    report = await _import(db, DISQUS, "disqus")
    assert report.comments_added == 6
    assert dict(report.labels) == {"ham": 3, "spam": 1}
    assert report.skipped == {"its thread is not in the export": 1}
    row = await db.fetchrow("SELECT * FROM comments WHERE body LIKE 'It does%'")
    assert row["status"] == "pending"
    assert row["parent_id"] == await db.fetchval(
        "SELECT id FROM comments WHERE body LIKE 'Will the 07:10%'"
    )
    assert await db.fetchval("SELECT count(*) FROM labels WHERE source = 'disqus'") == 4


async def test_a_failure_while_writing_leaves_nothing_behind(db, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_store, "copy_labels", broken)
    with pytest.raises(RuntimeError):
        await _import(db, WXR, "wxr")
    for table in ("comments", "articles", "labels", "comment_imports", "comment_history"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0, table


def _env(monkeypatch, database_url, data_dir):
    monkeypatch.setenv("MODERATION_DATABASE_URL", database_url)
    monkeypatch.setenv("MODERATION_DATA_DIR", str(data_dir))


async def test_the_command_reports_counts_and_a_malformed_file_imports_nothing(
    db, database_url, data_dir, monkeypatch, tmp_path, capsys
):
    _env(monkeypatch, database_url, data_dir)
    broken = WXR.read_text(encoding="utf-8").replace(
        "</wp:comment_parent>\n\t\t\t<wp:comment_user_id>1",
        "</wp:comment_parent>\n\t\t\t<wp:comment_user_id>1</wp:comment_user>",
        1,
    )
    (tmp_path / "broken.xml").write_text(broken, encoding="utf-8")
    line = broken[: broken.index("</wp:comment_user>")].count("\n") + 1

    code = await _in_thread(
        main, ["import-comments", "--format", "wxr", str(tmp_path / "broken.xml")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"line {line}" in err and "nothing was imported" in err
    assert await db.fetchval("SELECT count(*) FROM comments") == 0

    code = await _in_thread(main, ["import-comments", "--format", "wxr", str(WXR)])
    out, err = capsys.readouterr()
    assert code == 0
    report = json.loads(out)
    assert report["comments"]["added"] == 8
    assert report["skipped"]["by_reason"] == {
        "a pingback, not a reader's comment": 1,
        "empty body": 1,
    }
    assert "reading wordpress-export.xml [" in err and "comments (" in err
    assert "skipped 2" in err


async def test_an_unknown_site_is_refused_clearly(db, database_url, data_dir, monkeypatch, capsys):
    _env(monkeypatch, database_url, data_dir)
    code = await _in_thread(
        main, ["import-comments", "--format", "disqus", str(DISQUS), "--site", "blog2"]
    )
    assert code == 2
    assert "unknown site 'blog2'" in capsys.readouterr().err
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def _in_thread(fn, argv):
    """The CLI runs its own event loop; keep it off the test's."""
    import asyncio

    return await asyncio.to_thread(fn, argv)


async def test_replies_written_in_small_batches_still_find_parents_that_come_later(db, monkeypatch):
    # Comment 521 replies to 520, whose (local-time) date is later: ids follow time,
    # writing follows the thread.
    monkeypatch.setattr(import_store, "BATCH", 2)
    report = await _import(db, WXR, "wxr")
    assert report.comments_added == 8
    reply = await db.fetchrow("SELECT id, parent_id FROM comments WHERE body LIKE 'It does%'")
    parent_id = await db.fetchval("SELECT id FROM comments WHERE body LIKE 'Will the 07:10%'")
    assert reply["parent_id"] == parent_id and reply["id"] < parent_id


async def test_an_id_that_appears_twice_is_imported_once_and_reported(db, tmp_path):
    text = DISQUS.read_text(encoding="utf-8")
    start = text.index('  <post dsq:id="4410003">')
    end = text.index("</post>", start) + len("</post>\n")
    twice = text[:end] + text[start:end] + text[end:]
    (tmp_path / "twice.xml").write_text(twice, encoding="utf-8")
    report = await _import(db, tmp_path / "twice.xml", "disqus")
    assert report.comments_added == 6
    assert report.skipped["appears twice in the file"] == 1


async def test_replies_in_a_circle_stop_the_import_and_add_nothing(db, tmp_path):
    from moderation.adopt.records import ExportError

    text = DISQUS.read_text(encoding="utf-8")
    looped = text.replace(
        '<thread dsq:id="7712001" />\n  </post>\n  <post dsq:id="4410002">',
        '<thread dsq:id="7712001" />\n    <parent dsq:id="4410002" />\n  </post>\n  <post dsq:id="4410002">',
    )
    assert looped != text
    (tmp_path / "loop.xml").write_text(looped, encoding="utf-8")
    with pytest.raises(ExportError, match="circle"):
        await _import(db, tmp_path / "loop.xml", "disqus")
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_threads_from_the_wordpress_disqus_plugin_take_new_comments(client, db, payload):
    # The plugin's identifier "812 https://…/?p=812" has a space, which the API refuses:
    # the import keys the thread by its address's path (else the post ID) and says so.
    report = await _import(db, DATA / "disqus-wordpress-plugin.xml", "disqus")
    assert report.comments_added == 3
    rekeyed = report.as_dict()["articles"]["rekeyed"]
    assert rekeyed["total"] == 2
    assert [(r["exported"], r["article"]) for r in rekeyed["examples"]] == [
        ("812 https://quayside.example.com/?p=812", "harbour-wall-repairs"),
        ("815 https://quayside.example.com/?p=815", "815"),
    ]
    assert {r["article"] for r in await db.fetch("SELECT article FROM articles")} == {
        "harbour-wall-repairs",
        "815",
    }
    for article in ("harbour-wall-repairs", "815"):
        resp = await client.post("/v1/comments", json=payload(article=article))
        assert resp.status in (201, 202), await resp.text()
        new = (await resp.json())["id"]
        row = await db.fetchrow("SELECT article FROM comments WHERE id = $1", new)
        assert row["article"] == article
        assert await db.fetchval("SELECT count(*) FROM comments WHERE article = $1", article) == (
            3 if article == "harbour-wall-repairs" else 2
        )
