"""The desk's API: search, commenters, notes and site rules changed at run time."""

from __future__ import annotations

from moderation.app import create_app
from moderation.keys import RULES
from tests.conftest import insert_comment
from tests.polling import eventually


async def test_search_finds_words_in_any_state_newest_first_and_pages_by_keyset(
    client, make_token, db
):
    mod = await make_token("moderator")
    a = await insert_comment(db, body="The phishing wave hit us too", status="approved")
    await insert_comment(db, body="Nothing to see here", status="approved")
    b = await insert_comment(
        db, body="Cheap phishing kits here", status="rejected", rejection="spam"
    )
    c = await insert_comment(db, body="Phishing? Which one", status="pending")
    resp = await client.get("/v1/comments", params={"q": "phishing", "limit": "2"}, headers=mod)
    assert resp.status == 200
    page = await resp.json()
    assert [i["id"] for i in page["items"]] == [c, b]
    assert page["next_cursor"]
    resp = await client.get(
        "/v1/comments",
        params={"q": "phishing", "limit": "2", "cursor": page["next_cursor"]},
        headers=mod,
    )
    page = await resp.json()
    assert [i["id"] for i in page["items"]] == [a]
    assert page["next_cursor"] is None


async def test_search_filters_by_email_ip_article_status_and_time(client, make_token, db):
    mod = await make_token("moderator")
    mine = await insert_comment(
        db, author_email="Spammer@Example.NET", client_ip="203.0.113.9", article="a1"
    )
    await insert_comment(db, author_email="other@example.org", client_ip="192.0.2.7")
    spam = await insert_comment(
        db, author_email="x@example.org", status="rejected", rejection="spam"
    )

    async def ids(**params: str) -> list[int]:
        resp = await client.get("/v1/comments", params=params, headers=mod)
        assert resp.status == 200, await resp.text()
        return [i["id"] for i in (await resp.json())["items"]]

    assert await ids(email="spammer@example.net") == [mine]
    assert await ids(ip="203.0.113.0/24") == [mine]
    assert await ids(article="a1") == [mine]
    assert await ids(status="spam") == [spam]
    assert await ids(since="2999-01-01T00:00:00Z") == []


async def test_bad_search_parameters_are_422_naming_each(client, make_token, db):
    mod = await make_token("moderator")
    resp = await client.get(
        "/v1/comments", params={"ip": "nope", "status": "lost", "since": "2024-01-01"}, headers=mod
    )
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"
    fields = {e["field"] for e in (await resp.json())["errors"]}
    assert fields == {"ip", "status", "since"}
    assert (await client.get("/v1/comments", params={"cursor": "!!"}, headers=mod)).status == 400
    assert (await client.get("/v1/comments")).status == 401


async def test_a_commenter_record_counts_states_and_gives_badges(client, make_token, db):
    mod = await make_token("moderator")
    for _ in range(3):
        await insert_comment(db, author_email="dana@example.org", status="approved")
    await insert_comment(db, author_email="dana@example.org", status="pending")
    resp = await client.get("/v1/commenters/Dana@Example.org", headers=mod)
    assert resp.status == 200
    who = await resp.json()
    assert (who["approved"], who["pending"], who["rejected"], who["total"]) == (3, 1, 0, 4)
    assert who["badges"] == ["trusted"]
    assert (await client.get("/v1/commenters/nobody@example.org", headers=mod)).status == 404
    assert (await client.get("/v1/commenters/plain", headers=mod)).status == 422


async def test_notes_are_kept_per_comment_with_their_author(client, make_token, db):
    mod = await make_token("moderator", "alice")
    cid = await insert_comment(db)
    resp = await client.post(
        f"/v1/comments/{cid}/notes", json={"note": " Asked legal "}, headers=mod
    )
    assert resp.status == 201
    note = await resp.json()
    assert (note["by"], note["note"]) == ("alice", "Asked legal")
    page = await (await client.get(f"/v1/comments/{cid}/notes", headers=mod)).json()
    assert [n["note"] for n in page["items"]] == ["Asked legal"]
    resp = await client.post(f"/v1/comments/{cid}/notes", json={"note": "  "}, headers=mod)
    assert resp.status == 422
    resp = await client.post("/v1/comments/999999/notes", json={"note": "x"}, headers=mod)
    assert resp.status == 404


