"""Typed application state: every shared resource has one `web.AppKey`."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp import web

from moderation.classifier.live import LiveModel
from moderation.intake.writer import CommentWriter
from moderation.rules import SiteRules
from moderation.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
MODEL = web.AppKey("model", LiveModel)
WRITER = web.AppKey("writer", CommentWriter)
RULES = web.AppKey("rules", SiteRules)
TASKS = web.AppKey("tasks", set[asyncio.Task[Any]])
WEBHOOK_WAKE = web.AppKey("webhook_wake", asyncio.Event)
