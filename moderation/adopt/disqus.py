"""Disqus's XML export, read into an `Export`.

The file lists `<category>`s, then every `<thread>` (a page: its identifier,
address and title), then every `<post>` (a comment: its thread, its parent,
its author and an HTML message). A thread becomes an article keyed by its
Disqus identifier (`<id>`, what the page passed as `disqus_identifier`), else
by its address's path. An identifier the API would refuse as a key (white space,
control characters, too long) is replaced, and the import report says so: the
WordPress Disqus plugin's "<post ID> <guid>" becomes the address's path (the
post's slug with WordPress's usual permalinks), else the post ID (what
WordPress's comment form sends as `comment_post_ID`); any other becomes the
address's path, else `thread-<Disqus id>`. Statuses:

| post | status |
|---|---|
| `isSpam` true | rejected as spam (a spam label) |
| `isDeleted` true | rejected, removed |
| `isApproved` false (newer exports) | pending |
| otherwise | approved (a ham label) |

Disqus does not export commenters' websites; emails come only for sites that
were allowed to see them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from moderation.adopt import text
from moderation.adopt.records import (
    ArticleRecord,
    CommentRecord,
    Export,
    ExportError,
    Limits,
    Rekey,
)
from moderation.adopt.xmlsafe import ExportFile, child_text, ends, fields, line_of, local, root_name
from moderation.domain import Rejection, Status

SOURCE = "disqus"
NS = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
# The WordPress Disqus plugin's disqus_identifier: "$post->ID $post->guid".
_WORDPRESS_PLUGIN = re.compile(r"(\d+) (\S+)")


def read(
    path: Path,
    *,
    max_body_bytes: int,
    max_name_chars: int = 245,
    max_email_chars: int = 100,
    on_progress: Callable[[int, int], None] | None = None,
) -> Export:
    """Read a Disqus export; `on_progress(bytes read, comments read)` as it goes."""
    with ExportFile(path) as stream:
        namespace, name = root_name(stream)
    if name != "disqus" or namespace != NS:
        raise ExportError(f"not a Disqus export: the root element is <{name}>", 1)
    export = Export(source=SOURCE)
    limits = Limits(max_body_bytes, max_name_chars, max_email_chars)
    forum = ""
    threads: dict[str, str] = {}  # Disqus thread id -> article key
    count = 0

    def progress(done: int) -> None:
        if on_progress is not None:
            on_progress(done, count)

    tags = (f"{{{NS}}}category", f"{{{NS}}}thread", f"{{{NS}}}post")
    with ExportFile(path) as stream:
        for element in ends(stream, tags, 1, progress):
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # a post's <thread dsq:id=.../>: read with its post
            name = local(element)
            if not forum:
                forum = (child_text(element, "forum") or "").strip()
            if name == "thread":
                _thread(element, export, threads)
            elif name == "post":
                count += 1
                _post(element, export, threads, limits)
    if not forum:
        raise ExportError("not a Disqus export: no <forum> in its categories or threads")
    export.origin = f"{SOURCE}:{forum}"
    return export


def _thread(thread: etree._Element, export: Export, threads: dict[str, str]) -> None:
    tid = thread.get(DSQ_ID) or ""
    f = fields(thread)
    url = text.web_address(f.get("link"))
    identifier = (f.get("id") or "").strip()
    path = urlsplit(url).path.strip("/") if url else ""
    key, reason = _key(identifier, path, tid)
    if reason:
        export.rekeyed.append(Rekey(line_of(thread), identifier, key, reason))
    threads[tid] = key
    export.articles.setdefault(
        key,
        ArticleRecord(
            article=key,
            title=text.unescape(f.get("title")) or None,
            url=url,
            published_at=text.iso_time(f.get("createdAt")),
        ),
    )


def _key(identifier: str, path: str, tid: str) -> tuple[str, str | None]:
    """The thread's article key and, when it is not the one the README promises (the
    identifier, else the address's path), why."""
    problem = text.key_problem(identifier) if identifier else None
    if identifier and problem is None:
        return identifier, None
    path_ok = text.key_problem(path) is None
    plugin = _WORDPRESS_PLUGIN.fullmatch(identifier)
    if plugin:
        why = "the WordPress Disqus plugin's identifier (post ID and guid)"
        if path_ok:
            return path, f"{why}: the address's path"
        return plugin[1], f"{why}: the post ID"
    if path_ok:
        return path, (f"identifier {problem}: the address's path" if problem else None)
    fallback = f"thread-{tid}"
    if problem:
        return fallback, f"identifier {problem}: the Disqus thread id"
    if path:
        return fallback, f"address's path {text.key_problem(path)}: the Disqus thread id"
    return fallback, None


def _flag(f: dict[str, str | None], name: str) -> bool | None:
    value = (f.get(name) or "").strip().lower()
    return None if not value else value == "true"


def _post(post: etree._Element, export: Export, threads: dict[str, str], limits: Limits) -> None:
    line = line_of(post)
    f = fields(post)
    pid = post.get(DSQ_ID) or ""
    what = f"post {pid}" if pid else "a post"
    if not pid:
        export.skip(line, what, "no dsq:id")
        return
    thread = parent = None
    author: etree._Element | None = None
    for child in post:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        if name == "thread":
            thread = child.get(DSQ_ID)
        elif name == "parent":
            parent = child.get(DSQ_ID)
        elif name == "author":
            author = child
    article = threads.get(thread or "")
    if article is None:
        export.skip(line, what, "its thread is not in the export")
        return
    if _flag(f, "isSpam"):
        status, rejection = Status.REJECTED, Rejection.SPAM
    elif _flag(f, "isDeleted"):
        status, rejection = Status.REJECTED, Rejection.REMOVED
    elif _flag(f, "isApproved") is False:
        status, rejection = Status.PENDING, None
    else:
        status, rejection = Status.APPROVED, None
    created = text.iso_time(f.get("createdAt"))
    if created is None:
        export.skip(line, what, "no readable date")
        return
    body = text.plain_text(f.get("message") or "")
    if not body:
        export.skip(line, what, "empty body")
        return
    if len(body.encode()) > limits.body_bytes:
        export.skip(line, what, "body longer than MAX_BODY_BYTES")
        return
    name = email = ""
    if author is not None:
        name = text.unescape(child_text(author, "name") or child_text(author, "username"))
        email = (child_text(author, "email") or "").strip()
    name, email = export.author(line, what, name, email, limits)
    export.comments.append(
        CommentRecord(
            origin_id=pid,
            parent_origin_id=parent or None,
            article=article,
            name=name,
            email=email,
            url=None,
            client_ip=text.ip_address(f.get("ipAddress")),
            user_agent=None,
            body=body,
            created_at=created,
            status=status,
            rejection=rejection,
            line=line,
        )
    )
