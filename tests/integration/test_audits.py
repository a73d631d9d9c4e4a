"""Audits: a sample of automatic decisions measured by moderators, and what follows."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from moderation.classifier.persist import TrainedModel
from moderation.keys import MODEL
from moderation.ops import audits as audit_service
from moderation.ops import sites
from moderation.ops.access import create_token
from tests.conftest import insert_comment
from tests.integration.test_pages import desk
from tests.polling import eventually


@pytest.fixture(autouse=True)
def _no_watcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run the audit check themselves and assert on the steps it takes; the
    app's own watcher, started with it, could take a step first (a step is taken once)."""

    async def idle(app: Any) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(audit_service, "_watch", idle)


async def _audited_client(make_app_client: Any, make_settings: Any, **extra: Any) -> Any:
    return await make_app_client(make_settings(audit_share=1.0, **extra))


async def test_every_automatic_decision_is_audited_at_share_one(
    make_app_client, make_settings, payload, make_token, db
):
    client = await _audited_client(make_app_client, make_settings)
    resp = await client.post("/v1/comments", json=payload())
    assert resp.status == 201
    comment_id = (await resp.json())["id"]
    audit = await db.fetchrow("SELECT * FROM audits WHERE comment_id = $1", comment_id)
    assert audit["auto_status"] == "approved"
    assert audit["outcome"] == "confident_ham"
    assert audit["verdict"] is None
    mod = await make_token("moderator")
    page = await (await client.get("/v1/audits", headers=mod)).json()
    assert [i["id"] for i in page["items"]] == [comment_id]
    assert page["items"][0]["status"] == "approved"  # the comment keeps its status
    assert page["items"][0]["audit"]["auto_status"] == "approved"


async def test_no_audit_is_made_at_share_zero(make_app_client, make_settings, payload, db):
    client = await make_app_client(make_settings(audit_share=0.0))
    assert (await client.post("/v1/comments", json=payload())).status == 201
    assert await db.fetchval("SELECT count(*) FROM audits") == 0


async def test_a_held_comment_is_never_audited(make_app_client, make_settings, payload, db):
    client = await _audited_client(make_app_client, make_settings, max_links=0)
    body = "See https://nvd.nist.gov/vuln/detail/CVE-2024-3094 for the details of the flaw."
    resp = await client.post("/v1/comments", json=payload(body=body))
    assert (await resp.json())["status"] == "pending"
    assert await db.fetchval("SELECT count(*) FROM audits") == 0


async def test_the_same_status_confirms_and_another_overturns(
    make_app_client, make_settings, payload, make_token, db
):
    client = await _audited_client(make_app_client, make_settings)
    mod = await make_token("moderator", "mia")
    admin = await make_token("admin")
    first = (await (await client.post("/v1/comments", json=payload())).json())["id"]
    second = (
        await (
            await client.post("/v1/comments", json=payload(body="Good point about the backups."))
        ).json()
    )["id"]
    for cid, action in ((first, "approve"), (second, "spam")):
        resp = await client.post(
            f"/v1/comments/{cid}/decision", headers=mod, json={"action": action}
        )
        assert resp.status == 200, await resp.text()
    verdicts = dict(await db.fetch("SELECT comment_id, verdict FROM audits"))
    assert verdicts == {first: "confirmed", second: "overturned"}
    assert (await (await client.get("/v1/audits", headers=mod)).json())["items"] == []
    stats = await (await client.get("/v1/stats", headers=admin)).json()
    approved = stats["audits"]["approved"]
    assert (approved["resolved"], approved["overturned"]) == (2, 1)
    assert approved["error_rate"] == 0.5
    assert approved["upper_bound_95"] > 0.5
    assert approved["target"] == client.server.app[MODEL].model.thresholds.spam_in_approved


async def _resolved_audits(
    db: Any,
    version: str,
    n: int,
    overturned: int,
    site: str = "default",
    outcome: str = "confident_ham",
    auto_status: str = "approved",
) -> None:
    for i in range(n):
        rejection = "spam" if auto_status == "rejected" else None
        cid = await insert_comment(
            db, status=auto_status, rejection=rejection, model_version=version, site=site
        )
        await db.execute(
            "INSERT INTO audits (site, comment_id, auto_status, outcome, model_version, "
            "verdict, resolved_by, resolved_at) VALUES ($4, $1, $6, $5, $2, $3, 'mia', now())",
            cid,
            version,
            "overturned" if i < overturned else "confirmed",
            site,
            outcome,
            auto_status,
        )