async def test_rules_start_from_the_environment_and_put_replaces_only_named_lists(
    make_app_client, make_settings, make_token
):
    client = await make_app_client(
        make_settings(blocked_emails=["old@example.com"], moderation_words=["kettle"])
    )
    admin = await make_token("admin", "root")
    rules = await (await client.get("/v1/admin/rules", headers=admin)).json()
    assert rules["blocked_emails"] == ["old@example.com"]
    assert rules["version"] == 0 and rules["changed_by"] is None
    resp = await client.put(
        "/v1/admin/rules",
        json={"blocked_emails": ["Spam@Example.NET"], "blocked_ips": ["203.0.113.7"]},
        headers=admin,
    )
    assert resp.status == 200, await resp.text()
    rules = await resp.json()
    assert rules["blocked_emails"] == ["spam@example.net"]
    assert rules["blocked_ips"] == ["203.0.113.7/32"]
    assert rules["moderation_words"] == ["kettle"]  # not named: kept
    assert rules["version"] == 1 and rules["changed_by"] == "root"
    assert rules["history"][0]["changed"] == ["blocked_emails", "blocked_ips"]

    # In effect at once: a comment from the blocked address is rejected as spam.
    resp = await client.post(
        "/v1/comments",
        json={"article": "a", "name": "S", "email": "spam@example.net", "body": "Hello there"},
    )
    assert resp.status == 202  # held, as far as the sender can tell
    assert client.app[RULES].rules.blocked_emails == ("spam@example.net",)


async def test_bad_rules_are_422_and_only_admins_may_change_them(client, make_token, db):
    admin = await make_token("admin")
    resp = await client.put(
        "/v1/admin/rules",
        json={"blocked_ips": ["300.1.1.1"], "blocked_emails": ["nope"], "max_links": -1},
        headers=admin,
    )
    assert resp.status == 422
    fields = {e["field"] for e in (await resp.json())["errors"]}
    assert fields == {"blocked_ips.0", "blocked_emails.0", "max_links"}
    assert (await client.put("/v1/admin/rules", json={}, headers=admin)).status == 422
    mod = await make_token("moderator")
    resp = await client.put("/v1/admin/rules", json={"max_links": 1}, headers=mod)
    assert resp.status == 403


async def test_a_change_on_one_instance_is_in_effect_on_another(
    aiohttp_client, settings, make_token, db
):
    one = await aiohttp_client(create_app(settings))
    two = await aiohttp_client(create_app(settings))
    admin = await make_token("admin")
    resp = await one.put("/v1/admin/rules", json={"disallowed_words": ["casino"]}, headers=admin)
    assert resp.status == 200

    async def heard() -> bool:  # through NOTIFY, by the second instance's rules watcher
        return two.app[RULES].rules.disallowed_words == ("casino",)

    await eventually(heard)
    assert two.app[RULES].version == 1


async def test_a_word_search_finds_old_matches_past_the_newest_ids_it_walks_first(
    client, make_token, db, monkeypatch
):
    from moderation.store import search

    monkeypatch.setattr(search, "RECENT", 3)  # a million comments' window, in small
    mod = await make_token("moderator")
    old = await insert_comment(db, body="An old phishing story", status="approved")
    for n in range(5):
        await insert_comment(db, body=f"Unrelated comment {n}")
    new = await insert_comment(db, body="A new phishing story")
    await insert_comment(db, body="The newest, unrelated")

    async def page(**params: str) -> dict[str, object]:
        resp = await client.get("/v1/comments", params=params, headers=mod)
        assert resp.status == 200, await resp.text()
        body: dict[str, object] = await resp.json()
        return body

    first = await page(q="phishing", limit="1")
    assert [i["id"] for i in first["items"]] == [new]  # type: ignore[attr-defined]
    second = await page(q="phishing", limit="1", cursor=str(first["next_cursor"]))
    assert [i["id"] for i in second["items"]] == [old]  # type: ignore[attr-defined]
    both = await page(q="phishing or unrelated", limit="10")
    assert len(both["items"]) == 8  # type: ignore[arg-type]
