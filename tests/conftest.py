"""Shared fixtures: a real PostgreSQL database for the session, the app, factories.

The suite creates its own databases on the server named by
MODERATION_TEST_ADMIN_URL, under a name unique to this run
(`moderation_test_<random>`, or MODERATION_TEST_DB as a prefix), applies the
migrations once, empties the comment tables before each test that uses the
database (tests/db.reset), and drops every database it made when the session ends, so two runs
on one PostgreSQL never touch each other's data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.settings import Settings
from moderation.store import migrations
from moderation.store.db import init_connection
from tests.db import reset

ADMIN_URL = os.environ.get(
    "MODERATION_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = f"{os.environ.get('MODERATION_TEST_DB', 'moderation_test')}_{secrets.token_hex(4)}"
_CREATED: list[str] = []


def _url_for(db: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{db}"


async def _recreate(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    _CREATED.append(name)


async def _drop_all() -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        for name in _CREATED:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the databases this run made (each name is this run's own)."""
    if _CREATED:
        _run(_drop_all())


async def _migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
    finally:
        await conn.close()


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run set-up code on its own loop, also when called from inside a running test loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def database_url() -> str:
    """A freshly created, migrated database for this test session."""
    _run(_recreate(DB_NAME))
    url = _url_for(DB_NAME)
    _run(_migrate(url))
    return url


@pytest.fixture(scope="session")
def fresh_database() -> Callable[[str], str]:
    """Makes another empty database (not migrated) for tests that need their own."""

    def make(suffix: str) -> str:
        name = f"{DB_NAME}_{suffix}"
        _run(_recreate(name))
        return _url_for(name)

    return make


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared across the session so the seed model is trained once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        pool_min_size=1,
        pool_max_size=4,
        # Tests post many comments from one address; test_abuse.py sets its own limits.
        flood_ip_interval_seconds=0,
        flood_email_interval_seconds=0,
        flood_ip_max=0,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection, with the tables tests write emptied first (tests/db.py)."""
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    await reset(conn)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def make_settings(settings: Settings) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        # Build anew rather than model_copy, so overrides are validated like env values.
        return Settings(**{**settings.model_dump(), **overrides})

    return make


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Any], settings: Settings, db: asyncpg.Connection
) -> TestClient[Any, Any]:
    c: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    return c


@pytest.fixture
def make_app_client(
    aiohttp_client: Callable[..., Any], db: asyncpg.Connection
) -> Callable[[Settings], Any]:
    async def make(s: Settings) -> TestClient[Any, Any]:
        c: TestClient[Any, Any] = await aiohttp_client(create_app(s))
        return c

    return make


def comment_payload(**overrides: Any) -> dict[str, Any]:
    """A valid, clearly legitimate comment; tests override what they are about."""
    doc: dict[str, Any] = {
        "article": "ransomware-hits-hospital",
        "name": "Dana Whitfield",
        "email": "dana@example.org",
        "body": "Thanks for the write-up. Do you know whether the hospital had offline backups?",
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.fixture
def payload() -> Callable[..., dict[str, Any]]:
    return comment_payload


@pytest.fixture
def make_token(db: asyncpg.Connection) -> Callable[..., Any]:
    """Creates a token with a role; returns the Authorization headers that carry it."""

    async def make(role: str = "moderator", name: str | None = None) -> dict[str, str]:
        from moderation.ops.access import create_token

        make.count += 1  # type: ignore[attr-defined]
        secret, _ = await create_token(db, name or f"{role}{make.count}", role)  # type: ignore[attr-defined]
        return {"Authorization": f"Bearer {secret}"}

    make.count = 0  # type: ignore[attr-defined]
    return make


async def insert_comment(db: asyncpg.Connection, **overrides: Any) -> int:
    """A comment row written straight to the table (no HTTP, no classifier)."""
    row: dict[str, Any] = {
        "article": "story",
        "author_name": "Reader",
        "author_email": "reader@example.com",
        "body": "A comment.",
        "status": "pending",
        "rejection": None,
        "spam_score": 0.5,
        "client_ip": "192.0.2.1",
    }
    row.update(overrides)
    cols = ", ".join(row)
    params = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    return int(
        await db.fetchval(
            f"INSERT INTO comments ({cols}) VALUES ({params}) RETURNING id", *row.values()
        )
    )
