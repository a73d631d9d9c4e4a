"""Sites (issue 13): making them, and what an instance knows of them.

Public requests name their site (a `site` field, the embed path, an Akismet key);
the site's origins govern `redirect_to`, the embed page's frame-ancestors and the
Akismet `blog` check. `SiteDirectory` keeps what it read for a few seconds, so a
busy site's submissions do not each ask the database; a new site or a new origin
is seen within that time on every instance.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson
from aiohttp import web
from pydantic import ValidationError

from moderation.domain import DEFAULT_SITE
from moderation.keys import POOL, SETTINGS
from moderation.problems import FieldErrors, Problem
from moderation.settings import Settings
from moderation.store import sites as site_store

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
CACHE_SECONDS = 5.0
# What a site may set over the installation's values (`settings` of a site): how its
# comments are decided and shown. Everything else (databases, limits of the service,
# mail, secrets) is the installation's alone.
SITE_SETTINGS = (
    "trust_known_authors",
    "spam_answer",
    "flag_threshold",
    "flag_confirmed_weight",
    "flagged_shown",
    "page_size_default",
    # Where the site's events go (ops/webhooks.py): its own WordPress, not every site's.
    "webhook_urls",
)


def check_settings(base: Settings, overrides: dict[str, Any]) -> dict[str, Any]:
    """A site's settings in their JSON form, validated as the installation's are; 422
    naming the first setting a site may not change or whose value is wrong."""
    for name in overrides:
        if name not in SITE_SETTINGS:
            raise FieldErrors(
                [
                    {
                        "field": f"settings.{name}",
                        "message": "not a setting a site may change: one of "
                        + ", ".join(SITE_SETTINGS),
                    }
                ]
            )
    if "webhook_urls" in overrides:
        _check_webhook_urls(base, overrides["webhook_urls"])
    try:
        merged = Settings.model_validate({**base.model_dump(), **overrides})
    except ValidationError as exc:
        raise FieldErrors(
            [
                {
                    "field": "settings." + ".".join(str(p) for p in e["loc"]),
                    "message": e["msg"],
                }
                for e in exc.errors()
            ]
        ) from None
    return merged.model_dump(mode="json", include=set(overrides))


def _check_webhook_urls(base: Settings, value: Any) -> None:
    """A site's own webhook URLs: http(s) addresses, signed with the installation's secret."""
    urls = value.replace("\n", ",").split(",") if isinstance(value, str) else value
    if not isinstance(urls, list):
        raise FieldErrors([{"field": "settings.webhook_urls", "message": "a list of URLs"}])
    for i, url in enumerate(u.strip() if isinstance(u, str) else u for u in urls):
        if url == "":
            continue
        if not isinstance(url, str) or origin_of(url, page=True) is None:
            raise FieldErrors(
                [{"field": f"settings.webhook_urls[{i}]", "message": "not an http(s) URL"}]
            )
    if not base.webhook_secret and any(isinstance(u, str) and u.strip() for u in urls):
        raise FieldErrors(
            [
                {
                    "field": "settings.webhook_urls",
                    "message": "MODERATION_WEBHOOK_SECRET must be set to sign a site's webhooks",
                }
            ]
        )


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    origins: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Any) -> Site:
        return cls(row["id"], row["name"], tuple(row["origins"]), dict(row["settings"]))


def origin_of(url: str, *, page: bool = False) -> str | None:
    """scheme://host[:port] of an http(s) address, lowercase; None if it is not one (or,
    unless `page`, if it has more than an origin: a path, a query)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or (not page and (parts.path not in ("", "/") or parts.query)):
        return None
    if parts.fragment and not page:
        return None
    host = parts.hostname.lower()
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
        return None
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def check_origins(origins: list[str], field_name: str = "origins") -> list[str]:
    """Origins in their one normal form; 422 naming the first bad one."""
    out: list[str] = []
    for i, raw in enumerate(origins):
        origin = origin_of(raw)
        if origin is None:
            raise FieldErrors(
                [{"field": f"{field_name}[{i}]", "message": "not of the form https://host[:port]"}]
            )
        if origin not in out:
            out.append(origin)
    return out


