"""Commands for tokens, labels, training and the model registry."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from moderation.cli.db import database_url, with_pool
from moderation.settings import Settings

if TYPE_CHECKING:
    from moderation.classifier.persist import TrainedModel

log = logging.getLogger("moderation")


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.ops.access import create_token
    from moderation.problems import Problem
    from moderation.store import tokens

    if args.action == "create":
        if not args.name or not args.role:
            print("moderation: tokens create needs --name and --role", file=sys.stderr)
            return 2
        try:
            secret, row = with_pool(
                settings, lambda pool: create_token(pool, args.name, args.role, args.site)
            )
        except Problem as exc:
            print(f"moderation: {exc.detail}", file=sys.stderr)
            return 2
        print(
            f"created {row['role']} token {row['id']} for {row['name']} "
            f"({'site ' + row['site'] if row['site'] else 'every site'}); "
            "it is shown once, keep it safe:",
            file=sys.stderr,
        )
        print(secret)
        return 0
    if args.action == "list":
        rows = with_pool(settings, lambda pool: tokens.list_all(pool, args.all, args.site))
        for r in rows:
            state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
            site = r["site"] or "*"
            print(
                f"{r['id']:>5}  {r['role']:<9}  {r['name']:<24}  {site:<12}  "
                f"{r['prefix']}…  {state}"
            )
        return 0
    target = args.target
    if not target:
        print("moderation: tokens revoke needs a token id or name", file=sys.stderr)
        return 2
    by_id = int(target) if target.isdigit() else None
    n = with_pool(
        settings, lambda pool: tokens.revoke(pool, token_id=by_id, name=None if by_id else target)
    )
    if not n:
        print(f"moderation: no active token {target!r}", file=sys.stderr)
        return 1
    print(f"revoked {n} token(s)")
    return 0


def cmd_train_job(settings: Settings, args: argparse.Namespace) -> int:
    """Run one training job (started by the service in a process of its own)."""
    import os

    from moderation.ops.jobs import SETTINGS_ENV
    from moderation.registry.training import run_job
    from moderation.rules import SiteRules

    if raw := os.environ.get(SETTINGS_ENV):
        settings = Settings.model_validate_json(raw)
    with_pool(
        settings, lambda pool: run_job(pool, args.id, settings, SiteRules.from_settings(settings))
    )
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.classifier.data import read_paths
    from moderation.store import training

    examples = read_paths(args.path)
    source = "import:" + (args.source or ",".join(p.name for p in args.path))

    async def run(pool: asyncpg.Pool) -> tuple[int, int]:
        async with pool.acquire() as conn:
            return await training.import_labels(conn, args.site, examples, source, "cli")

    imported, duplicates = with_pool(settings, run)
    print(json.dumps({"imported": imported, "duplicates": duplicates, "source": source}))
    return 0


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.store import models as model_store

    site: str = args.site
    if args.action == "list":
        rows = with_pool(settings, lambda pool: model_store.list_models(pool, site))
        for r in rows:
            fig = (r["metadata"].get("evaluation") or {}).get("heldout") or {}
            print(
                f"{r['version']:<32} {r['state']:<9} {r['created_at']:%Y-%m-%d %H:%M} "
                f"mcc={fig.get('mcc')} auc={fig.get('roc_auc')} coverage={fig.get('coverage')}"
            )
        return 0
    if args.action == "retrain":
        return _retrain(settings, site, include_seed=not args.no_seed)
    version = args.version
    if args.action == "rollback":
        version = with_pool(settings, lambda pool: model_store.previous_active(pool, site))
        if version is None:
            print("moderation: no other model has been active", file=sys.stderr)
            return 1
    if not version:
        print("moderation: models activate needs a version", file=sys.stderr)
        return 2

    async def activate(pool: asyncpg.Pool) -> bool:
        async with pool.acquire() as conn:
            return await model_store.activate(conn, site, version, "cli")

    if not with_pool(settings, activate):
        print(f"moderation: no model {version!r}", file=sys.stderr)
        return 1
    print(f"active: {version}")
    return 0


def _retrain(settings: Settings, site: str, include_seed: bool) -> int:
    from moderation.registry.training import run_job
    from moderation.rules import SiteRules
    from moderation.store import training

    async def run(pool: asyncpg.Pool) -> asyncpg.Record:
        job_id = await training.create_job(pool, site, {"include_seed": include_seed}, "cli")
        await run_job(pool, job_id, settings, SiteRules.from_settings(settings))
        row = await training.get_job(pool, site, job_id)
        assert row is not None
        return row

    try:
        job = with_pool(settings, run)
    except training.JobRunning as exc:
        print(f"moderation: {exc}; one job runs at a time", file=sys.stderr)
        return 1
    if job["state"] != "succeeded":
        print(f"moderation: training failed: {job['error']}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "job": job["id"],
                "version": job["model_version"],
                "activated": job["activated"],
                "comparison": job["comparison"],
            },
            default=str,
        )
    )
    return 0


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.classifier import persist
    from moderation.classifier.data import read_paths
    from moderation.classifier.train import train
    from moderation.registry.loading import targets_of

    examples = read_paths(args.data)
    print(f"read {len(examples)} labeled comments", file=sys.stderr)
    model = train(
        examples,
        targets=targets_of(settings),
        holdout_fraction=args.holdout,
        identity=True,  # a site's own labels: senders' domains that recur are real signals
        description=args.description or "trained from " + ", ".join(str(p) for p in args.data),
        progress=lambda line: print(line, file=sys.stderr),
    )
    out = args.out or Path(f"model-{model.version}.skops")
    persist.save(model, out)
    print(f"wrote {out}", file=sys.stderr)
    print(json.dumps({"version": model.version, "file": str(out), **model.metadata["evaluation"]}))
    return 0


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.classifier.data import read_paths
    from moderation.classifier.evaluate import evaluate
    from moderation.rules import SiteRules

    examples = read_paths(args.data)
    model = _model_for(settings, args.model)
    report = evaluate(model, examples, SiteRules.from_settings(settings))
    print(json.dumps({"model_version": model.version, **report}))
    return 0


def _model_for(settings: Settings, which: str | None) -> TrainedModel:
    from moderation.classifier import persist, seed
    from moderation.registry.loading import load_active_model, targets_of
    from moderation.store import db, migrations

    if which == "seed":
        return seed.seed_model(settings.data_dir / "models", targets_of(settings), _stderr)
    if which:
        return persist.load(Path(which))

    async def from_registry(url: str) -> persist.TrainedModel:
        pool = await db.create_pool(url, min_size=1, max_size=1)
        try:
            async with pool.acquire() as conn:
                await migrations.migrate(conn)
            return await load_active_model(pool, settings)
        finally:
            await pool.close()

    with database_url(settings) as ready:
        assert ready.database_url
        return asyncio.run(from_registry(ready.database_url))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)
