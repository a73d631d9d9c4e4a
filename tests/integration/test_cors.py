"""CORS (issue 13): a site's origins may call the public JSON endpoints from script.

Preflights from a site's origin (or the installation's allowed origins) are answered,
others refused; answers, errors included, name the origin; nothing else gets CORS.
"""

from __future__ import annotations

from typing import Any

from moderation.ops import sites
from tests.conftest import comment_payload

ALPHA = "https://alpha.example"


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type",
    }


async def test_a_sites_origin_may_post_and_read_from_script_and_others_may_not(
    client: Any, db: Any
) -> None:
    await sites.create(db, "alpha", "Alpha", [ALPHA])

    ok = await client.options("/v1/comments", headers=preflight(ALPHA))
    assert ok.status == 204
    assert ok.headers["Access-Control-Allow-Origin"] == ALPHA
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in ok.headers["Access-Control-Allow-Headers"]

    refused = await client.options("/v1/comments", headers=preflight("https://evil.example"))
    assert refused.status == 403
    assert refused.content_type == "application/problem+json"
    assert "Access-Control-Allow-Origin" not in refused.headers

    posted = await client.post(
        "/v1/comments", json=comment_payload(site="alpha"), headers={"Origin": ALPHA}
    )
    assert posted.status in (201, 202)
    assert posted.headers["Access-Control-Allow-Origin"] == ALPHA
    assert "Origin" in posted.headers.getall("Vary")

    # An error is readable by the site's script too.
    bad = await client.post(
        "/v1/comments", json=comment_payload(email="nope"), headers={"Origin": ALPHA}
    )
    assert bad.status == 422
    assert bad.headers["Access-Control-Allow-Origin"] == ALPHA

    read = await client.get(
        "/v1/articles/ransomware-hits-hospital/comments?site=alpha", headers={"Origin": ALPHA}
    )
    assert read.status == 200
    assert read.headers["Access-Control-Allow-Origin"] == ALPHA

    other = await client.post(
        "/v1/comments",
        json=comment_payload(body="Another careful comment about backups and restores."),
        headers={"Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_the_installations_allowed_origins_count_and_private_paths_get_no_cors(
    make_app_client: Any, make_settings: Any, make_token: Any
) -> None:
    client = await make_app_client(make_settings(allowed_origins=["https://news.example"]))
    ok = await client.options("/v1/comments", headers=preflight("https://news.example"))
    assert ok.status == 204
    assert ok.headers["Access-Control-Allow-Origin"] == "https://news.example"

    headers = {**await make_token("moderator"), "Origin": "https://news.example"}
    queue = await client.get("/v1/queue", headers=headers)
    assert queue.status == 200
    assert "Access-Control-Allow-Origin" not in queue.headers
