"""The desk's Rules page: the run-time rules edited as a form, errors by field, history."""

from __future__ import annotations

from moderation.keys import RULES
from tests.integration.test_pages import desk


async def test_a_moderator_gets_403_on_the_rules_page(client, make_token):
    await desk(client, make_token, name="mo")
    assert (await client.get("/desk/rules")).status == 403


async def test_an_admin_saves_rules_that_apply_at_once_and_appear_in_the_history(
    client, make_token
):
    csrf = await desk(client, make_token, role="admin", name="root")
    page = await (await client.get("/desk/rules")).text()
    assert "version 0" in page and "website_confirm" in page
    form = {
        "csrf": csrf,
        "version": "0",
        "blocked_emails": "Spammer@Example.com\n\n",
        "blocked_domains": "",
        "blocked_ips": "203.0.113.0/24",
        "disallowed_words": "",
        "moderation_words": "",
        "max_links": "2",
    }
    resp = await client.post("/desk/rules", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    live = client.app[RULES].rules
    assert list(live.blocked_emails) == ["spammer@example.com"]
    assert [str(n) for n in live.blocked_ips] == ["203.0.113.0/24"]
    page = await (await client.get("/desk/rules")).text()
    assert "Saved version 1 (blocked emails, blocked ips and networks)" in page
    assert "root</strong> saved version 1: blocked emails, blocked ips" in page
    # An edit begun on version 0 is refused: it would undo root's change unseen.
    resp = await client.post("/desk/rules", data={**form, "blocked_ips": ""})
    assert resp.status == 409
    assert "changed the rules since you opened them" in await resp.text()


async def test_bad_values_are_shown_next_to_their_box_by_line_and_nothing_is_saved(
    client, make_token
):
    csrf = await desk(client, make_token, role="admin", name="root")
    form = {
        "csrf": csrf,
        "version": "0",
        "blocked_emails": "ok@example.com\nnot-an-address",
        "blocked_ips": "300.1.2.3",
        "max_links": "many",
    }
    resp = await client.post("/desk/rules", data=form)
    assert resp.status == 422
    page = await resp.text()
    email_error = page.split('id="blocked_emails-error">')[1].split("</span>")[0]
    assert "line 2 (not-an-address): must be an email address" in email_error
    assert "must be an IP address or a network" in page.split('id="blocked_ips-error">')[1]
    assert "integer" in page.split('id="max_links-error">')[1].split("</span>")[0]
    assert "not-an-address</textarea>" in page  # what was typed stays
    assert client.app[RULES].version == 0
