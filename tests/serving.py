"""`moderation serve` as a real process in an async test: started, waited for, stopped.

tests/server.py makes the command line and the environment (the benchmarks share
those); this is what the end-to-end and adversarial tests share on top: a process
started on a free port and ready (`/readyz` 200), a SIGTERM stop with a bounded
wait, and a kill of the process and its workers should a test leave it running.
Every wait is a time-out for a loaded machine, never a measured duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.server import free_port, serve_argv

START_DEADLINE = 240.0  # a first start trains the seed model (slow on a busy machine)
STOP_DEADLINE = 30.0


async def until(
    check: Callable[[], Awaitable[bool]],
    deadline: float,
    what: str,
    context: Callable[[], str] = str,
) -> None:
    """Poll `check` until it holds; fail with `what` (and `context()`) after `deadline` s."""
    try:
        async with asyncio.timeout(deadline):
            while not await check():  # noqa: ASYNC110 - polling the service, not an event
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"not within {deadline:.0f} s: {what}\n{context()}")


def descendants(root: int) -> dict[int, list[str]]:
    """Processes below `root`, from /proc: pid -> command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found: dict[int, list[str]] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                try:
                    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                found[pid] = raw.decode(errors="replace").rstrip("\0").split("\0")
                frontier.append(pid)
    return found


@dataclass
class Service:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def errors_logged(self) -> list[str]:
        """The JSON log lines at level error (other lines, such as tracebacks, are skipped)."""
        found = []
        for line in self.stderr().splitlines():
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and doc.get("level") == "error":
                found.append(line)
        return found

    def processes(self) -> dict[int, list[str]]:
        """The serve process's descendants (workers, training jobs): pid -> command line."""
        return descendants(self.process.pid)

    async def stop(self) -> int:
        """SIGTERM, as a supervisor sends it; the exit code, or a failure after the deadline."""
        self.process.send_signal(signal.SIGTERM)
        return await self.exited()

    async def exited(self) -> int:
        """The exit code of a process told to stop; a failure if it is still running."""
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_DEADLINE)
        except TimeoutError:
            pytest.fail(f"still running {STOP_DEADLINE:.0f} s after SIGTERM:\n{self.stderr()}")

    async def kill(self) -> None:
        """The process and its workers gone, whatever state a test left them in."""
        if self.process.returncode is not None:
            return
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await asyncio.wait_for(self.process.wait(), STOP_DEADLINE)


async def wait_ready(service: Service, deadline: float = START_DEADLINE) -> None:
    """Until `/readyz` answers 200; a failure, with the log, if the process exits first."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:

        async def ready() -> bool:
            if service.process.returncode is not None:
                pytest.fail(
                    f"`moderation serve` exited with {service.process.returncode}:\n"
                    + service.stderr()
                )
            try:
                async with session.get(service.base_url + "/readyz") as resp:
                    return resp.status == 200
            except (aiohttp.ClientError, TimeoutError):
                return False

        await until(ready, deadline, "/readyz answers 200", service.stderr)


@asynccontextmanager
async def serving(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    preexec_fn: Callable[[], None] | None = None,
    start_deadline: float = START_DEADLINE,
) -> AsyncIterator[Service]:
    """`moderation serve` on a free port, ready; killed (with its workers) if left running.
    Its output goes to `log`, and it runs in `log`'s folder."""
    port = free_port()
    with log.open("ab") as err:
        process = await asyncio.create_subprocess_exec(
            *serve_argv(port, workers),
            env=env,
            cwd=log.parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            preexec_fn=preexec_fn,
        )
    service = Service(process, port, log)
    try:
        await wait_ready(service, start_deadline)
        yield service
    finally:
        await service.kill()
