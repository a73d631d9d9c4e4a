"""Importing a site's comments from a WordPress (WXR) or Disqus export.

Two steps, so a bad file never leaves half an import behind: the whole file is
read first (`read_export`: a syntax error stops here, naming its line, before
the database is touched), then everything is written in one transaction
(`store_export`): articles, comments with their threads and dates, their first
history entries, training labels for approved (ham) and spam comments, and the
record of each exported id. A comment whose id was imported before is left
alone, so importing the same file twice adds nothing, and a later export of
the same site adds only what is new.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from moderation.adopt import disqus, wxr
from moderation.adopt.records import CommentRecord, Export, ExportError, Rekey, Skip
from moderation.store import articles as article_store
from moderation.store import imports as import_store
from moderation.store import sites as site_store

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
FORMATS = {"wxr": wxr.read, "disqus": disqus.read}
_NAMES = {wxr.SOURCE: "WordPress", disqus.SOURCE: "Disqus"}
EXAMPLES = 20  # skipped comments listed one by one in the report


class UnknownSite(ValueError):
    pass


def check_site(site: str) -> str:
    """A site id's shape; whether the site exists is asked in `store_export`."""
    if not SITE_ID.fullmatch(site):
        raise UnknownSite(f"unknown site {site!r}: `moderation sites list` shows the sites")
    return site


@dataclass
class Report:
    """What an import did, and what it left out and why."""

    file: str
    format: str
    origin: str
    site: str
    articles_added: int = 0
    articles_completed: int = 0
    rekeyed: int = 0
    rekeyed_examples: list[Rekey] = field(default_factory=list)
    comments_read: int = 0
    comments_added: int = 0
    already_imported: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    top_level_for_missing_parent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_examples: list[Skip] = field(default_factory=list)
    adjusted: Counter[str] = field(default_factory=Counter)
    adjusted_examples: list[Skip] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "origin": self.origin,
            "site": self.site,
            "articles": {
                "added": self.articles_added,
                "completed": self.articles_completed,
                # Keys the API would refuse, replaced: pages must use the new key.
                "rekeyed": {
                    "total": self.rekeyed,
                    "examples": [
                        {
                            "line": r.line,
                            "exported": r.exported,
                            "article": r.article,
                            "reason": r.reason,
                        }
                        for r in self.rekeyed_examples
                    ],
                },
            },
            "comments": {
                "read": self.comments_read,
                "added": self.comments_added,
                "already_imported": self.already_imported,
                "by_status": dict(self.statuses),
                "top_level_for_missing_parent": self.top_level_for_missing_parent,
            },
            "labels": dict(self.labels),
            "skipped": {
                "total": sum(self.skipped.values()),
                "by_reason": dict(self.skipped.most_common()),
                "examples": [
                    {"line": s.line, "what": s.what, "reason": s.reason}
                    for s in self.skipped_examples
                ],
            },
            "adjusted": {
                "total": sum(self.adjusted.values()),
                "by_reason": dict(self.adjusted.most_common()),
                "examples": [
                    {"line": s.line, "what": s.what, "reason": s.reason}
                    for s in self.adjusted_examples
                ],
            },
            "seconds": round(self.seconds, 2),
        }


def read_export(
    path: Path,
    fmt: str,
    *,
    max_body_bytes: int,
    max_name_chars: int = 245,
    max_email_chars: int = 100,
    on_progress: Callable[[int, int], None] | None = None,
) -> Export:
    """The file read in full; raises ExportError (with the line) for a file that is not one.
    Fields keep to the API's limits (the settings' MAX_*)."""
    return FORMATS[fmt](
        path,
        max_body_bytes=max_body_bytes,
        max_name_chars=max_name_chars,
        max_email_chars=max_email_chars,
        on_progress=on_progress,
    )


