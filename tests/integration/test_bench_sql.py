"""The load benchmark's pgbench baseline runs the service's own page SQL.

bench/load.py fills in the parameters of `store/comments`' statements by hand; when
a statement gains a parameter the benchmark broke without anyone noticing (the
readers' flags added one). This keeps the two in step.
"""

from __future__ import annotations

import asyncpg

from bench.load import READ_ARTICLE, read_script
from tests.conftest import insert_comment


async def test_the_read_baseline_is_the_pages_sql_with_every_parameter(
    db: asyncpg.Connection,
) -> None:
    ids = [await insert_comment(db, article=READ_ARTICLE, status="approved") for _ in range(3)]
    script = read_script(ids)
    assert "$" not in script  # every parameter filled in
    for statement in filter(str.strip, script.split(";\n")):
        await db.fetch(statement)  # each runs as written, on the migrated schema
