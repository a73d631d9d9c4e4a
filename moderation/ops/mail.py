"""Mail to readers: confirmation links and "your comment is published", through SMTP.

Mails wait in an outbox (store/mail.py) written in the transaction that gave the
reason: a trigger queues a confirmation with the first comment from an address
not yet confirmed (migrations/0019), `published` queues the other kind. A sender
on every instance sends what is due through the configured SMTP server
(aiosmtplib) and retries failures with the outbox back-off (ops/outbox.py), so
a submission never waits for mail and never fails because of it. Without
`smtp_host` nothing is queued and no sender runs.

Which connections queue confirmations: the pool's, told so by a server setting at
connect time (`pool_settings`), so the trigger costs nothing when mail is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from aiohttp import web

from moderation.keys import POOL, SETTINGS
from moderation.ops import jobs, outbox, reader_links
from moderation.settings import Settings
from moderation.store import mail as mail_store

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 60.0
MAIL_WAKE = web.AppKey("mail_wake", asyncio.Event)


def pool_settings(settings: Settings) -> dict[str, str]:
    """Server settings for the pool's connections: the trigger's switch."""
    return {"moderation.confirm_emails": "on"} if settings.mail_on else {}


def compose(app: web.Application, row: Any) -> EmailMessage:
    """The mail for an outbox row: plain text, with the reader's signed links."""
    settings = app[SETTINGS]
    email = str(row["email"])
    reader = reader_links.identity(str(row["site"]), email)
    page = reader_links.url(app, reader_links.PAGE_PATH, reader_links.PAGE, reader)
    article = row["article"] or "an article"
    days = f"{settings.reader_link_days:g}"
    message = EmailMessage()
    message["From"] = settings.smtp_from or ""
    message["To"] = email
    if row["kind"] == "confirm":
        confirm = reader_links.url(app, reader_links.CONFIRM_PATH, reader_links.CONFIRM, reader)
        message["Subject"] = "Confirm your email address for comments"
        message.set_content(
            f"Someone, probably you, commented on {article} with this email address.\n\n"
            f"Confirm that the address is yours:\n{confirm}\n\n"
            f"See your comments, delete one, or appeal a rejection:\n{page}\n\n"
            f"These links work for {days} days. If it was not you, ignore this mail.\n"
        )
    else:
        message["Subject"] = "Your comment is published"
        message.set_content(
            f"A moderator published your comment on {article}.\n\n"
            f"See your comments:\n{page}\n\nThis link works for {days} days.\n"
        )
    return message


async def _send(settings: Settings, message: EmailMessage) -> None:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        start_tls=settings.smtp_starttls,
        username=settings.smtp_user,
        password=password,
        timeout=settings.smtp_timeout_seconds,
    )


async def send_due(app: web.Application) -> int:
    """Send what is due now; returns how many mails were attempted."""
    settings, pool = app[SETTINGS], app[POOL]
    rows = await mail_store.lease_due(pool, BATCH, LEASE_SECONDS)
    for row in rows:
        try:
            await _send(settings, compose(app, row))
        except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
            attempts = row["attempts"] + 1
            retry = (
                None
                if attempts >= settings.mail_max_attempts
                else outbox.backoff(attempts, settings.mail_retry_seconds)
            )
            # The error's type only: an SMTP answer can quote the reader's address.
            await mail_store.failed(pool, row["site"], row["id"], type(exc).__name__, retry)
            log.warning("mail %s %s failed (attempt %s)", row["kind"], row["id"], attempts)
        else:
            await mail_store.sent(pool, row["site"], row["id"])
    return len(rows)


def published(app: web.Application, site: str, comment_id: int) -> None:
    """A held comment was published: tell its author, if they confirmed and want it
    (settings.mail_when_published). Call after the commit."""
    settings = app[SETTINGS]
    if settings.mail_on and settings.mail_when_published:
        jobs.background(app, _queue_published(app, site, comment_id))


async def _queue_published(app: web.Application, site: str, comment_id: int) -> None:
    if await mail_store.queue_published(app[POOL], site, comment_id):
        app[MAIL_WAKE].set()


async def sender(app: web.Application) -> AsyncIterator[None]:
    app[MAIL_WAKE] = asyncio.Event()
    settings = app[SETTINGS]
    if not settings.mail_on:
        yield
        return
    task = asyncio.create_task(
        outbox.keep_sending(
            "mail", lambda: send_due(app), BATCH, app[MAIL_WAKE], lambda: settings.mail_poll_seconds
        )
    )
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