def parents_first(rows: list[import_store.CommentRow]) -> list[import_store.CommentRow]:
    """The rows ordered so a parent is written before its replies (COPY goes in batches,
    and each batch's keys are checked when it ends); ids keep their time order."""
    parent_of = {r[0]: r[2] for r in rows}
    depth: dict[int, int] = {}
    for start in parent_of:
        chain: list[int] = []
        node: int | None = start
        while node is not None and node in parent_of and node not in depth:
            if node in chain:  # a cycle in the export: cannot happen in WordPress or Disqus
                raise ExportError(f"comments {chain} reply to each other in a circle")
            chain.append(node)
            node = parent_of[node]
        base = depth.get(node, -1) if node is not None else -1
        for n in reversed(chain):
            base += 1
            depth[n] = base
    return sorted(rows, key=lambda r: (depth[r[0]], r[0]))


async def store_export(
    conn: asyncpg.Connection,
    export: Export,
    *,
    site: str,
    file: str = "",
    fmt: str = "",
    on_written: Callable[[int, int], None] | None = None,
) -> Report:
    """Write what is new in one transaction; `on_written(done, total)` as comments go in."""
    started = time.perf_counter()
    check_site(site)
    report = Report(file=file, format=fmt, origin=export.origin, site=site)
    report.skipped = export.skipped_by_reason()
    report.comments_read = len(export.comments) + len(export.skipped)
    fresh: dict[str, CommentRecord] = {}
    for c in export.comments:
        if c.origin_id in fresh:
            export.skip(c.line, f"comment {c.origin_id}", "appears twice in the file")
            report.skipped["appears twice in the file"] += 1
            continue
        fresh[c.origin_id] = c
    report.skipped_examples = export.skipped[:EXAMPLES]
    report.rekeyed = len(export.rekeyed)
    report.rekeyed_examples = export.rekeyed[:EXAMPLES]
    report.adjusted = Counter(a.reason for a in export.adjusted)
    report.adjusted_examples = export.adjusted[:EXAMPLES]

    async with conn.transaction():
        if await site_store.get(conn, site) is None:
            raise UnknownSite(f"unknown site {site!r}: `moderation sites list` shows the sites")
        await import_store.lock(conn, site)
        report.articles_added, report.articles_completed = await article_store.upsert_many(
            conn,
            site,
            [(a.article, a.title, a.url, a.published_at) for a in export.articles.values()],
        )
        wanted = set(fresh) | {c.parent_origin_id for c in fresh.values() if c.parent_origin_id}
        known = await import_store.known(conn, site, export.origin, sorted(wanted))
        new = sorted(
            (c for oid, c in fresh.items() if oid not in known), key=lambda c: c.created_at
        )
        report.already_imported = len(fresh) - len(new)
        # Ids in the order the comments were written, so threads read oldest first.
        ids = (
            dict(
                zip(
                    (c.origin_id for c in new),
                    await import_store.reserve_ids(conn, len(new)),
                    strict=True,
                )
            )
            if new
            else {}
        )
        rows, history, labels, mapping = [], [], [], []
        actor = export.source
        name = _NAMES.get(export.source, export.source)
        for c in new:
            cid = ids[c.origin_id]
            parent = None
            if c.parent_origin_id:
                parent = ids.get(c.parent_origin_id) or known.get(c.parent_origin_id)
                if parent is None:
                    report.top_level_for_missing_parent += 1
            status, rejection = c.status.value, c.rejection.value if c.rejection else None
            rows.append(
                (
                    cid,
                    c.article,
                    parent,
                    c.name,
                    c.email,
                    c.url,
                    c.body,
                    c.client_ip,
                    c.user_agent,
                    status,
                    rejection,
                    [f"imported from {name}"],
                    actor,
                    c.created_at,
                )
            )
            note = f"imported from {name} ({export.origin}, comment {c.origin_id})"
            history.append((cid, c.created_at, actor, status, rejection, note))
            if c.label:
                labels.append((cid, c.label, actor, "import"))
                report.labels[c.label] += 1
            mapping.append((c.origin_id, cid))
            report.statuses[f"{status}:{rejection}" if rejection else status] += 1

        done = 0

        def written(n: int) -> None:
            nonlocal done
            done += n
            if on_written is not None:
                on_written(done, len(rows))

        await import_store.copy_comments(conn, site, parents_first(rows), written)
        await import_store.copy_history(conn, site, history)
        await import_store.copy_labels(conn, site, labels)
        await import_store.copy_imports(conn, site, export.origin, mapping)
        report.comments_added = len(rows)
    report.seconds = time.perf_counter() - started
    return report