class SiteDirectory:
    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._sites: dict[str, tuple[float, Site | None]] = {}
        self._origins: dict[str, tuple[float, bool]] = {}
        self._settings: dict[str, tuple[bytes, Settings]] = {}

    def settings_of(self, base: Settings, site: Site) -> Settings:
        """The installation's settings with the site's own over them (made once per
        change of the site's values)."""
        if not site.settings:
            return base
        key = orjson.dumps(site.settings, option=orjson.OPT_SORT_KEYS)
        hit = self._settings.get(site.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        known = {k: v for k, v in site.settings.items() if k in SITE_SETTINGS}
        valid = Settings.model_validate({**base.model_dump(), **known})
        merged = base.model_copy(update=valid.model_dump(include=set(known)))
        self._settings[site.id] = (key, merged)
        return merged

    async def has_origin(self, conn: asyncpg.Pool | asyncpg.Connection, origin: str) -> bool:
        """Whether some site lists `origin` (scheme://host[:port], lowercase)."""
        now = time.monotonic()
        hit = self._origins.get(origin)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = await site_store.by_origin(conn, origin) is not None
        if len(self._origins) > 10_000:
            self._origins.clear()
        self._origins[origin] = (now + self.seconds, found)
        return found

    async def get(self, conn: asyncpg.Pool | asyncpg.Connection, site: str) -> Site | None:
        now = time.monotonic()
        hit = self._sites.get(site)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = await site_store.get(conn, site) if SITE_ID.fullmatch(site) else None
        found = Site.of(row) if row is not None else None
        if len(self._sites) > 10_000:
            self._sites.clear()
        self._sites[site] = (now + self.seconds, found)
        return found

    def forget(self, site: str) -> None:
        self._sites.pop(site, None)


SITES = web.AppKey("sites", SiteDirectory)


def directory(app: web.Application) -> SiteDirectory:
    found = app.get(SITES)
    if found is None:  # an app built without create_app (a test's)
        found = SiteDirectory()
        app[SITES] = found
    return found


async def known(app: web.Application, pool: asyncpg.Pool, site: str) -> Site | None:
    return await directory(app).get(pool, site)


async def settings_for(app: web.Application, site: str) -> Settings:
    """The settings a site's comments are decided and shown by: the installation's, with
    the site's own values (SITE_SETTINGS) over them."""
    found = await known(app, app[POOL], site)
    base = app[SETTINGS]
    return base if found is None else directory(app).settings_of(base, found)


async def require_known(
    app: web.Application, pool: asyncpg.Pool, site: str, field_name: str = "site"
) -> Site:
    """The site a public request names; 422 on the field when there is none."""
    found = await known(app, pool, site)
    if found is None:
        raise FieldErrors([{"field": field_name, "message": "no such site"}])
    return found


async def create(
    conn: asyncpg.Pool | asyncpg.Connection,
    site: str,
    name: str,
    origins: list[str],
    settings: dict[str, Any] | None = None,
) -> Site:
    """A new site; 409 when the id is taken."""
    row = await site_store.create(conn, site, name, check_origins(origins), settings or {})
    if row is None:
        raise Problem(409, "Site exists", f"There is a site {site!r} already.", kind="conflict")
    return Site.of(row)


def unknown(site: str) -> Problem:
    return Problem(404, "Not Found", f"There is no site {site[:64]!r}.")


def view(site: Site | Any) -> dict[str, Any]:
    s = site if isinstance(site, Site) else Site.of(site)
    return {"id": s.id, "name": s.name, "origins": list(s.origins), "settings": s.settings}


__all__ = ["DEFAULT_SITE", "SITES", "Site", "SiteDirectory", "create", "known", "view"]
