"""`moderation serve` and `moderation migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from moderation.cli.connections import ConnectionCap
from moderation.cli.db import database_url
from moderation.settings import Settings

if TYPE_CHECKING:
    from moderation.ops.observability import Metrics

log = logging.getLogger("moderation")
BACKLOG = 1024  # connections the kernel queues before they are accepted (capped by somaxconn)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.no_migrate:
        settings = settings.model_copy(update={"migrate_on_start": False})
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    if args.worker:  # one of several processes started by `serve --workers N`
        _early_stop_on_signals()
        _run_app(settings, host, port, reuse_port=True)
        _exit_now(0)
    workers = cores() if args.workers == "auto" else int(args.workers)
    with database_url(settings) as ready:
        if workers > 1:
            code = _serve_workers(ready, host, port, workers)
        else:
            _run_app(ready, host, port, reuse_port=False)
            code = 0
    _exit_now(code)


def _exit_now(code: int) -> NoReturn:
    """Exit once everything is closed, without the interpreter's own clean-up.

    By now the requests are answered, the pool and the embedded server closed
    and the log flushed; what is left is freeing the model's objects one by one
    and joblib's resource tracker, which took 1-2 s of a stop for nothing.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


_stop_requested: list[int] = []


def _early_stop_on_signals() -> None:
    """A worker may be stopped while it still imports or loads its model: remember the
    signal now (the event loop's handlers come later) instead of dying of it."""
    import signal

    def note(signum: int, _: object) -> None:
        _stop_requested.append(signum)

    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)


# aiohttp's parser refuses a request line over 8 190 bytes in plain text, before any
# handler can answer in problem+json; a search with every filter filled in can be
# longer. The body limit (MAX_REQUEST_BYTES) is what bounds a request's size.
PARSER_LIMITS: dict[str, Any] = {"max_line_size": 65536, "max_field_size": 65536}


def workers_arg(value: str) -> str:
    """`--workers`: a number of processes, or `auto` (one per core, the default)."""
    if value != "auto" and not (value.isdigit() and int(value) >= 1):
        raise argparse.ArgumentTypeError("a number of processes (1 or more), or auto")
    return value


def cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run_app(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is not built for every platform
        pass
    _raise_open_files_limit()
    asyncio.run(_serve(settings, host, port, reuse_port))


def _raise_open_files_limit() -> None:
    """Every connection is a file descriptor: take the hard limit, as nginx and Go do.

    Many systems start processes with a soft limit of 1 024, which a few hundred
    clients (or one client, below its per-address cap, on a few processes) use up.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        except (ValueError, OSError):  # a container may forbid it; the soft limit stays
            want = soft
        soft = want
    log.info("open files limit: %d", soft)


async def _serve(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    """Serve until SIGTERM or SIGINT, then drain: stop accepting, let requests finish.

    aiohttp's own shutdown stops reading from open connections at once, so a
    request whose body was still arriving would never be answered; stopping
    the listener first and waiting for requests in flight avoids that. During
    the drain every answer says `Connection: close` (http/drain.py). It lasts
    until nothing is in flight, or `drain_seconds`: then bodies still arriving
    are answered 408, and aiohttp's shutdown gives handlers still running
    `shutdown_timeout_seconds` before it cancels them.
    """
    import signal

    from aiohttp import web

    from moderation.app import create_app
    from moderation.http import drain as draining
    from moderation.ops.observability import METRICS

    # Signals are caught from the start: a worker still loading its model when the
    # supervisor stops it must also exit cleanly, not die of the default action.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if _stop_requested:
        stop.set()
    app = create_app(settings)
    drain = draining.install(app)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,  # observability.observe writes one JSON line per request
        shutdown_timeout=settings.shutdown_timeout_seconds,
        lingering_time=1.0,  # after a 408/413, stop draining the body soon
        # aiohttp's keep-alive timer runs from a connection's start and from each
        # answer until a whole request head is in: an idle connection and a head
        # that trickles in are both closed when it runs out.
        keepalive_timeout=settings.keepalive_timeout_seconds,
        **PARSER_LIMITS,
    )
    if reuse_port:
        # A worker stopped while it loads its model (a first start trains the seed,
        # which cannot be interrupted) leaves at once: it has served nothing, and the
        # supervisor owns the database. A lone process finishes its start-up first.
        setup = asyncio.ensure_future(runner.setup())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({setup, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not setup.done():
            log.info("stopped while starting")
            logging.shutdown()
            os._exit(0)
        stopping.cancel()
        setup.result()
    else:
        await runner.setup()
    try:
        # Not web.TCPSite: its protocol factory cannot be wrapped, and the cap per
        # client address must see each connection before aiohttp does.
        cap = ConnectionCap(settings.max_connections_per_client, settings.trusted_proxies)
        assert runner.server is not None
        listener = await loop.create_server(
            cap.guard(runner.server), host, port, reuse_port=reuse_port, backlog=BACKLOG
        )
        log.info("listening on http://%s:%s", host, port)
        await stop.wait()
        log.info("stopping: no new connections; finishing requests in flight")
        drain.begin()
        listener.close()
        metrics = app[METRICS]
        await _until_idle(metrics, settings.drain_seconds)
        if metrics.in_flight:
            drain.end()  # bodies still arriving are answered 408 now
            await _until_idle(metrics, settings.shutdown_timeout_seconds)
    finally:
        await runner.cleanup()  # closes idle connections, then the pool and the rest
    log.info("stopped")


async def _until_idle(metrics: Metrics, seconds: float) -> None:
    """Wait until no request is in flight, for at most `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while metrics.in_flight and loop.time() < deadline:  # noqa: ASYNC110 - a counter, not an event
        await asyncio.sleep(0.02)


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """N processes share the port (SO_REUSEPORT); the kernel spreads connections.

    The parent applies migrations once, starts the workers, forwards SIGTERM
    and SIGINT to them, and exits 0 when they all stopped cleanly.
    """
    import signal
    import subprocess

    if settings.migrate_on_start:
        cmd_migrate(settings, argparse.Namespace())
    from moderation.ops.processes import module_argv, module_env

    env = module_env(os.environ)  # the same package as this process, whatever the cwd
    env["MODERATION_DATABASE_URL"] = settings.database_url or ""
    env["MODERATION_MIGRATE_ON_START"] = "false"
    # What database_url() decided for the embedded server: its tools, daily backups.
    if settings.pg_bin_dir is not None:
        env["MODERATION_PG_BIN_DIR"] = str(settings.pg_bin_dir)
    if settings.backup_auto is not None:
        env["MODERATION_BACKUP_AUTO"] = str(settings.backup_auto).lower()
    argv = module_argv("serve", "--worker", "--host", host, "--port", str(port))
    procs = [subprocess.Popen(argv, env=env, preexec_fn=_die_with_parent) for _ in range(workers)]
    log.info("started %d workers on http://%s:%s", workers, host, port)

    asked: set[int] = set()

    def forward(signum: int, _: object) -> None:
        asked.add(signum)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [p.wait() for p in procs]
    # A worker still importing when the stop came had no handler yet and died of the
    # signal we forwarded: it had served nothing, so that is a clean stop too.
    return 0 if all(c == 0 or -c in asked for c in codes) else 1


def _die_with_parent() -> None:
    """Linux: a worker gets SIGTERM when its serve process dies, even of SIGKILL, so no
    worker is left serving on its own (PR_SET_PDEATHSIG)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):  # not Linux: nothing to do
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


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
