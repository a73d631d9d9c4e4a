"""What an operator relies on during an outage and a stop (issue 12, item 11).

`/metrics` must answer while the database is down, or the outage's own figures
cannot be scraped. How long a stop takes is measured by bench/shutdown.py,
not asserted here.
"""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from tests.adversarial.conftest import DatabaseLink, serving
from tests.serving import Service, until

pytestmark = pytest.mark.slow

COMMENT = {
    "article": "patch-tuesday-roundup",
    "name": "Ines Moreau",
    "email": "ines.ops@example.net",
    "body": "Thanks, clear explanation of the patch timeline.",
}


def _sample(text: str, name: str, **labels: str) -> float | None:
    """One sample's value from a Prometheus exposition, or None when it is absent."""
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.split("{", 1)[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


async def _metrics(session: aiohttp.ClientSession, service: Service) -> tuple[int, str]:
    async with session.get(service.base_url + "/metrics") as resp:
        return resp.status, await resp.text()


async def test_metrics_answer_while_the_database_is_down_and_count_the_outage(
    database_link: DatabaseLink, data_dir: Path, tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with serving(database_link.url, data_dir, tmp_path / "serve.log") as service:
        status, text = await _metrics(session, service)
        assert status == 200, text
        assert _sample(text, "moderation_database_up") == 1

        await database_link.down()
        async with session.post(service.base_url + "/v1/comments", json=COMMENT) as resp:
            assert resp.status == 503, await resp.text()
        async with session.get(service.base_url + "/readyz") as resp:
            assert resp.status == 503, await resp.text()

        status, text = await _metrics(session, service)
        assert status == 200, text
        assert _sample(text, "moderation_database_up") == 0
        refused = _sample(
            text, "moderation_http_requests_total", route="/v1/comments", status="503"
        )
        assert refused is not None and refused >= 1, text
        assert _sample(text, "moderation_model_info") == 1, text

        await database_link.up()

        async def back() -> bool:
            status, text = await _metrics(session, service)
            return status == 200 and _sample(text, "moderation_database_up") == 1

        await until(back, 60, "moderation_database_up is 1 again")
        assert await service.stop() == 0, service.stderr()
