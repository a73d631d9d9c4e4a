"""The whole loop in a real headless Chromium: a reader comments, a moderator decides.

One browser and one served app for the module; each test leaves the browser
signed in or not, so the helpers below check where they are first.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from moderation.settings import Settings
from tests.e2e.conftest import LiveServer, live_server

pytest.importorskip("selenium")

from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

ARTICLE = "ransomware-hits-hospital"
HOSTILE = (
    "<script>window.pwned = 1</script> <img src=x onerror=\"window.pwned = 2; alert('img')\"> "
    '<a href="javascript:window.pwned = 3">click me</a> javascript:alert(4)'
)


async def attacker_page(request: web.Request) -> web.Response:
    """Another site's page (another port) that posts a decision to the desk, without CSRF."""
    target = html.escape(request.query["target"])
    comment = html.escape(request.query["id"])
    return web.Response(
        content_type="text/html",
        text=f"""<!doctype html><title>Win a prize</title>
        <form method="post" action="{target}">
          <input type="hidden" name="id" value="{comment}">
          <input type="hidden" name="action" value="approve">
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
        moderation_words=["kettle"],  # "kettle" holds a comment for review, whatever its score
        # Tests empty the database between them, which no site does: Chromium must not show
        # the previous test's page from its own cache (stale-while-revalidate) meanwhile.
        page_max_age_seconds=0,
        page_stale_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    attacker = web.Application()
    attacker.router.add_get("/", attacker_page)
    yield from live_server(settings, {"attacker": attacker})


def wait(browser: Any, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def sign_in(browser: Any, live: LiveServer, name: str) -> None:
    browser.get(live.url("/desk"))
    if "/desk/login" not in browser.current_url:
        return
    browser.find_element(By.ID, "token").send_keys(live.make_token("moderator", name))
    browser.find_element(By.CSS_SELECTOR, ".signin button[type=submit]").click()
    wait(browser).until(ec.url_to_be(live.url("/desk")))


def open_comments(browser: Any, live: LiveServer) -> None:
    """The demo article, with the browser inside its comments iframe."""
    browser.switch_to.default_content()
    browser.get(live.url("/demo"))
    wait(browser).until(ec.frame_to_be_available_and_switch_to_it((By.ID, "comments-frame")))
    wait(browser).until(ec.presence_of_element_located((By.ID, "comment-form")))


def submit_and_wait_for_the_next_page(browser: Any) -> None:
    """Submit the comment form as a plain form post and wait until its answer replaced the page.

    Until the new document is in, chromedriver may find a node of the old one and lose it
    mid-query ("Node with given id does not belong to the document"): wait for the old form
    to go stale first, so later waits only ever look at the new page.
    """
    form = browser.find_element(By.ID, "comment-form")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        ec.staleness_of(form)
    )


def fill(browser: Any, **fields: str) -> None:
    for name, value in fields.items():
        box = browser.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)


def assert_nothing_ran(browser: Any) -> None:
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018


def console_errors(browser: Any) -> list[str]:
    """Errors the page logged since the last call: CSP refusals, failed scripts, 404s."""
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def status_of(live: LiveServer, body: str) -> str:
    rows = live.fetch("SELECT status FROM comments WHERE body = $1", body)
    return rows[0]["status"] if rows else "missing"


def test_a_held_comment_is_approved_with_the_keyboard_and_the_reader_then_sees_it(browser, live):
    live.reset()
    body = "Is the kettle on? We saw the same phishing wave at our clinic."
    open_comments(browser, live)
    browser.execute_script("window.notReloaded = true")
    fill(browser, name="Dana Whitfield", email="dana@example.org", body=body)
    browser.find_element(By.CSS_SELECTOR, "#comment-form button[type=submit]").click()
    notice = wait(browser).until(ec.visibility_of_element_located((By.ID, "comment-held")))
    assert "held for moderation" in notice.text
    assert browser.execute_script("return window.notReloaded") is True  # the script posted it
    assert browser.find_element(By.ID, "body").get_attribute("value") == ""
    assert status_of(live, body) == "pending"
    # The demo page names itself in the iframe's address; the script sent both.
    article = live.fetch("SELECT title, url FROM articles WHERE article = $1", ARTICLE)[0]
    assert article["title"] == "Ransomware hits regional hospital"
    assert article["url"] == live.url("/demo")

    second = "Another held comment about the kettle."
    live.fetch(
        "INSERT INTO comments (article, author_name, author_email, body, status) "
        "VALUES ($1, 'Tom', 'tom@example.org', $2, 'pending')",
        ARTICLE,
        second,
    )
    browser.switch_to.default_content()
    sign_in(browser, live, "alice")
    cards = browser.find_elements(By.CSS_SELECTOR, "#cards .card")
    assert [c.find_element(By.CSS_SELECTOR, ".body").text for c in cards] == [body, second]
    assert browser.find_element(By.ID, "pending-count").text == "2"
    assert browser.switch_to.active_element == cards[0]

    browser.switch_to.active_element.send_keys("?")
    assert browser.find_element(By.ID, "keys").is_displayed()
    browser.switch_to.active_element.send_keys("?")
    assert not browser.find_element(By.ID, "keys").is_displayed()

    browser.switch_to.active_element.send_keys("a")
    wait(browser).until(ec.staleness_of(cards[0]))
    assert status_of(live, body) == "approved"
    assert browser.find_element(By.ID, "pending-count").text == "1"
    assert browser.switch_to.active_element.get_attribute("id") == cards[1].get_attribute("id")

    open_comments(browser, live)
    shown = browser.find_element(By.ID, "comment-list").text
    assert body in shown and "Dana Whitfield" in shown
    assert second not in shown
    assert console_errors(browser) == []


def test_hostile_comment_text_shows_as_text_and_runs_nothing(browser, live):
    live.reset()
    live.fetch(
        "INSERT INTO comments (article, author_name, author_email, author_url, body, status) "
        "VALUES ($1, $2, 'eve@example.org', 'javascript:alert(1)', $3, 'approved'), "
        "       ($1, 'Eve', 'eve@example.org', NULL, $3, 'pending')",
        ARTICLE,
        '<img src=x onerror="window.pwned = 5">Eve',
        HOSTILE,
    )
    open_comments(browser, live)
    comment = browser.find_element(By.CSS_SELECTOR, "#comment-list .comment")
    assert comment.find_element(By.CSS_SELECTOR, ".body").text == HOSTILE
    assert comment.find_element(By.CSS_SELECTOR, ".author").text.startswith("<img src=x")
    assert browser.find_elements(By.CSS_SELECTOR, "#comment-list img, #comment-list script") == []
    assert browser.find_elements(By.CSS_SELECTOR, "#comment-list .author a") == []
    assert not any(
        (a.get_attribute("href") or "").lower().startswith("javascript:")
        for a in browser.find_elements(By.CSS_SELECTOR, "#comment-list a")
    )
    assert_nothing_ran(browser)

    browser.switch_to.default_content()
    sign_in(browser, live, "bob")
    card = browser.find_element(By.CSS_SELECTOR, "#cards .card .body")
    assert card.text == HOSTILE
    assert browser.find_elements(By.CSS_SELECTOR, "#cards img, #cards script") == []
    assert_nothing_ran(browser)
    assert console_errors(browser) == []


def test_form_errors_show_next_to_the_fields_with_and_without_javascript(browser, live):
    live.reset()
    browser.switch_to.default_content()
    typed = {"name": "Dana", "email": "dana@example", "url": "javascript:alert(1)"}
    body = "A kettle question about the backups."

    browser.get(live.url(f"/embed/{ARTICLE}"))
    fill(browser, **typed, body=body)
    browser.find_element(By.CSS_SELECTOR, "#comment-form button[type=submit]").click()
    url_error = wait(browser).until(ec.visibility_of_element_located((By.ID, "url-error")))
    assert url_error.text == "must be an http or https address"
    assert browser.find_element(By.ID, "email-error").text == "not a valid email address"
    assert browser.find_element(By.ID, "name-error").text == ""
    assert browser.find_element(By.ID, "email").get_attribute("aria-invalid") == "true"

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(live.url(f"/embed/{ARTICLE}"))
        fill(browser, **typed, body=body)
        submit_and_wait_for_the_next_page(browser)
        wait(browser).until(ec.text_to_be_present_in_element((By.ID, "url-error"), "http"))
        assert browser.find_element(By.ID, "email-error").text == "not a valid email address"
        for field, value in typed.items():
            assert browser.find_element(By.ID, field).get_attribute("value") == value
        assert browser.find_element(By.ID, "body").get_attribute("value") == body
        assert status_of(live, body) == "missing"

        fill(browser, email="dana@example.org", url="dana.example.org")
        submit_and_wait_for_the_next_page(browser)
        wait(browser).until(ec.url_contains("posted=held"))
        assert "held for moderation" in browser.find_element(By.ID, "comment-held").text
        assert status_of(live, body) == "pending"
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_a_decision_posted_from_another_site_without_the_csrf_token_is_refused(browser, live):
    live.reset()
    live.fetch(
        "INSERT INTO comments (article, author_name, author_email, body, status) "
        "VALUES ($1, 'Sam', 'sam@example.org', 'Target of a forged form', 'pending')",
        ARTICLE,
    )
    comment_id = live.fetch("SELECT id FROM comments")[0]["id"]
    browser.switch_to.default_content()
    sign_in(browser, live, "carol")
    target = live.url("/desk/decide")
    browser.get(live.url(f"/?target={target}&id={comment_id}", app="attacker"))
    browser.find_element(By.ID, "prize").click()
    wait(browser).until(ec.url_to_be(target))
    assert "Form refused" in browser.find_element(By.TAG_NAME, "h1").text
    assert status_of(live, "Target of a forged form") == "pending"
