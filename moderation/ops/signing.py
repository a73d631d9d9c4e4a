"""Signed values for readers' cookies and links: HMAC-SHA256 with the service's secret.

The secret is the service's one key (ops/secret_key.py: `MODERATION_SECRET_KEY`,
or one made at the first start and kept in `data_dir/secret_key`). Instances
behind one load balancer need the same key. Each value is signed for a
purpose, so a signature made for one cookie cannot be replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiohttp import web


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def sign(secret: bytes, purpose: str, value: str) -> str:
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: bytes, purpose: str, signed: str | None) -> str | None:
    """The value if its signature holds for this purpose, else None."""
    # Everything this signs is ASCII; anything else is forged (and would upset the HMAC).
    if not signed or "." not in signed or not signed.isascii():
        return None
    value, _, mac = signed.rpartition(".")
    return value if hmac.compare_digest(mac, _mac(secret, purpose, value)) else None


SECRET = web.AppKey("secret", bytes)


def sign_expiring(secret: bytes, purpose: str, value: str, expires_at: float) -> str:
    """A URL-safe signed value that stops holding at `expires_at` (a Unix time)."""
    packed = f"{int(expires_at)}:{value}".encode()
    return sign(secret, purpose, base64.urlsafe_b64encode(packed).decode().rstrip("="))


def unsign_expiring(secret: bytes, purpose: str, signed: str | None, now: float) -> str | None:
    """The value of a link signed for this purpose and not expired, else None."""
    packed = unsign(secret, purpose, signed)
    if packed is None:
        return None
    try:
        text = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    expires, _, value = text.partition(":")
    if not expires.isdigit() or int(expires) <= now:
        return None
    return value
