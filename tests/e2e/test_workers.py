"""`moderation serve` with its default `--workers auto`: one process per core, from any folder.

A folder named `moderation/` in the current directory (a clone of the
repository, say) used to shadow the installed package in the workers
(`ImportError: cannot import name '__version__'`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from moderation.cli.serve import cores
from tests.e2e.test_serve import (
    START_DEADLINE,
    STOP_DEADLINE,
    Service,
    _environment,
    _post_comment,
    _stop,
    _wait_until_healthy,
)
from tests.server import NO_GUARDS, free_port

# The installed command, as an operator runs it (`python -m` would itself be shadowed).
COMMAND = Path(sys.executable).with_name("moderation")

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts worker processes through /proc")
@pytest.mark.skipif(not COMMAND.exists(), reason="the `moderation` command is not installed")
def test_serve_starts_one_worker_per_core_even_beside_a_folder_named_moderation(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    shadow = tmp_path / "moderation"
    shadow.mkdir()
    (shadow / "__init__.py").write_text('raise ImportError("the shadowing folder was imported")\n')
    (shadow / "__main__.py").write_text('raise SystemExit("the shadowing folder was run")\n')
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("ab") as err:
        process = subprocess.Popen(
            [str(COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port)],
            # test_serve posts the same comment from the same address to the same database
            # moments earlier (a restart is that quick now): no duplicate or flood check.
            env={**_environment(data_dir, database_url), **NO_GUARDS},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    service = Service(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_healthy(service, START_DEADLINE)
        _post_comment(service)
        workers = _children(process.pid)
        assert len(workers) == (cores() if cores() > 1 else 0), service.stderr()
        assert _stop(service) == 0, service.stderr()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(STOP_DEADLINE)
    assert "shadowing" not in service.stderr()


def test_a_stop_while_the_workers_still_import_is_a_clean_stop(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    """SIGTERM as soon as the workers exist: they die of it before their handlers are in
    (they have served nothing), and the serve process still exits 0."""
    import signal
    import time

    log = tmp_path / "serve.log"
    argv = [str(COMMAND), "serve", "--host", "127.0.0.1", "--port", str(free_port())]
    with log.open("ab") as err:
        process = subprocess.Popen(
            [*argv, "--workers", "2"],
            env=_environment(data_dir, database_url),
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + START_DEADLINE
        while "started 2 workers" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        assert process.wait(STOP_DEADLINE) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(STOP_DEADLINE)
