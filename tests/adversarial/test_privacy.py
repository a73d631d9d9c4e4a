"""Privacy leftovers (issue 12, item 10).

Erasing a reader must leave their email nowhere (moderators' notes; Akismet
checks are covered by tests/integration/test_akismet*.py); logs must not
carry a failing row's email, IP or user agent, nor a traceback per malformed
request; flood and idempotency subjects must be keyed hashes, not a SHA-256
anyone can reverse by hashing every IPv4 address.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import stat
from pathlib import Path
from typing import Any

from moderation.keys import MODEL
from moderation.ops.secret_key import server_key
from moderation.settings import Settings
from moderation.store import abuse as abuse_store
from tests.adversarial.conftest import with_nan_weights
from tests.conftest import insert_comment
from tests.db import reset

EMAIL = "Dana.Private@example.org"
IP = "192.0.2.77"
AGENT = "Mozilla/5.0 (X11; Linux) PrivateAgent/1.0"


async def _comment_with_note(db: Any) -> int:
    cid = await insert_comment(db, author_email=EMAIL, client_ip=IP, user_agent=AGENT)
    other = await insert_comment(db, author_email="someone@example.net")
    for comment_id in (cid, other):
        await db.execute(
            "INSERT INTO comment_history (comment_id, actor, from_status, to_status, note)"
            " VALUES ($1, 'mia', 'pending', 'approved', $2)",
            comment_id,
            f"same person as {EMAIL.upper()}, see earlier thread",
        )
    return cid


async def test_erasing_a_reader_leaves_their_email_in_no_note(
    make_settings, make_app_client, db, make_token
):
    for mode in ("anonymise", "remove"):
        await reset(db, keep_tokens=True)
        client = await make_app_client(make_settings(erase_mode=mode))
        await _comment_with_note(db)
        admin = await make_token("admin")
        resp = await client.delete(f"/v1/admin/commenters/{EMAIL}", headers=admin)
        assert resp.status == 200
        for table in ("comment_history", "comments"):
            rows = await db.fetch(f"SELECT t::text AS row FROM {table} t")
            for r in rows:
                assert EMAIL.lower() not in r["row"].lower(), (mode, table, r["row"])
        notes = await db.fetch("SELECT note FROM comment_history")
        assert notes and all("[erased]" in n["note"] for n in notes)


async def test_a_500_logs_neither_the_failing_rows_email_nor_its_ip_nor_user_agent(
    client, db, small_model, caplog, payload
):
    caplog.set_level(logging.INFO)
    # A model that scores NaN (only in memory: nothing lets one in any more) makes the
    # database refuse the row: the error message carries the whole failing row.
    # It keeps the active model's version: the model watcher, when its LISTEN connection
    # comes up, puts back any model whose version is not the active one.
    live = client.app[MODEL]
    live.swap(with_nan_weights(small_model, live.model.version))
    resp = await client.post(
        "/v1/comments",
        json=payload(email=EMAIL),
        headers={"User-Agent": AGENT, "X-Forwarded-For": IP},
    )
    assert resp.status == 500
    # aiohttp.access is the test server's access log; `moderation serve` turns it off.
    ours = [r for r in caplog.records if r.name != "aiohttp.access"]
    logged = "\n".join(r.getMessage() + str(r.exc_info) + str(r.exc_text) for r in ours)
    assert "unhandled error" in logged
    for secret in (EMAIL, EMAIL.lower(), AGENT):
        assert secret not in logged
    assert "comments_spam_score_check" in logged  # what broke is still said


async def test_a_malformed_request_is_one_quiet_log_line_without_the_address(client, caplog):
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    for _ in range(3):
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nThis is not a header\r\n\r\n")
        await writer.drain()
        answer = await reader.read(1000)
        assert answer.split(b" ", 2)[1] == b"400"
        writer.close()
        await writer.wait_closed()
        reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.close()
    await writer.wait_closed()
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert records
    for r in records:
        assert r.levelno < logging.ERROR, r.getMessage()
        assert r.exc_info is None
        assert "127.0.0.1" not in r.getMessage()


def test_flood_subjects_are_keyed_hashes():
    plain = "ip:" + hashlib.sha256(IP.encode()).hexdigest()
    one = abuse_store.subject(b"k" * 32, "ip", IP)
    assert one != plain
    assert one.startswith("ip:")
    assert one != abuse_store.subject(b"x" * 32, "ip", IP)
    assert one == abuse_store.subject(b"k" * 32, "ip", IP)


async def test_stored_flood_and_idempotency_subjects_are_not_plain_hashes_of_the_address(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(
        make_settings(flood_ip_interval_seconds=15, trusted_proxies=["127.0.0.0/8"])
    )
    resp = await client.post(
        "/v1/comments",
        json=payload(email=EMAIL),
        headers={"X-Forwarded-For": IP, "Idempotency-Key": "k-1"},
    )
    assert resp.status in (201, 202)
    plain = {
        "ip:" + hashlib.sha256(IP.encode()).hexdigest(),
        "email:" + hashlib.sha256(EMAIL.lower().encode()).hexdigest(),
    }
    subjects = {r["subject"] for r in await db.fetch("SELECT subject FROM flood_events")}
    scopes = {r["scope"] for r in await db.fetch("SELECT scope FROM idempotency_keys")}
    assert subjects and scopes
    assert not (subjects | scopes) & plain


def test_an_unconfigured_secret_key_is_made_once_and_kept_private(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    first = server_key(settings)
    assert len(first) >= 32
    assert server_key(settings) == first
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    configured = Settings(data_dir=tmp_path, secret_key="c" * 40, _env_file=None)  # type: ignore[call-arg]
    assert server_key(configured) == b"c" * 40
