"""A form's `redirect_to` never sends a browser elsewhere, and is checked before storing
(issue 12, items 4 and 5).

Browsers remove tabs, CRs and LFs anywhere in a URL and read a backslash as a
slash, so `/<TAB>/evil.example/x` is `//evil.example/x` to them: another
site. A value with a control character cannot go into a `Location` header at
all; it used to be refused by aiohttp only after the comment was stored, so
the reader got a dropped connection and their retry a 409.
"""

from __future__ import annotations

import pytest

from moderation.http.redirects import redirect_target

HOST = "comments.example.org"

ELSEWHERE = [
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r/evil.example/x",
    "\t//evil.example/x",
    "/\t\\evil.example/x",
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    " //evil.example/x",
    "\x01//evil.example/x",
    "https:evil.example/x",
    "https://evil.example/x",
    "https://news.example@evil.example/x",
    "javascript:alert(1)",
    "evil.example/x",
]

CONTROL = ["/story\r\nSet-Cookie: a=b", "/story\nx", "/story\rx", "/story\x0bx", "/story\x00x"]


@pytest.mark.parametrize("target", ELSEWHERE + CONTROL)
def test_targets_a_browser_would_read_as_another_site_or_that_carry_controls_are_refused(
    target,
):
    assert redirect_target(target, host=HOST, allowed=["https://news.example"]) is None


@pytest.mark.parametrize(
    "target",
    [
        "/articles/ransomware",
        "/articles/ransomware?page=2#comments",
        "/%2F%2Fevil.example",  # a path on this site, as the browser reads it
        "https://news.example/a/1",
        "https://NEWS.example/a/1",
        f"https://{HOST}/story",
    ],
)
def test_relative_paths_and_allowed_origins_are_followed(target):
    assert redirect_target(target, host=HOST, allowed=["https://news.example/"]) == target


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "\t//evil.example/x", "/\\evil.example"])
async def test_a_form_post_is_never_redirected_to_another_site(client, db, payload, target):
    resp = await client.post(
        "/v1/comments", data=payload(redirect_to=target), allow_redirects=False
    )
    assert resp.status == 422
    assert (await resp.json())["errors"] == [
        {"field": "redirect_to", "message": "not an allowed address"}
    ]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


@pytest.mark.parametrize("control", ["\r", "\n", "\r\n", "\x0b", "\x00"])
async def test_a_redirect_with_a_control_character_is_refused_before_the_comment_is_stored(
    client, db, payload, control
):
    form = payload(redirect_to=f"/articles/story{control}Set-Cookie: x=1")
    resp = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert 400 <= resp.status < 500
    assert resp.content_type == "application/problem+json"
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    # The reader fixes it and sends again: one comment, not a 409.
    retry = await client.post(
        "/v1/comments", data=payload(redirect_to="/articles/story"), allow_redirects=False
    )
    assert retry.status == 303
    assert retry.headers["Location"].startswith("/articles/story#comment-")
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
