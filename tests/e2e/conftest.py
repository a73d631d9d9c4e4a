"""Fixtures for the browser tests: the real app on a real port, and one headless Chromium.

The app runs in a thread with its own event loop, so the tests can drive the
browser with Selenium's blocking calls while the server keeps answering.
Chromium and its driver are Debian's (`apt-get install chromium chromium-driver`,
done by .ci/run); Selenium is pointed at them, so it never downloads a browser.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from aiohttp import web

from moderation.app import create_app
from moderation.cli.serve import PARSER_LIMITS
from moderation.keys import POOL
from moderation.ops.pages import PAGES
from moderation.settings import Settings
from tests.db import reset_statement

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
T = TypeVar("T")


class LiveServer:
    """An application served on 127.0.0.1 from its own thread and event loop."""

    def __init__(self, apps: dict[str, web.Application]) -> None:
        self.apps = apps
        self.ports: dict[str, int] = {}
        self._runners: list[web.AppRunner] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self.run(self._start(), timeout=180)  # a first start may train the seed model

    async def _start(self) -> None:
        for name, app in self.apps.items():
            # The parser limits `moderation serve` sets (a long search URL is its to judge).
            runner = web.AppRunner(app, access_log=None, **PARSER_LIMITS)
            await runner.setup()
            self._runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.ports[name] = runner.addresses[0][1]

    def stop(self) -> None:
        try:
            for runner in reversed(self._runners):
                self.run(runner.cleanup())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def url(self, path: str, app: str = "main") -> str:
        return f"http://127.0.0.1:{self.ports[app]}{path}"

    def fetch(self, query: str, *args: Any) -> list[Any]:
        """Run SQL on the app's database, as if a request had: cached article pages are
        dropped now, since PostgreSQL's notice of the change reaches the app a moment
        later, and a browser that asks at once would still be shown the old page."""
        app = self.apps["main"]

        async def fetch() -> list[Any]:
            rows = await app[POOL].fetch(query, *args)
            app[PAGES].changed(None)
            return rows

        return self.run(fetch())

    def make_token(self, role: str, name: str) -> str:
        from moderation.ops.access import create_token

        secret, _ = self.run(create_token(self.apps["main"][POOL], name, role))
        return secret

    def reset(self, *, keep_tokens: bool = True) -> None:
        """Empties what requests write; tokens and sessions stay unless told (tests/db.py).

        The app's own background work (audits, mail, the model watcher) reads these
        tables at any moment, above all just after start; the TRUNCATE's exclusive locks
        can then deadlock with such a read, and PostgreSQL cancels one of the two. When it
        picks the TRUNCATE, nothing was emptied: try again."""
        for attempt in range(1, 6):
            try:
                self.fetch(reset_statement(keep_tokens=keep_tokens))
                return
            except asyncpg.DeadlockDetectedError:
                if attempt == 5:
                    raise
                time.sleep(0.1 * attempt)


def live_server(
    settings: Settings, extra: dict[str, web.Application] | None = None
) -> Iterator[LiveServer]:
    server = LiveServer({"main": create_app(settings), **(extra or {})})
    server.start()
    try:
        server.reset(keep_tokens=False)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(
            "browser tests need Debian's chromium and chromium-driver "
            "(/usr/bin/chromium, /usr/bin/chromedriver): apt-get install chromium chromium-driver"
        )
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="moderation-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}", "--window-size=1200,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
