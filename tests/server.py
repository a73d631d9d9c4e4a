"""Starting `moderation serve` as a real process: shared by tests/e2e and bench/load.py.

The end-to-end tests (test_serve.py, test_faults.py) and the load benchmark
all run the service the way an operator does; what they share is here: a free
port, the command line, and an environment of the caller's choosing with no
MODERATION_* variable leaking in from the shell. Kept in tests/ (not in the
package, which ships no test code); the benchmarks put the repository root on
sys.path, so `from tests.server import ...` works from bench/ too. The async
tests (tests/e2e/test_faults.py, tests/adversarial/) start, wait for and stop
the process through tests/serving.py; test_serve.py drives it synchronously and
the benchmarks report one-line errors instead of pytest failures, so those two
keep their own waits.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

# Flood limits and the duplicate window off: one client posts many comments from one address.
NO_GUARDS = {
    "MODERATION_FLOOD_IP_INTERVAL_SECONDS": "0",
    "MODERATION_FLOOD_EMAIL_INTERVAL_SECONDS": "0",
    "MODERATION_FLOOD_IP_MAX": "0",
    "MODERATION_DUPLICATE_WINDOW_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def environment(data_dir: Path, database_url: str | None, **more: str) -> dict[str, str]:
    """This process's environment without MODERATION_*, plus the service's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env["MODERATION_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["MODERATION_DATABASE_URL"] = database_url
    env.update(more)
    return env


def serve_argv(port: int, workers: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "moderation", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    return argv
