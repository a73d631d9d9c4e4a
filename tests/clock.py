"""Tests whose answers depend on the UTC day or month ("decided today", key-sites'
current month) would fail if that period ended while they ran."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest


@contextmanager
def one_period(fmt: str) -> Iterator[str]:
    """The UTC period now, formatted by `fmt` ("%Y-%m-%d": a day, "%Y-%m": a month); the
    test is skipped, whatever it asserted, if the period changed before the block ended."""
    start = datetime.now(UTC).strftime(fmt)
    try:
        yield start
    finally:
        if datetime.now(UTC).strftime(fmt) != start:
            pytest.skip(f"the UTC period {start} ended while the test ran")
