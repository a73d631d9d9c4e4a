"""Readers in a real headless Chromium (issue 16): Report without JavaScript, a forged
report from another site, a closed article, and a reader's own page opened from the mail."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from moderation.settings import Settings
from tests import mailserver
from tests.e2e.conftest import LiveServer, live_server
from tests.mailserver import Inbox

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

ARTICLE = "ransomware-hits-hospital"


async def attacker_page(request: web.Request) -> web.Response:
    """Another site's page that posts a report of a comment, as a forged form."""
    target = html.escape(request.query["target"])
    return web.Response(
        content_type="text/html",
        text=f"""<!doctype html><title>Win a prize</title>
        <form method="post" action="{target}">
          <input type="hidden" name="reason" value="spam">
          <button id="prize" type="submit">Claim your prize</button>
        </form>""",
    )


@pytest.fixture(scope="module")
def live(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        pool_min_size=1,
        pool_max_size=4,
        flag_threshold=1,
        page_max_age_seconds=0,  # tests empty the database: no page from Chromium's own cache
        page_stale_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    attacker = web.Application()
    attacker.router.add_get("/", attacker_page)
    yield from live_server(settings, {"attacker": attacker})


def wait(browser: Any) -> WebDriverWait:
    return WebDriverWait(browser, 10)


def _published(live: LiveServer, body: str) -> int:
    rows = live.fetch(
        "INSERT INTO comments (article, author_name, author_email, body, status) "
        "VALUES ($1, 'Sam', 'sam@example.org', $2, 'approved') RETURNING id",
        ARTICLE,
        body,
    )
    return int(rows[0]["id"])


def _status(live: LiveServer, comment_id: int) -> str:
    return str(live.fetch("SELECT status FROM comments WHERE id = $1", comment_id)[0]["status"])


@pytest.fixture
def no_javascript(browser: Any) -> Iterator[Any]:
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield browser
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_a_reader_reports_a_comment_without_javascript_and_it_goes_back_to_the_queue(
    no_javascript, live
):
    browser = no_javascript
    live.reset()
    comment_id = _published(live, "Cheap pills at pills.example, best prices")
    browser.get(live.url(f"/embed/{ARTICLE}"))
    comment = browser.find_element(By.ID, f"comment-{comment_id}")
    comment.find_element(By.LINK_TEXT, "Report").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "report-form")))
    assert "Cheap pills" in browser.find_element(By.CSS_SELECTOR, "blockquote").text
    browser.find_element(By.CSS_SELECTOR, "input[value=spam]").click()
    browser.find_element(By.ID, "note").send_keys("an advert")
    browser.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]").click()
    wait(browser).until(ec.url_contains("posted=reported"))
    assert "Thank you for the report" in browser.find_element(By.ID, "comment-held").text
    assert _status(live, comment_id) == "pending"
    assert not browser.find_elements(By.ID, f"comment-{comment_id}")


def test_a_report_posted_from_another_site_is_refused(browser, live):
    live.reset()
    comment_id = _published(live, "A perfectly fine comment about backups")
    target = live.url(f"/embed/{ARTICLE}/report/{comment_id}")
    browser.get(live.url(f"/?target={target}", app="attacker"))
    browser.find_element(By.ID, "prize").click()
    wait(browser).until(ec.url_to_be(target))
    assert "Form refused" in browser.find_element(By.TAG_NAME, "h1").text
    assert _status(live, comment_id) == "approved"


def test_a_closed_article_shows_its_comments_and_says_comments_are_closed(browser, live):
    live.reset()
    _published(live, "Said before the article closed")
    live.fetch("INSERT INTO articles (article, state) VALUES ($1, 'closed')", ARTICLE)
    browser.get(live.url("/demo"))
    wait(browser).until(ec.frame_to_be_available_and_switch_to_it((By.ID, "comments-frame")))
    wait(browser).until(ec.presence_of_element_located((By.ID, "comments-closed")))
    assert "Comments are closed" in browser.find_element(By.ID, "respond-title").text
    assert not browser.find_elements(By.ID, "comment-form")
    assert "Said before the article closed" in browser.find_element(By.ID, "comment-list").text
    browser.switch_to.default_content()


