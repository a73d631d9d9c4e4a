"""The npm Akismet clients, unchanged, with Debian's node: `akismet-api` (the key in
the host name, which Node lowercases) and `@cedx/akismet`. tests/clients/node/drive.mjs
makes the calls and prints one JSON line each; this test checks the answers and what
was stored. Skipped when node or the packages are absent (`npm install --prefix
tests/clients/node` installs them, as .ci/run does).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)"),
    pytest.mark.skipif(
        not (NODE_DIR / "node_modules" / "akismet-api").is_dir()
        or not (NODE_DIR / "node_modules" / "@cedx" / "akismet").is_dir(),
        reason="the npm clients are not installed: npm install --prefix tests/clients/node",
    ),
]


async def drive(port: int, key: str) -> dict[tuple[str, str], Any]:
    assert NODE is not None
    proc = await asyncio.create_subprocess_exec(
        NODE,
        str(NODE_DIR / "drive.mjs"),
        str(port),
        key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=NODE_DIR,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return {(r["client"], r["method"]): r.get("result", r.get("error")) for r in lines}


async def test_the_npm_clients_work_unchanged(client, db, make_token):
    headers = await make_token("site", name="news.example")
    key = headers["Authorization"].removeprefix("Bearer ")
    got = await drive(client.port, key)
    thanks = "Thanks for making the web a better place."
    assert got == {
        ("akismet-api", "verifyKey"): True,
        ("akismet-api", "verifyKey (unknown key)"): False,
        ("akismet-api", "checkSpam"): False,  # an administrator (a multisite's role list)
        ("akismet-api", "checkSpam (guaranteed spam)"): True,
        ("akismet-api", "checkSpam (unknown key)"): "Invalid API key",
        ("akismet-api", "submitSpam"): thanks,
        ("akismet-api", "submitHam"): thanks,
        ("@cedx/akismet", "verifyKey"): True,
        ("@cedx/akismet", "verifyKey (unknown key)"): False,
        ("@cedx/akismet", "checkComment"): got[("@cedx/akismet", "checkComment")],
        ("@cedx/akismet", "submitSpam"): "ok",
        ("@cedx/akismet", "submitHam"): "ok",
        ("@cedx/akismet", "checkComment (isTest)"): "ham",
        ("@cedx/akismet", "submitSpam (isTest)"): "ok",
        ("@cedx/akismet", "checkComment (no user_ip)"): "Missing required field: user_ip.",
    }
    assert got[("@cedx/akismet", "checkComment")] in ("ham", "spam", "pervasiveSpam")
    rows = await db.fetch("SELECT * FROM checks ORDER BY id")
    assert [(r["author_name"], r["site"]) for r in rows] == [
        ("Dana Whitfield", "default"),
        ("akismet-guaranteed-spam", "default"),
        ("Ana", "default"),
    ]
    assert rows[0]["fields"]["user_role"] == "administrator,super_admin"
    assert rows[0]["status"] == "approved"
    assert rows[2]["fields"]["comment_context"] == ["security", "health"]
    assert rows[2]["fields"]["blog_lang"] == "en,fr"
    labels = await db.fetch("SELECT label, check_id, source FROM labels ORDER BY check_id")
    assert [(r["label"], r["check_id"]) for r in labels] == [
        ("ham", rows[0]["id"]),
        ("ham", rows[2]["id"]),
    ]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
