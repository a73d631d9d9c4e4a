"""Disqus's XML export, read into an `Export`.

The file lists `<category>`s, then every `<thread>` (a page: its identifier,
address and title), then every `<post>` (a comment: its thread, its parent,
its author and an HTML message). A thread becomes an article keyed by its
Disqus identifier (`<id>`, what the page passed as `disqus_identifier`), else
by its address's path. Statuses:

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

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from moderation.adopt import text
from moderation.adopt.records import ArticleRecord, CommentRecord, Export, ExportError
from moderation.adopt.xmlsafe import ExportFile, child_text, ends, fields, line_of, local, root_name
from moderation.domain import Rejection, Status

SOURCE = "disqus"
NS = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def read(
    path: Path,
    *,
    max_body_bytes: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> Export:
    """Read a Disqus export; `on_progress(bytes read, comments read)` as it goes."""
    with ExportFile(path) as stream:
        namespace, name = root_name(stream)
    if name != "disqus" or namespace != NS:
        raise ExportError(f"not a Disqus export: the root element is <{name}>", 1)
    export = Export(source=SOURCE)
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
                _post(element, export, threads, max_body_bytes)
    if not forum:
        raise ExportError("not a Disqus export: no <forum> in its categories or threads")
    export.origin = f"{SOURCE}:{forum}"
    return export


def _thread(thread: etree._Element, export: Export, threads: dict[str, str]) -> None:
    tid = thread.get(DSQ_ID) or ""
    f = fields(thread)
    url = text.web_address(f.get("link"))
    key = (f.get("id") or "").strip()
    if not key and url:
        key = urlsplit(url).path.strip("/")
    key = key or f"thread-{tid}"
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


def _flag(f: dict[str, str | None], name: str) -> bool | None:
    value = (f.get(name) or "").strip().lower()
    return None if not value else value == "true"


def _post(
    post: etree._Element, export: Export, threads: dict[str, str], max_body_bytes: int
) -> None:
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
    if len(body.encode()) > max_body_bytes:
        export.skip(line, what, "body longer than MAX_BODY_BYTES")
        return
    name = email = ""
    if author is not None:
        name = text.unescape(child_text(author, "name") or child_text(author, "username"))
        email = (child_text(author, "email") or "").strip()
    export.comments.append(
        CommentRecord(
            origin_id=pid,
            parent_origin_id=parent or None,
            article=article,
            name=name or "Anonymous",
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
