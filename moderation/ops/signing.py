"""Signed values for readers' cookies and links: HMAC-SHA256 with the service's secret.

The secret is `MODERATION_SECRET_KEY`, or else one generated at the first start
and kept in `data_dir/secret_key` (readable by its owner only), so signatures
survive restarts. Instances behind one load balancer need the same secret:
set it, or share the data directory. Each value is signed for a purpose, so a
signature made for one cookie cannot be replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from aiohttp import web

from moderation.settings import Settings

SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(fresh)
    return fresh


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def sign(secret: bytes, purpose: str, value: str) -> str:
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: bytes, purpose: str, signed: str | None) -> str | None:
    """The value if its signature holds for this purpose, else None."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    return value if hmac.compare_digest(mac, _mac(secret, purpose, value)) else None


SECRET = web.AppKey("secret", bytes)
