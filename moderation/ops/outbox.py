"""The sending loop of an outbox (webhook deliveries, readers' mail).

An outbox row is written with the change it tells of; after the commit a loop
on every instance takes what is due (the store leases rows with SKIP LOCKED,
so each goes out once), sends it, and reschedules failures with exponential
back-off. The loop wakes when told (an event) or every `poll_seconds`, and
keeps going while batches come back full.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0


def backoff(attempts: int, base: float) -> float:
    """Seconds before attempt `attempts + 1`: base, twice that, four times... up to an hour."""
    return float(min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF_SECONDS))


async def keep_sending(
    what: str,
    send_due: Callable[[], Awaitable[int]],
    batch: int,
    wake: asyncio.Event,
    poll_seconds: Callable[[], float],
) -> None:
    """Run `send_due` (which returns how many it tried) until cancelled."""
    while True:
        try:
            while await send_due() == batch:
                pass  # a full batch: there may be more waiting
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away; keep trying
            log.warning("%s sender interrupted: %s", what, type(exc).__name__)
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds())
