"""/1.1/submit-removed, the WordPress bridge's own report (not an Akismet method): a held
comment trashed or deleted in WordPress takes its check out of the queue, as removed; and
unknown /1.1/ and /1.2/ paths, answered in plain text as Akismet clients expect."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_akismet_wordpress import check, site_key, wordpress_form

__all__ = ["site_key"]  # the fixture, used by name


async def held(make_settings: Any, make_app_client: Any, key: str) -> tuple[Any, str]:
    client = await make_app_client(make_settings(moderation_words=["backups"]))
    resp = await check(client, wordpress_form(key))
    assert resp.headers["X-Moderation-Status"] == "pending"
    return client, resp.headers["X-akismet-guid"]


async def test_a_held_check_removed_in_wordpress_is_rejected_as_removed_without_a_label(
    make_settings, make_app_client, make_token, db, site_key
):
    client, guid = await held(make_settings, make_app_client, site_key)
    resp = await client.post(
        "/1.1/submit-removed",
        data={"api_key": site_key, "guid": guid, "reporter": "editor", "comment_ID": "12"},
    )
    assert (resp.status, await resp.text()) == (200, "Thanks for making the web a better place.")
    row = await db.fetchrow("SELECT * FROM checks")
    assert (row["status"], row["rejection"], row["decided_by"]) == (
        "rejected",
        "removed",
        "news.example",
    )
    assert await db.fetchval("SELECT count(*) FROM labels") == 0
    mod = await make_token("moderator", name="nia")
    queue = await (await client.get("/v1/checks", headers=mod)).json()
    assert queue["items"] == []
    history = await (await client.get(f"/v1/checks/{row['id']}/history", headers=mod)).json()
    assert [(h["from"], h["to"], h["by"]) for h in history["items"]][-1] == (
        "pending",
        "rejected",
        "news.example",
    )
    assert (
        await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE event = 'check.decided'")
        == 0
    )


async def test_a_removal_leaves_a_decided_check_and_test_traffic_alone(
    make_settings, make_app_client, db, site_key
):
    client, guid = await held(make_settings, make_app_client, site_key)
    resp = await client.post(
        "/1.1/submit-removed", data={"api_key": site_key, "guid": guid, "is_test": "1"}
    )
    assert await resp.text() == "Thanks for making the web a better place."
    assert await db.fetchval("SELECT status FROM checks") == "pending"
    await client.post("/1.1/submit-ham", data=[*wordpress_form(site_key), ("guid", guid)])
    await client.post("/1.1/submit-removed", data={"api_key": site_key, "guid": guid})
    assert await db.fetchval("SELECT status FROM checks") == "approved"


async def test_a_removal_needs_a_key_and_a_guid(client, db, site_key):
    resp = await client.post("/1.1/submit-removed", data={"api_key": site_key})
    assert await resp.text() == "Missing required field: guid."
    assert "X-akismet-debug-help" in resp.headers
    resp = await client.post("/1.1/submit-removed", data={"api_key": "0" * 12, "guid": "x"})
    assert await resp.text() == "invalid"


@pytest.mark.parametrize("path", ["/1.1/no-such-method", "/1.2/nope", "/1.1/", "/1.2/a/b"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unknown_akismet_path_is_answered_in_plain_text_not_problem_json(
    client, site_key, path, method
):
    resp = await client.request(method, path, data={"api_key": site_key})
    assert resp.status == 404
    assert resp.content_type == "text/plain"
    assert (await resp.text()).startswith("Unknown method: ")
    assert "comment-check" in resp.headers["X-akismet-debug-help"]


async def test_a_known_akismet_method_asked_with_get_is_a_plain_text_405(client):
    resp = await client.get("/1.1/comment-check")
    assert (resp.status, resp.content_type) == (405, "text/plain")
    assert resp.headers["Allow"] == "POST"
    assert "X-akismet-debug-help" in resp.headers


async def test_other_paths_keep_problem_json(client):
    resp = await client.get("/v1/no-such-thing")
    assert (resp.status, resp.content_type) == (404, "application/problem+json")