async def _own_model(db: Any, app: Any, site: str) -> TrainedModel:
    """A site with a model of its own: the installation's weights under another version."""
    await sites.create(db, site, site.title(), [])
    live = app[MODEL]
    model = live.model.with_thresholds(live.model.thresholds)
    model.metadata["version"] = f"{site}-own-model"
    live.swap(model, site)
    return model


async def test_audits_past_the_target_tighten_the_low_threshold_once(
    make_app_client, make_settings, payload, db
):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    live = app[MODEL]
    version = live.model.version
    before = live.thresholds(live.model)
    await _resolved_audits(db, version, audit_service.MIN_AUDITS, overturned=2)
    steps = await audit_service.check(app)
    assert [(s["decision"], s["level"]) for s in steps] == [("approved", 1)]
    after = live.thresholds(live.model)
    assert after.low < before.low
    assert after.high == before.high
    # Nothing new resolved since the step: no second step.
    assert await audit_service.check(app) == []
    row = await db.fetchrow("SELECT * FROM threshold_steps")
    assert (row["level"], row["audited"], row["overturned"]) == (1, audit_service.MIN_AUDITS, 2)
    # New submissions are decided with the tightened thresholds.
    resp = await client.post("/v1/comments", json=payload())
    cid = (await resp.json())["id"]
    used = await db.fetchval(
        "SELECT decision -> 'thresholds' ->> 'low' FROM comments WHERE id = $1", cid
    )
    assert float(used) == after.low


async def test_a_site_with_its_own_model_is_audited_and_tightened_alone(
    make_app_client, make_settings, make_token, db
):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    live = app[MODEL]
    own = await _own_model(db, app, "alpha")
    await _resolved_audits(db, own.version, audit_service.MIN_AUDITS, overturned=2, site="alpha")
    steps = await audit_service.check(app)
    assert [(s["site"], s["model_version"], s["decision"]) for s in steps] == [
        ("alpha", own.version, "approved")
    ]
    assert live.thresholds(own).low < own.thresholds.low
    # The installation's model, which serves every other site, is untouched.
    assert live.thresholds(live.model) == live.model.thresholds
    # Its figures are on its own stats only.
    secret, _ = await create_token(db, "alpha-admin", "admin", "alpha")
    alpha = {"Authorization": f"Bearer {secret}"}
    mine = (await (await client.get("/v1/stats", headers=alpha)).json())["audits"]
    assert mine["model_version"] == own.version
    assert (mine["approved"]["resolved"], mine["approved"]["overturned"]) == (30, 2)
    assert mine["approved"]["level"] == 1
    admin = await make_token("admin")
    theirs = (await (await client.get("/v1/stats", headers=admin)).json())["audits"]
    assert theirs["model_version"] == live.model.version
    assert theirs["approved"]["resolved"] == 0 and theirs["approved"]["level"] == 0


async def test_only_the_models_own_decisions_count_towards_figures_and_steps(
    make_app_client, make_settings, make_token, db
):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    version = app[MODEL].model.version
    n = audit_service.MIN_AUDITS
    # Wrong, but not the model's errors: a known author's approvals, a rule's rejections.
    await _resolved_audits(db, version, n, overturned=n, outcome="known_author")
    await _resolved_audits(
        db, version, n, overturned=n, outcome="rule_spam", auto_status="rejected"
    )
    await _resolved_audits(db, version, 3, overturned=1, outcome="confident_ham")
    await _resolved_audits(
        db, version, 2, overturned=0, outcome="confident_spam", auto_status="rejected"
    )
    assert await audit_service.check(app) == []
    admin = await make_token("admin")
    audits = (await (await client.get("/v1/stats", headers=admin)).json())["audits"]
    assert (audits["approved"]["resolved"], audits["approved"]["overturned"]) == (3, 1)
    assert (audits["rejected"]["resolved"], audits["rejected"]["overturned"]) == (2, 0)


