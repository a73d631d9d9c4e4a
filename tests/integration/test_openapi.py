"""GET /openapi.json: the document, its coverage of the routes, and answers that match it.

The route tests keep the document from drifting: a route added to the app and
not to moderation/openapi.py fails here. The answer tests drive each operation
through a realistic scenario and check every answer against the document:
a documented status, its content type, and its JSON Schema (formats included).
tests/e2e/test_fuzz.py then fuzzes the same document with Schemathesis.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import jsonschema_rs
import orjson
import pytest
from aiohttp import web

from moderation import openapi
from moderation.app import create_app
from moderation.keys import MODEL
from moderation.settings import Settings
from tests.conftest import insert_comment

# Browser pages: HTML, not API, and left out of the document.
PAGES = ("/desk", "/embed", "/demo", "/static", "/readers/")
JSON_TYPES = ("application/json", "application/problem+json")


def app_routes(app: web.Application) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in ("HEAD", "*") or path.startswith(PAGES):
            continue  # "*": the plain-text answer to unknown Akismet paths, not an operation
        routes.add((route.method.lower(), path))
    return routes


def document_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in doc["paths"].items() for method in item}


def closed(schema: Any) -> Any:
    """The schema with no room for undocumented fields, unless it allows them on purpose."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


class Spec:
    """The document, and checks of real answers against it: every field documented."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.components = closed(doc["components"])

    def validate(self, schema: dict[str, Any], value: Any, where: str) -> None:
        root = {**schema, "components": self.components}
        validator = jsonschema_rs.validator_for(root, validate_formats=True)
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(value)]
        assert not errors, f"{where} does not match its schema: {errors}\n{value!r}"

    async def check(self, method: str, path: str, resp: Any) -> Any:
        """The answer's body, after checking it against the document."""
        where = f"{method.upper()} {path} -> {resp.status}"
        operation = self.doc["paths"][path][method]
        answer = operation["responses"].get(str(resp.status))
        assert answer is not None, f"{where} is not documented"
        raw = await resp.read()
        content = answer.get("content")
        if content is None:
            assert raw == b"", f"{where} has a body the document does not describe"
            return None
        assert resp.content_type in content, f"{where}: {resp.content_type} is not documented"
        schema = content[resp.content_type]["schema"]
        value: Any = orjson.loads(raw) if resp.content_type in JSON_TYPES else raw.decode()
        self.validate(schema, value, where)
        for name in answer.get("headers", {}):
            if name in ("Retry-After", "WWW-Authenticate", "Location"):
                assert name in resp.headers, f"{where} lacks its {name} header"
        return value


@pytest.fixture
async def spec(client: Any) -> Spec:
    resp = await client.get("/openapi.json")
    assert resp.status == 200 and resp.content_type == "application/json"
    return Spec(await resp.json())


# --- the document ----------------------------------------------------------------------


async def test_the_document_is_openapi_3_1_built_from_the_apps_settings(
    client: Any, settings: Settings
) -> None:
    doc = await (await client.get("/openapi.json")).json()
    assert doc["openapi"] == "3.1.0"
    assert doc == orjson.loads(orjson.dumps(openapi.build(settings)))


def test_the_document_is_valid_against_the_openapi_3_1_schema(settings: Settings) -> None:
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    errors = list(definitions.OPENAPI_31_VALIDATOR.iter_errors(openapi.build(settings)))
    assert not errors, [str(e) for e in errors]


def test_every_schema_the_document_refers_to_is_defined(settings: Settings) -> None:
    doc = openapi.build(settings)
    text = orjson.dumps(doc).decode()
    refs = {part.split('"', 1)[0] for part in text.split('"$ref":"#/components/schemas/')[1:]}
    assert refs and refs <= set(doc["components"]["schemas"])


def test_the_document_is_built_once_per_app(settings: Settings) -> None:
    app = create_app(settings)
    assert openapi.document(app) is openapi.document(app)
    assert openapi.document(create_app(settings)) is not openapi.document(app)


def test_every_api_route_the_app_registers_is_in_the_document(settings: Settings) -> None:
    app = create_app(settings)
    missing = app_routes(app) - document_operations(openapi.build(settings))
    assert not missing, f"routes missing from moderation/openapi.py: {sorted(missing)}"


