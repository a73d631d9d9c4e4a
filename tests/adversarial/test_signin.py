"""Desk sign-in: the failure limit holds under concurrency, and the form's CSRF token is
one this service issued (issue 12, item 7).

Before: 40 concurrent wrong tokens from one address all got 401 (each request
counted the failures before any was recorded), and the sign-in form accepted
any CSRF value equal to its cookie, so a page on a sibling subdomain, which
can set that cookie, could sign a victim's browser in with the attacker's token.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.integration.test_pages import secret_of, sign_in

TRUSTED = ["127.0.0.0/8"]


def csrf_in(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def test_forty_concurrent_wrong_tokens_get_only_the_allowed_failures(
    make_settings, make_app_client, db
):
    client = await make_app_client(
        make_settings(signin_max_failures=10, signin_window_seconds=600, trusted_proxies=TRUSTED)
    )
    page = await (await client.get("/desk/login")).text()
    form = {"csrf": csrf_in(page), "token": "wrong-token"}
    headers = {"X-Forwarded-For": "198.51.100.40"}

    async def attempt() -> int:
        resp = await client.post("/desk/login", data=form, headers=headers, allow_redirects=False)
        await resp.read()
        return resp.status

    statuses = await asyncio.gather(*(attempt() for _ in range(40)))
    assert statuses.count(401) == 10, statuses
    assert statuses.count(429) == 30, statuses


async def test_a_good_sign_in_does_not_use_up_the_failure_allowance(
    make_settings, make_app_client, make_token
):
    client = await make_app_client(
        make_settings(signin_max_failures=2, signin_window_seconds=600, trusted_proxies=TRUSTED)
    )
    good = secret_of(await make_token("moderator", "alice"))
    client.session.headers["X-Forwarded-For"] = "198.51.100.41"
    for _ in range(3):
        assert (await sign_in(client, good)).status == 303
        client.session.cookie_jar.clear()
    assert (await sign_in(client, "wrong")).status == 401


async def test_a_csrf_value_merely_equal_to_a_planted_cookie_is_refused(client: Any, make_token):
    good = secret_of(await make_token("moderator", "mallory"))
    planted = "chosen-by-the-attacker-on-a-sibling-subdomain"
    client.session.cookie_jar.update_cookies({"desk_login": planted})
    resp = await client.post(
        "/desk/login", data={"csrf": planted, "token": good}, allow_redirects=False
    )
    assert resp.status == 403
    assert "desk_session" not in {c.key for c in client.session.cookie_jar}


async def test_a_csrf_token_from_another_form_cookie_is_refused(client: Any, make_token):
    good = secret_of(await make_token("moderator", "alice"))
    first = csrf_in(await (await client.get("/desk/login")).text())
    client.session.cookie_jar.clear()
    await (await client.get("/desk/login")).read()  # a new cookie, not the one `first` was for
    resp = await client.post(
        "/desk/login", data={"csrf": first, "token": good}, allow_redirects=False
    )
    assert resp.status == 403


async def test_a_sign_in_posted_from_a_sibling_site_is_refused(client: Any, make_token):
    good = secret_of(await make_token("moderator", "alice"))
    csrf = csrf_in(await (await client.get("/desk/login")).text())
    resp = await client.post(
        "/desk/login",
        data={"csrf": csrf, "token": good},
        headers={"Sec-Fetch-Site": "same-site"},
        allow_redirects=False,
    )
    assert resp.status == 403


async def test_the_form_as_served_still_signs_in(client: Any, make_token):
    good = secret_of(await make_token("moderator", "alice"))
    csrf = csrf_in(await (await client.get("/desk/login")).text())
    resp = await client.post(
        "/desk/login",
        data={"csrf": csrf, "token": good},
        headers={"Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
    )
    assert resp.status == 303
