"""What an operator relies on: metrics, request ids, JSON logs, privacy and retention."""

from __future__ import annotations

import json
import logging

from moderation.ops.observability import JsonFormatter
from moderation.ops.retention import sweep
from tests.conftest import insert_comment


async def test_metrics_count_requests_and_decisions_by_route_and_who(
    client, make_token, db, payload
):
    mod = await make_token()
    await client.post("/v1/comments", json=payload(website_confirm="bot"))  # auto: spam
    cid = await insert_comment(db)
    await client.post(f"/v1/comments/{cid}/decision", headers=mod, json={"action": "approve"})
    await client.get("/v1/comments/123456/history", headers=mod)
    text = await (await client.get("/metrics")).text()
    assert 'moderation_decisions_total{by="auto",outcome="spam",site="default"} 1.0' in text
    assert 'moderation_decisions_total{by="human",outcome="approved",site="default"} 1.0' in text
    assert 'route="/v1/comments/{id}/history",status="404"' in text  # the pattern, not the id
    assert "moderation_http_request_seconds_bucket" in text
    assert 'moderation_queue_depth{site="default"} 0.0' in text
    assert "moderation_model_info{version=" in text


async def test_metrics_never_carry_emails_or_addresses(client, payload):
    await client.post("/v1/comments", json=payload(email="secret.reader@example.org"))
    text = await (await client.get("/metrics")).text()
    assert "secret.reader" not in text and "127.0.0.1" not in text


async def test_every_answer_carries_a_request_id_and_keeps_a_good_one(client):
    resp = await client.get("/healthz")
    assert len(resp.headers["X-Request-ID"]) == 32
    resp = await client.get("/healthz", headers={"X-Request-ID": "edge-abc.123"})
    assert resp.headers["X-Request-ID"] == "edge-abc.123"
    resp = await client.get("/nowhere", headers={"X-Request-ID": "bad id with spaces"})
    assert resp.status == 404 and resp.headers["X-Request-ID"] != "bad id with spaces"


async def test_one_json_log_line_per_request_without_personal_data(client, payload, caplog):
    caplog.set_level(logging.INFO, logger="moderation.access")
    await client.post(
        "/v1/comments",
        json=payload(email="hidden.reader@example.org"),
        headers={"X-Request-ID": "req-42"},
    )
    records = [r for r in caplog.records if r.name == "moderation.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "req-42"
    assert line["method"] == "POST" and line["route"] == "/v1/comments"
    assert line["status"] in (201, 202) and isinstance(line["duration_ms"], float)
    rendered = json.dumps(line)
    assert "hidden.reader" not in rendered and "127.0.0.1" not in rendered


async def test_an_admin_exports_everything_stored_about_an_email(client, make_token, db):
    admin = await make_token("admin")
    cid = await insert_comment(db, author_email="Kim@Example.com", body="mine")
    await insert_comment(db, author_email="other@example.com", body="not mine")
    data = await (
        await client.get("/v1/admin/commenters/kim@example.com/export", headers=admin)
    ).json()
    assert [c["id"] for c in data["comments"]] == [cid]
    assert data["comments"][0]["client_ip"] == "192.0.2.1"


async def test_erasing_a_reader_anonymises_their_published_comments(client, make_token, db):
    admin = await make_token("admin")
    await insert_comment(db, article="story", status="approved", author_email="gone@example.com")
    resp = await client.delete("/v1/admin/commenters/gone@example.com", headers=admin)
    assert (await resp.json()) == {"mode": "anonymise", "comments": 1, "labels": 0, "checks": 0}
    page = await (await client.get("/v1/articles/story/comments")).json()
    assert page["items"][0]["name"] == "Anonymous"
    row = await db.fetchrow("SELECT author_email, client_ip FROM comments")
    assert row["author_email"] == "erased@invalid" and row["client_ip"] is None


async def test_a_site_may_choose_to_remove_an_erased_readers_comments(
    make_settings, make_app_client, make_token, db
):
    client = await make_app_client(make_settings(erase_mode="remove"))
    admin = await make_token("admin")
    await insert_comment(db, status="approved", author_email="gone@example.com")
    resp = await client.delete("/v1/admin/commenters/gone@example.com", headers=admin)
    assert (await resp.json())["comments"] == 1
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_privacy_routes_are_for_admins(client, make_token):
    mod = await make_token()
    assert (
        await client.get("/v1/admin/commenters/a@example.com/export", headers=mod)
    ).status == 403
    assert (await client.delete("/v1/admin/commenters/a@example.com", headers=mod)).status == 403


async def test_retention_purges_old_rejected_comments_and_reduces_old_addresses(client, db):
    old_spam = await insert_comment(db, status="rejected", rejection="spam")
    new_spam = await insert_comment(db, status="rejected", rejection="spam")
    old_ham = await insert_comment(db, status="approved", client_ip="203.0.113.77")
    v6 = await insert_comment(db, status="approved", client_ip="2001:db8:1234:5678::1")
    await db.execute(
        "UPDATE comments SET updated_at = now() - interval '400 days', "
        "created_at = now() - interval '400 days' WHERE id = ANY($1::bigint[])",
        [old_spam, old_ham, v6],
    )
    result = await sweep(client.server.app)
    assert result == {"purged": 1, "reduced": 2}
    ids = {r["id"] for r in await db.fetch("SELECT id FROM comments")}
    assert old_spam not in ids and new_spam in ids
    assert (
        str(await db.fetchval("SELECT client_ip FROM comments WHERE id = $1", old_ham))
        == "203.0.113.0"
    )
    assert (
        str(await db.fetchval("SELECT client_ip FROM comments WHERE id = $1", v6))
        == "2001:db8:1234::"
    )
    assert (await sweep(client.server.app)) == {"purged": 0, "reduced": 0}


async def test_retention_works_through_more_rows_than_one_batch(client, db, monkeypatch):
    from moderation.store import privacy

    monkeypatch.setattr(privacy, "BATCH", 2)
    ids = [
        await insert_comment(db, status="approved", client_ip=f"198.51.100.{i}")
        for i in range(1, 6)
    ]
    await insert_comment(db, status="approved", client_ip="198.51.100.0")  # already a network
    await db.execute("UPDATE comments SET created_at = now() - interval '400 days'")
    assert (await sweep(client.server.app))["reduced"] == 5
    ips = {
        str(r["client_ip"])
        for r in await db.fetch("SELECT client_ip FROM comments WHERE id = ANY($1::bigint[])", ids)
    }
    assert ips == {"198.51.100.0"}