def test_every_operation_in_the_document_is_a_route_of_the_app(settings: Settings) -> None:
    app = create_app(settings)
    stale = document_operations(openapi.build(settings)) - app_routes(app)
    assert not stale, f"operations the app does not have: {sorted(stale)}"


def test_the_browser_pages_are_not_in_the_document(settings: Settings) -> None:
    assert not [p for p in openapi.build(settings)["paths"] if p.startswith(PAGES)]


def test_protected_operations_name_their_role_and_answer_401_and_403(settings: Settings) -> None:
    doc = openapi.build(settings)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if op.get("security") == [{"bearer": []}]:
                assert op["x-role"] in ("moderator", "admin"), where
                assert f"the {op['x-role']} role" in op["description"], where
                assert {"401", "403"} <= set(op["responses"]), where
            elif "security" in op:  # an optional token: wrong ones are 401
                assert "401" in op["responses"], where
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_error_answer_is_problem_json(settings: Settings) -> None:
    for path, item in openapi.build(settings)["paths"].items():
        for method, op in item.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400 and not (path == "/readyz" and status == "503"):
                    assert list(answer["content"]) == ["application/problem+json"], (
                        f"{method.upper()} {path} {status}"
                    )


def test_the_document_follows_the_operators_limits(make_settings: Any) -> None:
    doc = openapi.build(
        make_settings(page_size_max=20, max_name_chars=40, honeypot_field="website_url")
    )
    limit = next(p for p in doc["paths"]["/v1/queue"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 20
    comment = doc["components"]["schemas"]["CommentSubmission"]["properties"]
    assert comment["name"]["maxLength"] == 40
    assert "website_url" in comment


# --- real answers against the document ---------------------------------------------------


async def test_public_answers_match_the_document(
    client: Any, spec: Spec, payload: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    post, page = "/v1/comments", "/v1/articles/{article}/comments"
    first = await spec.check("post", post, await client.post(post, json=payload()))
    assert first["status"] in ("approved", "pending")
    approve = "UPDATE comments SET status = 'approved', rejection = NULL"
    await db.execute(approve)
    reply = payload(body="Yes, they restored from tape.", parent_id=first["id"], email="r@x.org")
    await spec.check("post", post, await client.post(post, json=reply))
    await db.execute(approve)
    form = payload(body="Sent from the form.", redirect_to="/story")
    resp = await client.post(post, data=form, allow_redirects=False)
    assert resp.status == 303
    await spec.check("post", post, resp)
    for bad in (
        client.post(post, json=payload(email="not an email")),  # 422
        client.post(post, json=payload()),  # 409: said already
        client.post(post, data="x", headers={"Content-Type": "text/plain"}),  # 415
        client.post(post, data="{", headers={"Content-Type": "application/json"}),  # 400
        client.post(post, json=payload(), headers={"Authorization": "Bearer nope"}),  # 401
    ):
        await spec.check("post", post, await bad)
    threads = await spec.check(
        "get", page, await client.get(f"/v1/articles/{first['article']}/comments")
    )
    assert threads["items"][0]["replies"], "the reply is threaded under its parent"
    await spec.check("get", page, await client.get("/v1/articles/x/comments?limit=1&cursor=MQ"))
    await spec.check("get", page, await client.get("/v1/articles/x/comments?cursor=%21"))
    await spec.check("get", page, await client.get("/v1/articles/x/comments?limit=0"))


async def test_flood_refusals_match_the_document(
    make_app_client: Any, make_settings: Any, payload: Any
) -> None:
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    spec = Spec(await (await client.get("/openapi.json")).json())
    await spec.check("post", "/v1/comments", await client.post("/v1/comments", json=payload()))
    again = await client.post("/v1/comments", json=payload(body="And another thing."))
    assert again.status == 429
    refusal = await spec.check("post", "/v1/comments", again)
    assert refusal["retry_after"] > 0


async def test_moderator_answers_match_the_document(
    client: Any, spec: Spec, make_token: Any, db: asyncpg.Connection
) -> None:
    mod = await make_token("moderator")
    other = await make_token("moderator")
    ids = [await insert_comment(db, body=f"Comment {i}") for i in range(4)]
    await db.execute(
        """UPDATE comments SET decision = '{"thresholds": {"low": 0.2, "high": 0.9},
           "rules": [{"rule": "links", "verdict": "review", "detail": "3 links"}],
           "top_features": [["casino", 1.5]], "outcome": "uncertain"}'::jsonb,
           reasons = ARRAY['spam probability 0.500 is between 0.200 and 0.900']"""
    )
    queue = await spec.check("get", "/v1/queue", await client.get("/v1/queue?limit=2", headers=mod))
    assert len(queue["items"]) == 2 and queue["next_cursor"]
    nxt = await client.get(f"/v1/queue?cursor={queue['next_cursor']}", headers=mod)
    await spec.check("get", "/v1/queue", nxt)
    for query in ("order=uncertain&min_score=0.1&older_than=0", "order=newest", "cursor=x"):
        await spec.check("get", "/v1/queue", await client.get(f"/v1/queue?{query}", headers=mod))
    await spec.check("get", "/v1/queue", await client.get("/v1/queue"))  # 401
    claimed = await spec.check(
        "post",
        "/v1/queue/claim",
        await client.post("/v1/queue/claim", json={"limit": 1}, headers=other),
    )
    held = claimed["items"][0]["id"]
    await spec.check("post", "/v1/queue/claim", await client.post("/v1/queue/claim", headers=mod))
    await spec.check(
        "post",
        "/v1/queue/release",
        await client.post("/v1/queue/release", json={"ids": [ids[3]]}, headers=mod),
    )
    decide = "/v1/comments/{id}/decision"
    await spec.check(
        "post",
        decide,
        await client.post(f"/v1/comments/{ids[1]}/decision", json={"action": "spam"}, headers=mod),
    )
    for body, cid in (
        ({"action": "approve", "expected_status": "pending"}, ids[1]),  # 409 stale
        ({"action": "approve"}, held),  # 409 claimed by another
        ({"action": "maybe"}, ids[2]),  # 422
        ({"action": "approve"}, 999999),  # 404
    ):
        resp = await client.post(f"/v1/comments/{cid}/decision", json=body, headers=mod)
        answer = await spec.check("post", decide, resp)
        if resp.status == 409:
            assert "current" in answer or "claimed_by" in answer
    bulk = {"items": [{"id": ids[2], "action": "approve"}, {"id": 999999, "action": "reject"}]}
    results = await spec.check(
        "post", "/v1/decisions", await client.post("/v1/decisions", json=bulk, headers=mod)
    )
    assert [r["ok"] for r in results["items"]] == [True, False]
    shown = await spec.check(
        "get", "/v1/comments/{id}", await client.get(f"/v1/comments/{ids[1]}", headers=mod)
    )
    assert shown["label"]["label"] == "spam"
    await spec.check("get", "/v1/comments/{id}", await client.get("/v1/comments/abc", headers=mod))
    history = await spec.check(
        "get",
        "/v1/comments/{id}/history",
        await client.get(f"/v1/comments/{ids[1]}/history", headers=mod),
    )
    assert history["items"][0]["from"] == "pending"
    await spec.check("get", "/v1/comments/{id}/history", await client.get("/v1/comments/1/history"))
    forbidden = await client.get("/v1/stats", headers=mod)
    await spec.check("get", "/v1/stats", forbidden)
    assert forbidden.status == 403


async def test_admin_answers_match_the_document(
    client: Any, spec: Spec, make_token: Any, db: asyncpg.Connection
) -> None:
    admin = await make_token("admin")
    await insert_comment(db, author_email="kim@example.com", status="approved")
    cid = await insert_comment(db, author_email="kim@example.com")
    await client.post(
        f"/v1/comments/{cid}/decision", json={"action": "approve", "note": "ok"}, headers=admin
    )
    tokens = "/v1/admin/tokens"
    made = await spec.check(
        "post",
        tokens,
        await client.post(tokens, json={"name": "desk", "role": "moderator"}, headers=admin),
    )
    await spec.check(
        "post",
        tokens,
        await client.post(tokens, json={"name": "desk", "role": "moderator"}, headers=admin),
    )
    await spec.check(
        "post",
        tokens,
        await client.post(tokens, json={"name": "a b", "role": "root"}, headers=admin),
    )
    await spec.check("get", tokens, await client.get(tokens, headers=admin))
    revoke = "/v1/admin/tokens/{id}"
    await spec.check(
        "delete", revoke, await client.delete(f"/v1/admin/tokens/{made['id']}", headers=admin)
    )
    await spec.check(
        "delete", revoke, await client.delete(f"/v1/admin/tokens/{made['id']}", headers=admin)
    )
    listed = await spec.check("get", tokens, await client.get(f"{tokens}?all", headers=admin))
    assert any(t["revoked_at"] for t in listed["items"])
    stats = await spec.check("get", "/v1/stats", await client.get("/v1/stats", headers=admin))
    assert stats["human"]["approved"] == 1
    export = "/v1/admin/commenters/{email}/export"
    data = await spec.check(
        "get",
        export,
        await client.get("/v1/admin/commenters/KIM@example.com/export", headers=admin),
    )
    assert len(data["comments"]) == 2 and data["history"] and data["labels"]
    await spec.check(
        "get", export, await client.get("/v1/admin/commenters/nobody/export", headers=admin)
    )
    erase = "/v1/admin/commenters/{email}"
    await spec.check(
        "delete", erase, await client.delete("/v1/admin/commenters/kim@example.com", headers=admin)
    )


async def test_model_answers_match_the_document(
    client: Any, spec: Spec, make_token: Any, db: asyncpg.Connection
) -> None:
    admin = await make_token("admin")
    version = client.server.app[MODEL].version
    listed = await spec.check(
        "get", "/v1/admin/models", await client.get("/v1/admin/models", headers=admin)
    )
    assert version in [m["version"] for m in listed["items"]]
    shown = "/v1/admin/models/{version}"
    await spec.check("get", shown, await client.get(f"/v1/admin/models/{version}", headers=admin))
    await spec.check("get", shown, await client.get("/v1/admin/models/nope", headers=admin))
    activate = "/v1/admin/models/{version}/activate"
    await spec.check(
        "post", activate, await client.post(f"/v1/admin/models/{version}/activate", headers=admin)
    )
    await spec.check(
        "post", activate, await client.post("/v1/admin/models/nope/activate", headers=admin)
    )
    rollback = await client.post("/v1/admin/models/rollback", headers=admin)
    await spec.check("post", "/v1/admin/models/rollback", rollback)
    labels = "/v1/admin/labels"
    jsonl = b'{"body": "Cheap pills at pills.top", "label": "spam"}\n{"body": "Good point.", "label": "ham"}'
    for ctype, body in (
        ("application/x-ndjson", jsonl),
        ("text/csv", b"body,label\nThanks for the write-up,ham\n"),
        ("text/csv", b"nothing,useful\n1,2\n"),  # 422
        ("application/xml", b"<labels/>"),  # 415
    ):
        resp = await client.post(
            f"{labels}?source=test", data=body, headers={**admin, "Content-Type": ctype}
        )
        await spec.check("post", labels, resp)
    training = "/v1/admin/training"  # 202 starts a process: tests/integration/test_retraining.py
    wrong = await client.post(training, json={"include_seed": "maybe"}, headers=admin)
    await spec.check("post", training, wrong)
    assert wrong.status == 422
    simulate = "/v1/admin/simulate"
    for query in (
        "",
        "?spam_in_approved=0.05&ham_in_rejected=0.02",
        "?low=0.1&high=0.9",
        "?low=2",
        "?version=nope",
    ):
        await spec.check("get", simulate, await client.get(simulate + query, headers=admin))
    job = await db.fetchval(
        """INSERT INTO training_jobs (state, params, progress, created_by, started_at, finished_at,
                                      error)
           VALUES ('failed', '{"include_seed": true}',
                   '{"stage": "failed", "percent": 100, "message": "no labels"}', 'root', now(),
                   now(), 'not enough labels') RETURNING id"""
    )
    try:
        jobs = await spec.check(
            "get", "/v1/admin/training", await client.get("/v1/admin/training", headers=admin)
        )
        assert job in [j["id"] for j in jobs["items"]]
        one = "/v1/admin/training/{id}"
        await spec.check("get", one, await client.get(f"/v1/admin/training/{job}", headers=admin))
        await spec.check("get", one, await client.get("/v1/admin/training/0", headers=admin))
    finally:
        await db.execute("DELETE FROM training_jobs WHERE id = $1", job)


async def test_operational_answers_match_the_document(client: Any, spec: Spec) -> None:
    await spec.check("get", "/healthz", await client.get("/healthz"))
    await spec.check("get", "/readyz", await client.get("/readyz"))
    await spec.check("get", "/metrics", await client.get("/metrics"))
    await spec.check("get", "/openapi.json", await client.get("/openapi.json"))


async def test_akismet_answers_match_the_document(client: Any, spec: Spec, make_token: Any) -> None:
    site = (await make_token("site", "news.example"))["Authorization"].split()[1]
    check = {
        "api_key": site,
        "blog": "https://news.example/",
        "user_ip": "203.0.113.9",
        "permalink": "https://news.example/2024/05/story/",
        "comment_author": "Dana",
        "comment_author_email": "dana@example.org",
        "comment_content": "Thanks for the write-up.",
    }
    await spec.check(
        "post",
        "/1.1/verify-key",
        await client.post("/1.1/verify-key", data={"key": site, "blog": check["blog"]}),
    )
    await spec.check(
        "post", "/1.1/verify-key", await client.post("/1.1/verify-key", data={"key": "nope"})
    )
    checked = await client.post("/1.1/comment-check", data=check)
    assert await spec.check("post", "/1.1/comment-check", checked) in ("true", "false")
    await spec.check("post", "/1.1/comment-check", await client.post("/1.1/comment-check", data={}))
    for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
        await spec.check(
            "post",
            path,
            await client.post(path, data={**check, "guid": checked.headers["X-akismet-guid"]}),
        )


# --- what the fuzzer found ---------------------------------------------------------------


async def test_a_nul_character_is_a_bad_request_not_a_server_error(
    client: Any, spec: Spec, make_token: Any, db: asyncpg.Connection
) -> None:
    admin = await make_token("admin")
    cid = await insert_comment(db)
    for method, path, url, body in (
        ("get", "/v1/queue", "/v1/queue?article=a%00b", None),
        ("get", "/v1/articles/{article}/comments", "/v1/articles/a%00b/comments", None),
        ("get", "/v1/admin/models/{version}", "/v1/admin/models/a%00b", None),
        ("get", "/v1/admin/simulate", "/v1/admin/simulate?version=a%00b", None),
        (
            "get",
            "/v1/admin/commenters/{email}/export",
            "/v1/admin/commenters/a%00@b.org/export",
            None,
        ),
        (
            "post",
            "/v1/comments/{id}/decision",
            f"/v1/comments/{cid}/decision",
            {"action": "reject", "note": "a\x00b"},
        ),
    ):
        resp = await client.request(method, url, json=body, headers=admin)
        assert resp.status == 400, url
        await spec.check(method, path, resp)


async def test_ids_beyond_postgresqls_bigint_are_not_found_or_invalid(
    client: Any, spec: Spec, make_token: Any, payload: Any
) -> None:
    admin = await make_token("admin")
    huge = 2**63
    for method, path, url, body, status in (
        ("get", "/v1/admin/training/{id}", f"/v1/admin/training/{huge}", None, 404),
        ("delete", "/v1/admin/tokens/{id}", f"/v1/admin/tokens/{huge}", None, 404),
        (
            "post",
            "/v1/decisions",
            "/v1/decisions",
            {"items": [{"id": huge, "action": "spam"}]},
            422,
        ),
        ("post", "/v1/queue/release", "/v1/queue/release", {"ids": [huge]}, 422),
        ("post", "/v1/comments", "/v1/comments", payload(parent_id=huge), 422),
    ):
        resp = await client.request(method, url, json=body, headers=admin)
        assert resp.status == status, url
        await spec.check(method, path, resp)
