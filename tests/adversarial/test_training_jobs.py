"""One training job at a time per service, and model versions that cannot collide
(issue 12, item 8).

Before: six concurrent `POST /v1/admin/training` started six processes, and
four failed with a raw UniqueViolationError on the model version (two jobs on
the same labels in the same second make the same version).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from moderation.classifier.persist import TrainedModel
from moderation.store.db import create_pool
from tests.adversarial.conftest import admin_headers


async def test_six_concurrent_training_requests_start_one_job_and_the_rest_get_409(
    make_settings, make_app_client, own_db
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db)

    async def start() -> tuple[int, dict[str, Any]]:
        resp = await client.post("/v1/admin/training", headers=admin, json={"include_seed": False})
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(start() for _ in range(6)))
    started = [body for status, body in answers if status == 202]
    refused = [body for status, body in answers if status == 409]
    assert len(started) == 1, answers
    assert len(refused) == 5, answers
    job_id = started[0]["id"]
    for body in refused:
        assert body["job_id"] == job_id
        assert str(job_id) in body["detail"]
    conn = await asyncpg.connect(own_db)
    try:
        assert await conn.fetchval("SELECT count(*) FROM training_jobs") == 1
    finally:
        await conn.close()


async def test_a_job_whose_process_died_does_not_block_training_forever(
    make_settings, make_app_client, own_db
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db)
    conn = await asyncpg.connect(own_db)
    try:  # a job left running by an instance that was killed ten minutes ago
        await conn.execute(
            "INSERT INTO training_jobs (state, created_by, created_at, started_at, heartbeat_at)"
            " VALUES ('running', 'gone', now() - interval '10 minutes',"
            " now() - interval '10 minutes', now() - interval '10 minutes')"
        )
    finally:
        await conn.close()
    resp = await client.post("/v1/admin/training", headers=admin, json={"include_seed": False})
    assert resp.status == 202, await resp.text()


async def test_two_jobs_that_train_the_same_version_both_register(
    make_settings, own_db, small_model: TrainedModel, monkeypatch
):
    from moderation.registry import training
    from moderation.rules import SiteRules
    from moderation.store import training as training_store

    def same_version(*args: Any, **kwargs: Any) -> TrainedModel:
        # Same labels, same second: train() names both models alike.
        return TrainedModel(
            small_model.pipeline,
            small_model.thresholds,
            {**small_model.metadata, "version": "20260101-000000-deadbeef"},
        )

    monkeypatch.setattr(training, "train", same_version)
    monkeypatch.setattr(training, "split", lambda site, seed: (list(site), []))
    settings = make_settings(database_url=own_db)
    pool = await create_pool(own_db, min_size=1, max_size=2)
    try:
        versions = []
        for _ in range(2):
            job_id = await training_store.create_job(
                pool, "default", {"include_seed": False}, "test"
            )
            await training.run_job(pool, job_id, settings, SiteRules.from_settings(settings))
            job = await training_store.get_job(pool, "default", job_id)
            assert job["state"] == "succeeded", job["error"]
            versions.append(job["model_version"])
        assert len(set(versions)) == 2
    finally:
        await pool.close()