def test_a_reader_sees_their_own_held_comment_as_awaiting_moderation(no_javascript, live):
    browser = no_javascript
    live.reset()
    # Premoderated: every comment is held, whatever the model thinks of it.
    live.fetch("INSERT INTO articles (article, state) VALUES ($1, 'premoderated')", ARTICLE)
    browser.get(live.url(f"/embed/{ARTICLE}"))
    assert "once a moderator has approved" in browser.find_element(By.ID, "premoderated").text
    body = "Did the hospital have offline backups? Ours were tested monthly."
    for name, value in (("name", "Robin"), ("email", "robin@example.org"), ("body", body)):
        browser.find_element(By.ID, name).send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#comment-form button[type=submit]").click()
    wait(browser).until(ec.url_contains("posted="))
    assert live.fetch("SELECT status FROM comments WHERE body = $1", body)[0]["status"] == "pending"
    held = wait(browser).until(ec.presence_of_element_located((By.ID, "awaiting")))
    assert "Awaiting moderation" in held.text and body in held.text
    # Another reader (no cookie) does not see it.
    browser.delete_all_cookies()
    browser.get(live.url(f"/embed/{ARTICLE}"))
    assert not browser.find_elements(By.ID, "awaiting")


# --- a reader's own comments, from the links of their mail ------------------------------


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = mailserver.start(box)
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mail_live(database_url: str, data_dir: Path, inbox: Inbox) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        pool_min_size=1,
        pool_max_size=4,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        smtp_from="comments@example.org",
        public_url=MAILED,
        mail_poll_seconds=0.1,
        _env_file=None,  # type: ignore[call-arg]
    )
    yield from live_server(settings)


MAILED = "https://comments.example.org"


def _opened(live: LiveServer, link: str) -> str:
    """A mailed link, on the test's server instead of the public address."""
    assert link.startswith(MAILED + "/readers/")
    return live.url(link[len(MAILED) :])


def test_a_reader_confirms_from_the_mail_then_appeals_and_deletes_on_their_page(
    browser, mail_live, inbox
):
    live = mail_live
    live.reset()
    insert = (
        "INSERT INTO comments (article, author_name, author_email, body, status, rejection) "
        "VALUES ($1, 'Dana', 'dana@example.org', $2, $3, $4) RETURNING id"
    )
    held = live.fetch(insert, ARTICLE, "My first, held comment.", "pending", None)[0]["id"]
    removed = live.fetch(insert, ARTICLE, "A comment a moderator removed.", "rejected", "removed")
    live.fetch(insert, ARTICLE, "An older published comment.", "approved", None)
    [message] = asyncio.run(inbox.wait_for(1))
    links = re.findall(r"https://\S+", mailserver.body_of(message))
    confirm = next(link for link in links if "/readers/confirm?" in link)

    browser.switch_to.default_content()
    browser.get(_opened(live, confirm))
    browser.find_element(By.CSS_SELECTOR, "#confirm-form button[type=submit]").click()
    wait(browser).until(ec.url_contains("done=confirmed"))
    assert "confirmed" in browser.find_element(By.ID, "reader-notice").text
    assert live.fetch("SELECT confirmed_at IS NOT NULL AS yes FROM reader_emails")[0]["yes"]

    removed_id = removed[0]["id"]
    card = browser.find_element(By.ID, f"own-{removed_id}")
    assert "Rejected" in card.text
    card.find_element(By.CSS_SELECTOR, "textarea").send_keys("It answered the article.")
    card.find_element(By.CSS_SELECTOR, "form.appeal button").click()
    wait(browser).until(ec.url_contains("done=appealed"))
    assert _status(live, removed_id) == "pending"
    assert "Awaiting moderation" in browser.find_element(By.ID, f"own-{removed_id}").text

    browser.find_element(By.CSS_SELECTOR, f"#own-{held} form.delete button").click()
    wait(browser).until(ec.url_contains("done=deleted"))
    assert not browser.find_elements(By.ID, f"own-{held}")
    assert live.fetch("SELECT count(*) AS n FROM comments WHERE id = $1", held)[0]["n"] == 0

    # Confirmed, with a published comment: a new one is trusted, and the script that adds
    # it to the page gives it a Report link like the others.
    browser.get(live.url(f"/embed/{ARTICLE}"))
    for name, value in (("name", "Dana"), ("email", "dana@example.org")):
        browser.find_element(By.ID, name).send_keys(value)
    browser.find_element(By.ID, "body").send_keys("Is the kettle on? Same wave at our clinic.")
    before = len(browser.find_elements(By.CSS_SELECTOR, "#comment-list > li"))
    browser.find_element(By.CSS_SELECTOR, "#comment-form button[type=submit]").click()
    # The page already had comments with Report links: wait for the script's new one.
    wait(browser).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#comment-list > li")) > before
    )
    added = browser.find_elements(By.CSS_SELECTOR, "#comment-list > li")[-1]
    new_id = added.get_attribute("id")
    report = added.find_element(By.CSS_SELECTOR, ".report")
    assert report.get_attribute("href").endswith(f"/embed/{ARTICLE}/report/{new_id[8:]}")
