"""Waiting in tests for what the service does in the background.

A background task (mail, audits, watchers, backups) finishes a moment after the
thing a test can see first; a test polls for the very state it asserts, with a
budget generous enough for a loaded machine: the budget is a time-out, never a
measured duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

BUDGET_SECONDS = 30.0


async def eventually(
    check: Callable[[], Awaitable[T]], *, seconds: float = BUDGET_SECONDS, every: float = 0.02
) -> T:
    """The first truthy answer of `check`, polled every `every` seconds; TimeoutError
    with the last answer if none came within `seconds`."""
    last: T | None = None
    try:
        async with asyncio.timeout(seconds):
            while not (last := await check()):  # noqa: ASYNC110 - polling the service's state
                await asyncio.sleep(every)
    except TimeoutError:
        raise TimeoutError(f"still {last!r} after {seconds:g} s") from None
    return last
