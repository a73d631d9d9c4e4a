"""Fixtures for the adversarial tests: a small real model, and a copy of it that cannot score."""

from __future__ import annotations

import copy
from typing import Any

import asyncpg
import numpy as np
import pytest

from moderation.classifier import persist
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import train
from moderation.ops.access import create_token
from moderation.store import migrations
from tests.unit.conftest import HELDOUT, _examples


@pytest.fixture(scope="session")
def small_model() -> TrainedModel:
    return train(_examples(), holdout_fraction=0, heldout=HELDOUT, description="adversarial")


def with_nan_weights(model: TrainedModel, version: str) -> TrainedModel:
    """The same model with NaN coefficients: every type in it is still a trusted one."""
    pipeline = copy.deepcopy(model.pipeline)
    inner = pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator
    inner.coef_ = np.full_like(inner.coef_, np.nan)
    return TrainedModel(pipeline, model.thresholds, {**model.metadata, "version": version})


@pytest.fixture(scope="session")
def nan_artifact(small_model: TrainedModel) -> bytes:
    return persist.dumps(with_nan_weights(small_model, "nan-weights"))


@pytest.fixture
async def own_db(fresh_database: Any) -> str:
    """A database of the test's own: these tests change the model registry."""
    url = str(fresh_database("adversarial"))
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
    finally:
        await conn.close()
    return url


async def admin_headers(url: str, name: str = "root") -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        secret, _ = await create_token(conn, name, "admin")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {secret}"}
