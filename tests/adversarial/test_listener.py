"""The hot swap survives a database restart (issue 12, item 9).

A restart ends every connection, the LISTEN one included. Before, the watch
did not notice: no log line, and instances switched to a newly activated
model only at the next poll (16 s and 29 s in the adversarial run). Now the
dead listener is seen at once (asyncpg's termination callback, and a ping for
a peer that vanished without closing), logged, and replaced.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from moderation.classifier import persist
from moderation.classifier.persist import TrainedModel
from moderation.keys import MODEL, POOL
from moderation.registry import hotswap
from moderation.registry.activation import activate
from moderation.store import models as model_store
from tests.polling import eventually

SWAP_WITHIN_S = 30.0  # a time-out for a loaded machine, far below the 600 s poll set here


async def _register(url: str, model: TrainedModel, version: str) -> None:
    copy = TrainedModel(model.pipeline, model.thresholds, {**model.metadata, "version": version})
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO models (version, state, artifact) VALUES ($1, 'candidate', $2)",
            version,
            persist.dumps(copy),
        )
    finally:
        await conn.close()


async def test_after_the_database_drops_every_connection_a_new_model_is_served_within_seconds(
    make_settings, make_app_client, own_db, small_model, caplog
):
    caplog.set_level(logging.INFO, logger="moderation.registry.hotswap")
    client = await make_app_client(make_settings(database_url=own_db, model_check_seconds=600))

    async def listening() -> bool:
        return bool(
            await client.server.app[POOL].fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND query = $1",
                f'LISTEN "{model_store.CHANNEL}"',
            )
        )

    await eventually(listening)  # the watch must be listening for its loss to be seen
    await _register(own_db, small_model, "after-restart")
    conn = await asyncpg.connect(own_db)
    try:
        # What a restart does to the service's connections.
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await asyncio.sleep(0.2)
        await model_store.activate(conn, "default", "after-restart", "test")
    finally:
        await conn.close()
    seen = None
    deadline = asyncio.get_running_loop().time() + SWAP_WITHIN_S
    while asyncio.get_running_loop().time() < deadline:
        resp = await client.get("/readyz")
        seen = (await resp.json())["model_version"]
        if seen == "after-restart":
            break
        await asyncio.sleep(0.1)
    assert seen == "after-restart"
    lost = [r for r in caplog.records if "listen" in r.getMessage().lower()]
    assert any(r.levelno >= logging.WARNING for r in lost), [r.getMessage() for r in lost]


async def test_a_refresh_that_read_the_registry_before_an_activation_does_not_undo_it(
    make_settings, make_app_client, own_db, small_model, monkeypatch
):
    """The watch reads the active version, then loads it (which takes a while); an
    activation that comes in between swaps the newer model in, and the watch's
    older one must not replace it afterwards."""

    async def no_watch(app: object) -> None:  # this test plays the watch's part itself
        await asyncio.Event().wait()

    monkeypatch.setattr(hotswap, "_watch", no_watch)
    client = await make_app_client(make_settings(database_url=own_db, model_check_seconds=600))
    app = client.server.app
    await _register(own_db, small_model, "older")
    await _register(own_db, small_model, "newer")
    conn = await asyncpg.connect(own_db)
    try:
        await model_store.activate(conn, "default", "older", "test")
    finally:
        await conn.close()
    loading, finish = asyncio.Event(), asyncio.Event()
    real_load = hotswap.load_artifact

    async def slow_load(data: bytes) -> TrainedModel:
        loading.set()
        await finish.wait()
        return await real_load(data)

    monkeypatch.setattr(hotswap, "load_artifact", slow_load)
    stale = asyncio.create_task(hotswap.refresh(app))
    await asyncio.wait_for(loading.wait(), 30)  # it has read "older" and is loading it
    monkeypatch.setattr(hotswap, "load_artifact", real_load)
    await activate(app, "default", "newer", "test")
    assert app[MODEL].model.version == "newer"
    finish.set()
    await asyncio.wait_for(stale, 30)
    assert app[MODEL].model.version == "newer"
