"""Pydantic models and query parsing for the desk's API: rules, notes, search."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from moderation.http import cursors
from moderation.problems import FieldErrors
from moderation.store.search import SearchFilter

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
MAX_ITEMS = 10_000


def _lower(value: str) -> str:
    return value.strip().lower()


def _email(value: str) -> str:
    value = _lower(value)
    local, at, host = value.rpartition("@")
    if not at or not local or not _DOMAIN.match(host) or any(c.isspace() for c in value):
        raise ValueError("must be an email address")
    return value


def _domain(value: str) -> str:
    value = _lower(value).removeprefix("@")
    if not _DOMAIN.match(value):
        raise ValueError("must be a domain name such as example.com")
    return value


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError("must be an IP address or a network (CIDR)") from None


def _word(value: str) -> str:
    value = " ".join(value.split()).lower()
    if not value:
        raise ValueError("must not be blank")
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
Domain = Annotated[str, Field(min_length=1, max_length=253), AfterValidator(_domain)]
Net = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_network)]
Word = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_word)]


class RulesIn(BaseModel):
    """PUT /v1/admin/rules: the lists it names replace the stored ones; the rest stay."""

    model_config = ConfigDict(extra="forbid")

    blocked_emails: list[Email] | None = Field(default=None, max_length=MAX_ITEMS)
    blocked_domains: list[Domain] | None = Field(default=None, max_length=MAX_ITEMS)
    blocked_ips: list[Net] | None = Field(default=None, max_length=MAX_ITEMS)
    disallowed_words: list[Word] | None = Field(default=None, max_length=MAX_ITEMS)
    moderation_words: list[Word] | None = Field(default=None, max_length=MAX_ITEMS)
    max_links: int | None = Field(default=None, ge=0, le=1000)

    def changes(self) -> dict[str, Any]:
        """What it names, each list without repeats, in the order sent."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump(exclude_none=True).items():
            out[name] = list(dict.fromkeys(value)) if isinstance(value, list) else value
        return out


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)

    @field_validator("note")
    @classmethod
    def _visible(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value.strip()


SEARCH_PARAMS = ("q", "email", "ip", "article", "status", "since", "until")
STATUSES = ("approved", "pending", "rejected", "spam", "removed")


def _time(raw: str, name: str, errors: list[dict[str, str]]) -> datetime | None:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors.append({"field": name, "message": "must be an RFC 3339 date or time"})
        return None
    if value.tzinfo is None:
        errors.append({"field": name, "message": "must carry a time zone (Z or +hh:mm)"})
        return None
    return value


def search_filter(query: Mapping[str, str]) -> SearchFilter:
    """The search's filters from a query string; 422 naming every bad parameter."""
    errors: list[dict[str, str]] = []
    got = {k: query.get(k, "").strip() for k in SEARCH_PARAMS}
    for name, value in got.items():
        if "\x00" in value or len(value) > 500:
            errors.append({"field": name, "message": "must be at most 500 characters, no NUL"})
            got[name] = ""
    ip = None
    if got["ip"]:
        try:
            ip = ipaddress.ip_network(got["ip"], strict=False)
        except ValueError:
            errors.append({"field": "ip", "message": "must be an IP address or network (CIDR)"})
    status, rejection = got["status"] or None, None
    if status in ("spam", "removed"):
        status, rejection = "rejected", status
    elif status is not None and status not in STATUSES:
        errors.append({"field": "status", "message": "must be " + ", ".join(STATUSES)})
    since = _time(got["since"], "since", errors) if got["since"] else None
    until = _time(got["until"], "until", errors) if got["until"] else None
    if errors:
        raise FieldErrors(errors, "Invalid search")
    return SearchFilter(
        q=got["q"] or None,
        email=got["email"] or None,
        ip=ip,
        article=got["article"] or None,
        status=status,
        rejection=rejection,
        since=since,
        until=until,
    )


def search_cursor(raw: str | None) -> int | None:
    """The id a search page continues below (the cursor is the last id given out)."""
    if not raw:
        return None
    value = cursors.decode_after(raw)
    return value or None
