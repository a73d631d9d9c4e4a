"""The service's own secret key: keyed hashes of addresses, and the sign-in form's tokens.

`MODERATION_SECRET_KEY` sets it. Unset, a random key is made on the first
start and kept in the data directory (`secret_key`, readable by its owner
only), so it survives restarts. Instances that share a database must share
the key (set the variable to one value on all of them): flood limits,
idempotency keys and sign-in forms are only recognised by an instance with
the key that made them.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from moderation.settings import Settings

log = logging.getLogger(__name__)

FILE_NAME = "secret_key"


def server_key(settings: Settings) -> bytes:
    """The configured key, else the one kept in the data directory (made on first use)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return _kept_key(settings.data_dir / FILE_NAME)


def _kept_key(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        # O_EXCL: two processes starting at once keep the first one's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    log.info("made a new secret key in %s (set MODERATION_SECRET_KEY to choose one)", path)
    return key
