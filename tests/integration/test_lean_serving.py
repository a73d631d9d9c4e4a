"""A worker serves its model without importing scikit-learn or skops.

Both take seconds to import and a restart waits for every worker's imports (issue 19:
restart to ready), while scoring needs only the model's serving form. The check
runs in a fresh interpreter: this test process has imported them long ago.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg

from moderation.classifier.seed import seed_model
from moderation.registry.loading import targets_of
from moderation.settings import Settings

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from aiohttp.test_utils import TestClient, TestServer
    from moderation.app import create_app
    from moderation.settings import Settings

    HEAVY = ("sklearn", "skops")

    async def main():
        settings = Settings(
            database_url=sys.argv[1], data_dir=sys.argv[2], audit_check_seconds=3600,
            flood_ip_interval_seconds=0, flood_email_interval_seconds=0, flood_ip_max=0,
            _env_file=None,
        )
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            answers = []
            for email, body in (
                ("ravi@example.org",
                 "Thanks, the part about the council's budget vote was clear and fair."),
                ("deals@example.net",
                 "Cheap pills online, no prescription, best prices: visit pharma-deals.example"),
            ):
                r = await client.post("/v1/comments", json={
                    "article": "lean-serving", "name": "Ravi", "email": email, "body": body,
                })
                answers.append([r.status, await r.json()])
        finally:
            await client.close()
        loaded = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
        print(json.dumps({"answers": answers, "loaded": loaded}))

    asyncio.run(main())
    """
)


async def test_a_worker_scores_comments_without_importing_scikit_learn(
    settings: Settings, data_dir: Path, db: asyncpg.Connection
) -> None:
    # Cached where a restart finds it (trained here when missing), as the service does.
    seed_model(data_dir / "models", targets_of(settings))
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", SCRIPT, settings.database_url, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    statuses = [status for status, _ in result["answers"]]
    assert all(s in (201, 202) for s in statuses), result
    decisions = [doc["status"] for _, doc in result["answers"]]
    assert decisions[0] == "approved", result  # the model really scored both
    assert decisions[1] != "approved", result
    assert result["loaded"] == [], f"serving imported {result['loaded']}"
