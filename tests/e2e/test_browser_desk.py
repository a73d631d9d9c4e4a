"""The desk's context, search, blocking and flow in a real headless Chromium.

With MODERATION_SCREENSHOTS=<folder> the tests also save the pages they show
(docs/desk.png, docs/desk-comment.png, docs/desk-search.png come from here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderation.settings import Settings
from tests.e2e.conftest import LiveServer, live_server
from tests.e2e.test_browser import HOSTILE, assert_nothing_ran, console_errors, sign_in, wait

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

SHOTS = os.environ.get("MODERATION_SCREENSHOTS")


@pytest.fixture(scope="module")
def live(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        pool_min_size=1,
        pool_max_size=4,
        _env_file=None,  # type: ignore[call-arg]
    )
    yield from live_server(settings)


def shot(browser: Any, name: str) -> None:
    if SHOTS:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1200, min(max(height, 700), 1600))
        browser.save_screenshot(str(Path(SHOTS) / name))
        browser.set_window_size(1200, 900)


def insert(live: LiveServer, **row: Any) -> int:
    base: dict[str, Any] = {
        "article": "ransomware-hits-hospital",
        "author_name": "Reader",
        "author_email": "reader@example.org",
        "body": "A comment.",
        "status": "pending",
        "spam_score": 0.5,
        "client_ip": "192.0.2.10",
        "decision": {
            "thresholds": {"low": 0.15, "high": 0.85},
            "rules": [],
            "why": [
                {
                    "term": "meta:links:2",
                    "label": "links to 2 sites",
                    "weight": 0.9,
                    "towards": "spam",
                },
                {
                    "term": "words:cheap",
                    "label": "the word “cheap”",
                    "weight": 0.6,
                    "towards": "spam",
                },
            ],
            "top_features": [["meta:links:2", 0.9], ["words:cheap", 0.6]],
        },
        "reasons": ["spam probability is between the thresholds"],
    }
    base.update(row)
    cols = ", ".join(base)
    params = ", ".join(f"${i}" for i in range(1, len(base) + 1))
    return int(
        live.fetch(f"INSERT INTO comments ({cols}) VALUES ({params}) RETURNING id", *base.values())[
            0
        ]["id"]
    )


def make_scene(live: LiveServer) -> dict[str, int]:
    live.reset()
    live.fetch(
        "INSERT INTO articles (article, title, url) VALUES ($1, $2, $3)",
        "ransomware-hits-hospital",
        "Ransomware hits St Mary's hospital",
        "https://news.example/2026/ransomware-hits-hospital",
    )
    for body in ("The backups saved them.", "Good reporting.", "Thanks for the detail."):
        insert(
            live,
            author_name="Dana Whitfield",
            author_email="dana@example.org",
            body=body,
            status="approved",
            spam_score=0.05,
        )
    top = insert(
        live,
        author_name="Sam Ortiz",
        author_email="sam@example.com",
        body="Was patient data taken, or only encrypted?",
        status="approved",
        spam_score=0.04,
    )
    reply = insert(
        live,
        parent_id=top,
        author_name="Dana Whitfield",
        author_email="dana@example.org",
        body="The hospital said records were encrypted, not copied. Cheap shot to blame "
        "the staff, though: https://news.example/a and https://news.example/b",
        spam_score=0.41,
    )
    spam = insert(
        live,
        author_name="Best Deals",
        author_email="deals@spam.example",
        body="Cheap watches! " + HOSTILE,
        spam_score=0.7,
        client_ip="203.0.113.9",
    )
    published = insert(
        live,
        author_name="Lou",
        author_email="lou@example.net",
        body="Visit my casino for free spins",
        status="approved",
        spam_score=0.1,
    )
    return {"top": top, "reply": reply, "spam": spam, "published": published}


def test_a_reply_card_shows_where_who_and_what_it_answers_and_the_detail_page_moves_on(
    browser, live
):
    ids = make_scene(live)
    sign_in(browser, live, "alice")
    browser.get(live.url("/desk"))
    card = wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['reply']}")))
    assert "Ransomware hits St Mary's hospital" in card.text
    assert "In reply to #" in card.text and "Was patient data taken" in card.text
    assert "3 approved, 0 rejected" in card.text and "trusted" in card.text
    link = card.find_element(By.CSS_SELECTOR, "a.article")
    assert link.get_attribute("href") == "https://news.example/2026/ransomware-hits-hospital"
    assert_nothing_ran(browser)
    shot(browser, "desk.png")

    browser.get(live.url(f"/desk/comments/{ids['reply']}"))
    page = browser.find_element(By.TAG_NAME, "main").text
    assert page.count("links to 2 sites") == 1  # the reason once
    assert "Conversation" in page
    shot(browser, "desk-comment.png")
    browser.find_element(By.TAG_NAME, "body").send_keys("a")
    wait(browser).until(ec.url_to_be(live.url("/desk")))
    # The undo offer follows to the next page.
    toast = browser.find_element(By.ID, "toast")
    assert f"Approved: comment {ids['reply']}." in toast.text and toast.is_displayed()
    rows = live.fetch("SELECT status FROM comments WHERE id = $1", ids["reply"])
    assert rows[0]["status"] == "approved"
    assert not console_errors(browser)


def test_a_canned_reason_is_picked_with_a_number_key_and_stored(browser, live):
    ids = make_scene(live)
    sign_in(browser, live, "alice")
    browser.get(live.url("/desk"))
    card = wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['spam']}")))
    card.click()
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("j" if "current" not in card.get_attribute("class") else "")
    browser.execute_script("arguments[0].focus()", card)
    card.send_keys("3")
    card.send_keys("r")
    wait(browser).until(lambda b: not b.find_elements(By.ID, f"c{ids['spam']}"))
    assert browser.find_element(By.ID, "match-count").text == "1 pending match"
    rows = live.fetch(
        "SELECT note FROM comment_history WHERE comment_id = $1 ORDER BY id DESC LIMIT 1",
        ids["spam"],
    )
    assert rows[0]["note"] == "Advertising"


def test_search_finds_a_published_comment_and_it_is_marked_spam_in_place(browser, live):
    ids = make_scene(live)
    sign_in(browser, live, "alice")
    browser.get(live.url("/desk/search?q=casino"))
    card = wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['published']}")))
    shot(browser, "desk-search.png")
    card.find_element(By.CSS_SELECTOR, "button.spam").click()
    wait(browser).until(lambda b: "Now spam." in card.text)
    rows = live.fetch("SELECT rejection FROM comments WHERE id = $1", ids["published"])
    assert rows[0]["rejection"] == "spam"
    browser.get(live.url("/desk/search?q=" + "%3Cscript%3E"))
    assert_nothing_ran(browser)


def test_block_sender_from_a_card_rejects_their_pending_and_applies_at_once(browser, live):
    ids = make_scene(live)
    sign_in(browser, live, "alice")
    browser.get(live.url("/desk"))
    card = wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['spam']}")))
    card.find_element(By.CSS_SELECTOR, "details.block summary").click()
    card.find_element(By.CSS_SELECTOR, "input[name=kind][value=domain]").click()
    card.find_element(By.CSS_SELECTOR, "input[name=reject_pending]").click()
    card.find_element(By.CSS_SELECTOR, "details.block button[type=submit]").click()
    flash = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".flash .ok")))
    assert "Blocked spam.example (blocked domains) on every instance" in flash.text
    assert live.fetch("SELECT status FROM comments WHERE id = $1", ids["spam"])[0]["status"] == (
        "rejected"
    )


def test_filters_fold_away_on_a_phone(browser, live):
    make_scene(live)
    sign_in(browser, live, "alice")
    browser.set_window_size(390, 844)
    try:
        browser.get(live.url("/desk"))
        box = browser.find_element(By.CSS_SELECTOR, ".filters-box")
        assert box.get_attribute("open") is None
        assert not browser.find_element(By.NAME, "min_score").is_displayed()
    finally:
        browser.set_window_size(1200, 900)


def test_a_keyboard_decision_is_undone_from_the_toast_and_the_card_comes_back(browser, live):
    ids = make_scene(live)
    sign_in(browser, live, "alice")
    browser.get(live.url("/desk"))
    card = wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['spam']}")))
    browser.execute_script("arguments[0].focus()", card)
    card.send_keys("s")
    wait(browser).until(lambda b: not b.find_elements(By.ID, f"c{ids['spam']}"))
    toast = browser.find_element(By.ID, "toast")
    assert toast.is_displayed() and f"Marked as spam: comment {ids['spam']}." in toast.text
    shot(browser, "desk-undo.png")
    browser.find_element(By.TAG_NAME, "body").send_keys("u")
    wait(browser).until(ec.presence_of_element_located((By.ID, f"c{ids['spam']}")))
    wait(browser).until(lambda b: "is pending again" in toast.text)
    row = live.fetch("SELECT status, claimed_by FROM comments WHERE id = $1", ids["spam"])[0]
    assert (row["status"], row["claimed_by"]) == ("pending", "alice")
    assert browser.find_element(By.ID, "match-count").text == "2 pending matches"
    assert not console_errors(browser)


def test_an_admin_edits_the_rules_sees_a_bad_line_next_to_its_box_and_the_history(browser, live):
    make_scene(live)
    browser.delete_all_cookies()
    try:
        browser.get(live.url("/desk"))
        browser.find_element(By.ID, "token").send_keys(live.make_token("admin", "root"))
        browser.find_element(By.CSS_SELECTOR, ".signin button[type=submit]").click()
        wait(browser).until(ec.url_to_be(live.url("/desk")))
        browser.find_element(By.LINK_TEXT, "Rules").click()
        box = wait(browser).until(ec.presence_of_element_located((By.ID, "blocked_emails")))
        box.send_keys("deals@spam.example\nnot an address")
        browser.find_element(By.ID, "disallowed_words").send_keys("cheap watches")
        browser.find_element(By.CSS_SELECTOR, ".rules-form button[type=submit]").click()
        # The box's error line is on every version of the page: wait for its words.
        wait(browser).until(
            ec.text_to_be_present_in_element((By.ID, "blocked_emails-error"), "line 2")
        )
        error = browser.find_element(By.ID, "blocked_emails-error")
        assert "line 2 (not an address): must be an email address" in error.text
        assert browser.find_element(By.ID, "blocked_emails").get_attribute("aria-invalid")
        assert "cheap watches" in browser.find_element(By.ID, "disallowed_words").text
        shot(browser, "desk-rules.png")
        box = browser.find_element(By.ID, "blocked_emails")
        box.clear()
        box.send_keys("deals@spam.example")
        browser.find_element(By.CSS_SELECTOR, ".rules-form button[type=submit]").click()
        flash = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".flash .ok")))
        assert "blocked emails, disallowed words" in flash.text
        history = browser.find_element(By.CSS_SELECTOR, ".rule-history").text
        assert "root saved version" in history and "disallowed words" in history
        stored = live.fetch("SELECT rules FROM site_rules")[0]["rules"]
        assert stored["blocked_emails"] == ["deals@spam.example"]
        assert stored["disallowed_words"] == ["cheap watches"]
        # The refused form is answered 422, which Chromium logs; nothing else may be.
        assert not [e for e in console_errors(browser) if "status of 422" not in e]
    finally:
        browser.delete_all_cookies()
