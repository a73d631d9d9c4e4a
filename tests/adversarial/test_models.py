"""A model that cannot score never serves (issue 12, item 3).

An artifact whose coefficients are NaN holds only trusted types, so the
trusted-types check let it through: once activated, every submission failed
with a 500 (`comments_spam_score_check`) while /readyz said ok, rollback went
back to it, and MODERATION_MODEL_FILE started the service with it. Now every
way in (loading an artifact, activation, rollback, the hot swap, the model
file, a training job's registration) makes the model score the probe
comments first, and /readyz says whether the model in use can score.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from moderation.app import create_app
from moderation.classifier import persist, probe
from moderation.classifier.persist import TrainedModel, UntrustedModel
from moderation.keys import MODEL
from moderation.store.db import create_pool
from tests.adversarial.conftest import admin_headers, with_nan_weights
from tests.conftest import comment_payload


def test_an_artifact_with_nan_weights_is_refused_on_loading(nan_artifact):
    with pytest.raises(UntrustedModel, match="cannot score"):
        persist.loads(nan_artifact)


def test_a_sound_model_passes_the_probe(small_model: TrainedModel):
    probe.check(persist.loads(persist.dumps(small_model)))


async def _register(url: str, version: str, artifact: bytes, *, was_active: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO models (version, state, artifact) VALUES ($1, $2, $3)",
            version,
            "retired" if was_active else "candidate",
            artifact,
        )
        if was_active:  # on record as active once, so a rollback would pick it
            await conn.execute(
                "INSERT INTO model_activations (version, activated_by) VALUES ($1, 'past')",
                version,
            )
    finally:
        await conn.close()


async def test_activating_a_model_that_cannot_score_is_refused_and_submissions_go_on(
    make_settings, make_app_client, own_db, nan_artifact
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db)
    before = (await (await client.get("/readyz")).json())["model_version"]
    await _register(own_db, "nan-weights", nan_artifact, was_active=False)
    resp = await client.post("/v1/admin/models/nan-weights/activate", headers=admin)
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"
    assert "cannot score" in (await resp.json())["detail"]
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["model_version"] == before
    submitted = await client.post("/v1/comments", json=comment_payload())
    assert submitted.status in (201, 202)


async def test_rollback_to_a_model_that_cannot_score_is_refused(
    make_settings, make_app_client, own_db, nan_artifact
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db)
    before = (await (await client.get("/readyz")).json())["model_version"]
    await _register(own_db, "nan-weights", nan_artifact, was_active=True)
    resp = await client.post("/v1/admin/models/rollback", headers=admin)
    assert resp.status == 422
    assert (await (await client.get("/readyz")).json())["model_version"] == before
    submitted = await client.post("/v1/comments", json=comment_payload())
    assert submitted.status in (201, 202)


async def test_a_model_that_cannot_score_made_active_behind_the_service_is_not_swapped_in(
    make_settings, make_app_client, own_db, nan_artifact
):
    client = await make_app_client(make_settings(database_url=own_db, model_check_seconds=0.2))
    before = (await (await client.get("/readyz")).json())["model_version"]
    await _register(own_db, "nan-weights", nan_artifact, was_active=False)
    conn = await asyncpg.connect(own_db)
    try:  # as an older release of the service, or a hand-written UPDATE, would
        await conn.execute("UPDATE models SET state = 'retired' WHERE state = 'active'")
        await conn.execute("UPDATE models SET state = 'active' WHERE version = 'nan-weights'")
        await conn.execute("SELECT pg_notify('moderation_model', 'nan-weights')")
    finally:
        await conn.close()
    await asyncio.sleep(1.0)
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["model_version"] == before
    submitted = await client.post("/v1/comments", json=comment_payload())
    assert submitted.status in (201, 202)


async def test_a_model_file_that_cannot_score_stops_the_start(
    make_settings, nan_artifact, tmp_path: Path
):
    path = tmp_path / "nan.skops"
    path.write_bytes(nan_artifact)
    runner = web.AppRunner(create_app(make_settings(model_file=path)))
    try:
        with pytest.raises(UntrustedModel, match="MODERATION_MODEL_FILE"):
            await runner.setup()
    finally:
        await runner.cleanup()


async def test_readyz_is_unavailable_while_the_model_in_use_cannot_score(
    client, small_model: TrainedModel
):
    assert (await client.get("/readyz")).status == 200
    # Under the live version: the model watcher's first refresh, still to come, puts
    # back any model whose version differs from the registry's active one.
    client.app[MODEL].swap(with_nan_weights(small_model, client.app[MODEL].model.version))
    resp = await client.get("/readyz")
    assert resp.status == 503
    body: dict[str, Any] = await resp.json()
    assert body["status"] == "unavailable"
    assert body["model"] is False


async def test_a_training_job_whose_model_cannot_score_registers_nothing(
    make_settings, own_db, small_model: TrainedModel, monkeypatch
):
    from moderation.registry import training
    from moderation.rules import SiteRules
    from moderation.store import training as training_store

    settings = make_settings(database_url=own_db)
    monkeypatch.setattr(
        training, "train", lambda *a, **k: with_nan_weights(small_model, "nan-trained")
    )
    monkeypatch.setattr(training, "split", lambda site, seed: (list(site), []))
    pool = await create_pool(own_db, min_size=1, max_size=2)
    try:
        job_id = await training_store.create_job(pool, "default", {"include_seed": False}, "test")
        await training.run_job(pool, job_id, settings, SiteRules.from_settings(settings))
        job = await training_store.get_job(pool, "default", job_id)
        assert job["state"] == "failed"
        assert "nan-trained" in job["error"]
        assert await pool.fetchval("SELECT count(*) FROM models WHERE version = 'nan-trained'") == 0
    finally:
        await pool.close()
