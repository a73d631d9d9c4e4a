"""The Models page in a real headless Chromium: versions, the what-if simulator, a training job.

The served app has a database of its own: the job registers models, which the rest of
the suite must not be served. The server stops (and with it the job) when the module ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from moderation.classifier.data import read_jsonl
from moderation.keys import POOL
from moderation.settings import Settings
from moderation.store import migrations
from moderation.store import training as training_store
from tests.conftest import _run
from tests.e2e.conftest import LiveServer, live_server
from tests.integration.test_pages_models import labels_jsonl

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

PERCENT = re.compile(r"^\d{1,3}\.\d %$")


async def _migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def live(fresh_database: Any, data_dir: Path) -> Iterator[LiveServer]:
    url = fresh_database("browser_models")
    _run(_migrate(url))
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        pool_min_size=1,
        pool_max_size=4,
        _env_file=None,  # type: ignore[call-arg]
    )
    yield from live_server(settings)


def import_labels(live: LiveServer) -> None:
    examples = list(read_jsonl(labels_jsonl().split("\n"), "old-site"))

    async def store() -> None:
        async with live.apps["main"][POOL].acquire() as conn:
            await training_store.import_labels(conn, "default", examples, "import:old-site", "root")

    live.run(store())


def wait(browser: Any, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def console_errors(browser: Any) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def sign_in_as_admin(browser: Any, live: LiveServer) -> None:
    browser.get(live.url("/desk"))
    if "/desk/login" in browser.current_url:
        browser.find_element(By.ID, "token").send_keys(live.make_token("admin", "root"))
        browser.find_element(By.CSS_SELECTOR, ".signin button[type=submit]").click()
        wait(browser).until(ec.url_to_be(live.url("/desk")))


def test_an_admin_compares_versions_simulates_and_watches_a_training_job(browser, live):
    import_labels(live)
    seed = live.fetch("SELECT version FROM models WHERE state = 'active'")[0]["version"]
    sign_in_as_admin(browser, live)
    browser.find_element(By.LINK_TEXT, "Models").click()
    wait(browser).until(ec.url_to_be(live.url("/desk/models")))

    row = browser.find_element(By.CSS_SELECTOR, f'#versions-table tr[data-version="{seed}"]')
    assert row.find_element(By.CSS_SELECTOR, ".badge").text == "active"
    assert re.fullmatch(r"\d\.\d{3}", row.find_element(By.CSS_SELECTOR, "td.mcc").text)

    # What if: stricter targets, then the projection and its chart.
    form = browser.find_element(By.CSS_SELECTOR, "form.whatif")
    form.find_element(By.NAME, "spam_pct").send_keys("0.5")
    form.find_element(By.NAME, "ham_pct").send_keys("0.5")
    browser.find_element(By.ID, "simulate").click()
    result = wait(browser).until(ec.visibility_of_element_located((By.ID, "whatif-result")))
    assert "sim=1" in browser.current_url and "spam_pct=0.5" in browser.current_url
    shares = [
        browser.find_element(By.ID, f"share-{k}").text for k in ("approved", "queued", "rejected")
    ]
    assert all(PERCENT.match(s) for s in shares), shares
    assert abs(sum(float(s.rstrip(" %")) for s in shares) - 100) < 0.2
    bars = result.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar.proposed")
    assert len(bars) == 3 and bars[0].size["width"] >= 0
    assert "60 site labels" in result.text
    assert browser.find_element(By.NAME, "spam_pct").get_attribute("value") == "0.5"

    # At phone width nothing sticks out sideways.
    browser.set_window_size(390, 844)
    try:
        browser.refresh()
        wait(browser).until(ec.presence_of_element_located((By.ID, "whatif-result")))
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        browser.set_window_size(1200, 900)

    # Train: the job panel follows the job in place (the script polls its JSON).
    browser.get(live.url("/desk/models"))
    browser.find_element(By.ID, "train-button").click()
    panel = wait(browser).until(ec.presence_of_element_located((By.ID, "job")))
    assert re.search(r"/desk/models\?job=\d+#job$", browser.current_url)
    assert "started (with the seed corpus)" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    browser.execute_script("window.notReloaded = true")
    first = (
        browser.find_element(By.ID, "job-state").text,
        browser.find_element(By.ID, "job-percent").text,
    )
    wait(browser, 60).until(
        lambda b: (
            (b.find_element(By.ID, "job-state").text, b.find_element(By.ID, "job-percent").text)
            != first
        )
    )
    state = browser.find_element(By.ID, "job-state").text
    assert state in ("running", "succeeded"), state
    assert browser.execute_script("return window.notReloaded") is True
    percent = int(browser.find_element(By.ID, "job-percent").text.rstrip(" %"))
    assert percent > 0
    assert browser.find_element(By.ID, "job-progress").get_attribute("value") == str(percent)
    assert panel.find_element(By.ID, "job-state").get_attribute("class") == f"badge {state}"
    assert console_errors(browser) == []
