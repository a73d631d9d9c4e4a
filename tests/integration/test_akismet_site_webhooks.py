"""Webhooks per site: with several WordPress sites on one installation, each site's
`check.decided` goes to that site's own URLs (its `webhook_urls` setting), and only a
site without URLs of its own falls back to MODERATION_WEBHOOK_URLS."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from moderation.keys import TASKS
from moderation.ops import sites
from moderation.ops.access import create_token
from moderation.problems import FieldErrors
from tests.integration.test_akismet_wordpress import check, wordpress_form
from tests.integration.test_webhooks import SECRET, Receiver, hook_settings, start, until


async def site_key(db: Any, site: str) -> str:
    secret, _ = await create_token(db, f"{site}.example", "site", site)
    return secret


def decided(receiver: Receiver) -> list[dict[str, Any]]:
    return [e["data"] for e in receiver.events() if e["event"] == "check.decided"]


async def test_each_sites_decisions_go_to_its_own_webhook_and_the_rest_to_the_installations(
    aiohttp_server, make_settings, make_app_client, make_token, db
):
    installation, alpha, beta = Receiver(), Receiver(), Receiver()
    settings = hook_settings(
        make_settings, await start(aiohttp_server, installation), moderation_words=["backups"]
    )
    for site, receiver in (("alpha", alpha), ("beta", beta)):
        own = sites.check_settings(
            settings, {"webhook_urls": [await start(aiohttp_server, receiver)]}
        )
        await sites.create(db, site, site.title(), [f"https://{site}.example"], own)
    client = await make_app_client(settings)
    guids: dict[str, str] = {}
    for site, blog in (
        ("alpha", "https://alpha.example/"),
        ("beta", "https://beta.example/"),
        ("default", "https://news.example/"),
    ):
        key = await site_key(db, site)
        resp = await check(client, wordpress_form(key, blog=blog))
        assert resp.headers["X-Moderation-Status"] == "pending"
        guids[site] = resp.headers["X-akismet-guid"]

    mod = await make_token("moderator", name="nia")
    items = []
    for site in guids:
        listed = await client.get("/v1/checks", params={"site": site}, headers=mod)
        items += (await listed.json())["items"]
    assert len(items) == 3
    for item in items:
        resp = await client.post(
            f"/v1/checks/{item['id']}/decision",
            params={"site": item["site"]},
            headers=mod,
            json={"action": "approve"},
        )
        assert resp.status == 200, await resp.text()

    await until(lambda: decided(alpha) and decided(beta) and decided(installation))
    assert [(d["site"], d["guid"]) for d in decided(alpha)] == [("alpha", guids["alpha"])]
    assert [(d["site"], d["guid"]) for d in decided(beta)] == [("beta", guids["beta"])]
    assert [(d["site"], d["guid"]) for d in decided(installation)] == [
        ("default", guids["default"])
    ]
    rows = await db.fetch("SELECT site, url FROM webhook_deliveries ORDER BY site")
    assert [r["site"] for r in rows] == ["alpha", "beta", "default"]


async def test_a_site_with_an_empty_list_of_its_own_gets_no_webhooks(
    aiohttp_server, make_settings, make_app_client, make_token, db
):
    installation = Receiver()
    settings = hook_settings(
        make_settings, await start(aiohttp_server, installation), moderation_words=["backups"]
    )
    await sites.create(db, "quiet", "Quiet", ["https://quiet.example"], {"webhook_urls": []})
    client = await make_app_client(settings)
    await check(client, wordpress_form(await site_key(db, "quiet"), blog="https://quiet.example/"))
    mod = await make_token("moderator", name="nia")
    listed = await client.get("/v1/checks", params={"site": "quiet"}, headers=mod)
    [item] = (await listed.json())["items"]
    resp = await client.post(
        f"/v1/checks/{item['id']}/decision",
        params={"site": "quiet"},
        headers=mod,
        json={"action": "spam"},
    )
    assert (await resp.json())["status"] == "rejected"
    await until(lambda: not client.app[TASKS])  # the announcement has run
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    assert installation.calls == []


async def test_a_site_gets_webhooks_of_its_own_without_installation_urls(
    aiohttp_server, make_settings, make_app_client, make_token, db
):
    alpha = Receiver()
    settings = make_settings(
        webhook_secret=SECRET, webhook_poll_seconds=0.05, moderation_words=["backups"]
    )
    assert settings.webhook_urls == []
    own = sites.check_settings(settings, {"webhook_urls": [await start(aiohttp_server, alpha)]})
    await sites.create(db, "alpha", "Alpha", ["https://alpha.example"], own)
    client = await make_app_client(settings)
    resp = await check(
        client, wordpress_form(await site_key(db, "alpha"), blog="https://alpha.example/")
    )
    mod = await make_token("moderator", name="nia")
    listed = await client.get("/v1/checks", params={"site": "alpha"}, headers=mod)
    [item] = (await listed.json())["items"]
    await client.post(
        f"/v1/checks/{item['id']}/decision",
        params={"site": "alpha"},
        headers=mod,
        json={"action": "spam"},
    )
    await until(lambda: decided(alpha))
    assert decided(alpha)[0]["guid"] == resp.headers["X-akismet-guid"]


@pytest.mark.parametrize(
    ("urls", "secret", "field"),
    [
        (["ftp://alpha.example/hook"], "s", "settings.webhook_urls[0]"),
        (["https://alpha.example/hook"], None, "settings.webhook_urls"),
    ],
)
def test_a_sites_webhook_urls_are_http_and_need_the_secret(make_settings, urls, secret, field):
    with pytest.raises(FieldErrors) as caught:
        sites.check_settings(make_settings(webhook_secret=secret), {"webhook_urls": urls})
    assert caught.value.errors[0]["field"] == field


async def test_the_command_line_gives_an_existing_site_its_own_webhook_urls(
    db: Any, database_url: str, data_dir: Any, monkeypatch: Any, capsys: Any
) -> None:
    from moderation.__main__ import main

    monkeypatch.setenv("MODERATION_DATABASE_URL", database_url)
    monkeypatch.setenv("MODERATION_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MODERATION_WEBHOOK_SECRET", SECRET)
    await sites.create(db, "alpha", "Alpha", ["https://alpha.example"], {"flag_threshold": 5})
    hook = "https://alpha.example/wp-json/moderation/v1/webhook"
    argv = ["sites", "set", "alpha", "--set", f"webhook_urls={hook}"]
    assert await asyncio.to_thread(main, argv) == 0
    assert "site alpha: webhook_urls=" in capsys.readouterr().out
    settings = await db.fetchval("SELECT settings FROM sites WHERE id = 'alpha'")
    assert settings == {"flag_threshold": 5, "webhook_urls": [hook]}
    bad = ["sites", "set", "alpha", "--set", "webhook_urls=ftp://alpha.example/x"]
    assert await asyncio.to_thread(main, bad) == 2
    assert "settings.webhook_urls[0]" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["sites", "set", "nope", "--set", "flag_threshold=3"]) == 1
