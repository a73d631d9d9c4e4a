"""A progress bar on stderr for long commands: counts, share done and rate.

On a terminal the bar redraws in place at most ten times a second; written to
a file or a pipe it prints a plain line every few seconds instead, so logs of
a long import stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, unit: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._shown = self.started  # the first line after one interval, not at once
        self._last = ""

    def update(self, done: int, total: int | None, count: int, *, final: bool = False) -> None:
        """`done` of `total` (bytes, rows) finished, `count` items so far."""
        now = time.monotonic()
        if not final and now - self._shown < (0.1 if self.tty else 5.0):
            return
        self._shown = now
        elapsed = max(now - self.started, 1e-6)
        rate = count / elapsed
        share = done / total if total else 1.0
        line = f"{self.label} {count:,} {self.unit} ({rate:,.0f}/s, {elapsed:.1f} s)"
        if total:
            width = 30
            filled = int(width * min(share, 1.0))
            line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {share:4.0%} " + (
                f"{count:,} {self.unit} ({rate:,.0f}/s)"
            )
        if self.tty:
            pad = " " * max(0, len(self._last) - len(line))
            self.stream.write("\r" + line + pad + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._last = line

    def finish(self, done: int, total: int | None, count: int) -> None:
        self.update(done, total, count, final=True)
