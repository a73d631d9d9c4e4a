"""tests/clock.py: a test that straddles the end of a UTC period is skipped, not failed."""

from __future__ import annotations

import time

import pytest

from tests.clock import one_period


def test_a_period_that_ends_inside_the_block_skips_even_a_failing_test() -> None:
    with pytest.raises(pytest.skip.Exception), one_period("%f"):  # microseconds: it ends
        time.sleep(0.001)
        raise AssertionError("a figure counted in the period before")


def test_a_period_that_lasts_lets_the_failure_through() -> None:
    with pytest.raises(AssertionError), one_period("%Y"):
        raise AssertionError("a real failure")