async def test_audits_within_the_target_change_nothing(make_app_client, make_settings, db):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    await _resolved_audits(db, app[MODEL].model.version, audit_service.MIN_AUDITS, overturned=0)
    assert await audit_service.check(app) == []
    assert await db.fetchval("SELECT count(*) FROM threshold_steps") == 0


async def test_a_step_is_announced_by_webhook(make_app_client, make_settings, db):
    client = await _audited_client(
        make_app_client,
        make_settings,
        webhook_urls=["http://127.0.0.1:9/hook"],
        webhook_secret="s3cret",
    )
    app = client.server.app
    await _resolved_audits(db, app[MODEL].model.version, audit_service.MIN_AUDITS, overturned=3)
    own = await _own_model(db, app, "alpha")
    await _resolved_audits(db, own.version, audit_service.MIN_AUDITS, overturned=3, site="alpha")
    assert len(await audit_service.check(app)) == 2

    async def both() -> list[Any]:  # the outbox rows are written by a background task
        found = await db.fetch(
            "SELECT site, payload FROM webhook_deliveries WHERE event = 'thresholds.tightened'"
        )
        return found if len(found) == 2 else []

    events = await eventually(both)
    told = {e["site"]: e["payload"]["data"]["model_version"] for e in events}
    assert told == {"default": app[MODEL].model.version, "alpha": own.version}
    for e in events:
        assert e["payload"]["data"]["site"] == e["site"]


def _gauges(text: str, name: str) -> dict[tuple[str, ...], float]:
    """One metric's samples from a /metrics page, by label values."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


async def test_metrics_give_each_site_the_audit_figures_of_the_model_serving_it(
    make_app_client, make_settings, db
):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    own = await _own_model(db, app, "alpha")
    n = audit_service.MIN_AUDITS
    await _resolved_audits(db, app[MODEL].model.version, n, overturned=0)
    await _resolved_audits(db, own.version, n, overturned=3, site="alpha")
    await audit_service.check(app)
    text = await (await client.get("/metrics")).text()

    def key(site: str, decision: str) -> tuple[tuple[str, str], ...]:
        return (("decision", decision), ("site", site))

    error = _gauges(text, "moderation_audit_error_rate")
    assert error[key("default", "approved")] == 0.0
    assert 0.0 < error[key("alpha", "approved")] < 1.0
    bound = _gauges(text, "moderation_audit_error_upper_bound")
    assert bound[key("alpha", "approved")] > error[key("alpha", "approved")]
    assert bound[key("alpha", "rejected")] == 1.0  # nothing audited: nothing promised
    level = _gauges(text, "moderation_threshold_level")
    assert (level[key("alpha", "approved")], level[key("default", "approved")]) == (1, 0)
    assert set(_gauges(text, "moderation_audits_open")) == {
        (("site", "alpha"),),
        (("site", "default"),),
    }


async def test_the_desk_shows_its_sites_audit_line(make_app_client, make_settings, make_token, db):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    own = await _own_model(db, app, "alpha")
    await _resolved_audits(db, app[MODEL].model.version, 40, overturned=2)
    await _resolved_audits(db, own.version, 50, overturned=1, site="alpha")
    await desk(client, make_token)
    queue = await (await client.get("/desk")).text()
    assert "automatic approvals: 5.0 % wrong (≤" in queue and "40 audited" in queue
    assert "50 audited" not in queue  # alpha's model's figures are alpha's
    audits = await (await client.get("/desk/audits")).text()
    assert "40 audited" in audits


async def test_a_step_is_logged_as_a_warning_naming_site_and_decision(
    make_app_client, make_settings, db, caplog
):
    client = await _audited_client(make_app_client, make_settings)
    app = client.server.app
    await _resolved_audits(db, app[MODEL].model.version, audit_service.MIN_AUDITS, overturned=2)
    with caplog.at_level(logging.WARNING, logger="moderation.ops.audits"):
        assert await audit_service.check(app)
    [record] = [r for r in caplog.records if r.name == "moderation.ops.audits"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "thresholds tightened" in message
    assert "'site': 'default'" in message and "'decision': 'approved'" in message
