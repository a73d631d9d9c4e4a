"""Typed application state: every shared resource has one `web.AppKey`.

Keys whose type belongs to a package live beside it: `WRITER` in intake/writer.py,
`METRICS` in ops/observability.py, `PAGE_HEADERS` in web/security.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp import web

from moderation.classifier.live import LiveModel
from moderation.rules import LiveRules
from moderation.settings import Settings
from moderation.store.replicas import Reads

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)  # the primary
READS = web.AppKey("reads", Reads)  # where public reads go (ops/reads.py)
MODEL = web.AppKey("model", LiveModel)
RULES = web.AppKey("rules", LiveRules)
TASKS = web.AppKey("tasks", set[asyncio.Task[Any]])
WEBHOOK_WAKE = web.AppKey("webhook_wake", asyncio.Event)
# The service's HMAC key (ops/secret_key.py): flood and idempotency subjects, sign-in forms.
SECRET_KEY = web.AppKey("secret_key", bytes)
