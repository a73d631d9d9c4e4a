"""/1.1/submit-removed, the WordPress bridge's own report (not an Akismet method): a held
comment trashed or deleted in WordPress takes its check out of the queue, as removed."""

from __future__ import annotations

from typing import Any

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
