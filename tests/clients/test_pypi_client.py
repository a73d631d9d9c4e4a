"""The PyPI `akismet` client (25.x), unchanged, sync and async, every method, against
the service: its address cannot be configured, so an httpx transport sends what it
addresses to rest.akismet.com to the test server instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

import akismet
import httpx
import pytest

from tests.clock import one_period

BLOG = "https://news.example/"
HAM = "Thanks for the write-up. Do you know whether the hospital had offline backups?"
FIELDS: dict[str, Any] = {
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "comment_type": "comment",
    "comment_author": "Dana Whitfield",
    "comment_author_email": "dana@example.org",
    "comment_content": HAM,
    "permalink": "https://news.example/2024/05/story/",
}


def _to_service(request: httpx.Request, host: str, port: int) -> None:
    request.url = request.url.copy_with(scheme="http", host=host, port=port)
    request.headers["Host"] = f"{host}:{port}"


class AsyncToService(httpx.AsyncBaseTransport):
    def __init__(self, host: str, port: int) -> None:
        self._inner, self._at = httpx.AsyncHTTPTransport(), (host, port)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _to_service(request, *self._at)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class SyncToService(httpx.BaseTransport):
    def __init__(self, host: str, port: int) -> None:
        self._inner, self._at = httpx.HTTPTransport(), (host, port)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _to_service(request, *self._at)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
async def site_key(make_token: Any) -> str:
    headers = await make_token("site", name="news.example")
    return str(headers["Authorization"].removeprefix("Bearer "))


def test_a_site_key_is_twelve_lowercase_hex_characters(site_key):
    assert len(site_key) == 12 and site_key == site_key.lower()
    int(site_key, 16)


async def test_every_method_of_the_async_client(client, db, site_key):
    with one_period("%Y-%m") as month:
        http = httpx.AsyncClient(
            transport=AsyncToService(client.host, client.port),
            headers={"User-Agent": akismet.USER_AGENT},
        )
        config = akismet.Config(key=site_key, url=BLOG)
        async with await akismet.AsyncClient.validated_client(
            config=config, http_client=http
        ) as ak:
            assert await ak.verify_key() is True
            assert await ak.verify_key("0123456789ab", BLOG) is False
            assert await ak.comment_check("203.0.113.7", **FIELDS) is akismet.CheckResponse.HAM
            spam = {**FIELDS, "comment_author": "akismet-guaranteed-spam"}
            assert await ak.comment_check("203.0.113.8", **spam) is akismet.CheckResponse.SPAM
            test = {**FIELDS, "comment_content": "a test", "is_test": True}
            assert await ak.comment_check("203.0.113.9", **test) is akismet.CheckResponse.HAM
            assert await ak.submit_spam("203.0.113.7", **FIELDS) is True
            assert await ak.submit_ham("203.0.113.7", **FIELDS) is True
            assert await ak.submit_spam("203.0.113.9", **test) is True  # a test: nothing kept
            usage = await ak.usage_limit()
            assert usage == {"limit": "none", "usage": 2, "percentage": "0.00", "throttled": False}
            # akismet 25.10.1's key_sites() sends no api_key at all (only month, format,
            # order, limit, offset), so no service can tell whose sites to list: it gets
            # `invalid`, which the client raises as APIKeyError. The same request with the
            # key (as Akismet documents it) gets the figures.
            with pytest.raises(akismet.APIKeyError):
                await ak.key_sites()
        resp = await client.get("/1.2/key-sites", params={"api_key": site_key, "month": month})
        sites = await resp.json()
        [row] = sites[month]
        assert (row["site"], row["api_calls"], row["spam"], row["ham"]) == (BLOG, "2", "1", "1")
        # The reports found the latest check with that email and text (the guaranteed spam)
        # and called it ham: a false positive.
        assert (row["missed_spam"], row["false_positives"], row["is_revoked"]) == ("0", "1", False)
        assert (sites["total"], sites["limit"], sites["offset"]) == (1, 500, 0)
        resp = await client.get(
            "/1.2/key-sites", params={"api_key": site_key, "format": "csv", "limit": "5"}
        )
        csv = (await resp.text()).splitlines()
        assert (
            csv[0] == f"Active sites for news.example during {month} (limit:5, offset: 0, total: 1)"
        )
        assert csv[1] == "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked"
        assert csv[2].startswith(f"{BLOG},2,1,1,")
        labels = await db.fetch("SELECT label, source, check_id FROM labels ORDER BY id")
        assert [(r["label"], r["source"]) for r in labels] == [("ham", "akismet")]  # replaced


async def test_every_method_of_the_sync_client(client, db, site_key):
    with one_period("%Y-%m") as month:

        def run() -> dict[str, Any]:
            http = httpx.Client(
                transport=SyncToService(client.host, client.port),
                headers={"User-Agent": akismet.USER_AGENT},
            )
            config = akismet.Config(key=site_key, url=BLOG)
            with akismet.SyncClient.validated_client(config=config, http_client=http) as ak:
                done = {
                    "verify": ak.verify_key(),
                    "check": ak.comment_check("203.0.113.7", **FIELDS),
                    "spam": ak.submit_spam("203.0.113.7", **FIELDS),
                    "ham": ak.submit_ham("203.0.113.7", **FIELDS),
                    "usage": ak.usage_limit(),
                }
            # key_sites() sends no key of its own (see the async test); the client takes an
            # httpx client, and one whose default query names the key is how to pass it.
            keyed = httpx.Client(
                transport=SyncToService(client.host, client.port),
                headers={"User-Agent": akismet.USER_AGENT},
                params={"api_key": site_key},
            )
            with akismet.SyncClient(config=config, http_client=keyed) as ak:
                done["sites"] = ak.key_sites()
                done["filtered"] = ak.key_sites(url_filter="NEWS.example")
                done["none"] = ak.key_sites(url_filter="other.example")
                done["csv"] = ak.key_sites(result_format="csv", url_filter="news")
            return done

        got = await asyncio.to_thread(run)
        assert got["verify"] is True
        assert got["check"] is akismet.CheckResponse.HAM
        assert got["spam"] is True and got["ham"] is True
        assert got["usage"]["usage"] == 1
        [row] = got["sites"][month]
        assert (row["site"], row["api_calls"]) == (BLOG, "1")
        assert (got["sites"]["limit"], got["sites"]["offset"]) == (500, 0)  # as the client says
        assert [r["site"] for r in got["filtered"][month]] == [BLOG]
        assert (got["none"][month], got["none"]["total"]) == ([], 0)
        assert got["csv"].splitlines()[2].startswith(f"{BLOG},1,")


async def test_a_missing_user_ip_is_a_protocol_error_not_a_bad_key(client, site_key):
    http = httpx.AsyncClient(transport=AsyncToService(client.host, client.port))
    async with akismet.AsyncClient(
        config=akismet.Config(key=site_key, url=BLOG), http_client=http
    ) as ak:
        with pytest.raises(akismet.ProtocolError, match="Missing required field: user_ip"):
            await ak.comment_check("", **FIELDS)


async def test_an_unknown_key_is_an_api_key_error_on_every_method(client):
    http = httpx.AsyncClient(transport=AsyncToService(client.host, client.port))
    config = akismet.Config(key="0123456789ab", url=BLOG)
    with pytest.raises(akismet.APIKeyError):
        await akismet.AsyncClient.validated_client(config=config, http_client=http)
    ak = akismet.AsyncClient(config=config, http_client=http)
    try:
        with pytest.raises(akismet.APIKeyError):
            await ak.comment_check("203.0.113.7", **FIELDS)
        with pytest.raises(akismet.APIKeyError):
            await ak.usage_limit()
    finally:
        await http.aclose()
