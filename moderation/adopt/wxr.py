"""WordPress's export (WXR, "WordPress eXtended RSS"), read into an `Export`.

A WXR file is RSS 2.0 with a `wp:` namespace: one `<item>` per post, page or
attachment, each with its `<wp:comment>`s. Posts and pages become articles,
keyed by their slug (`wp:post_name`, else `post-<id>`; a slug the API would
refuse as a key, or one made too long by telling two posts' slugs apart, is
replaced by `post-<id>` and the report says so); comments keep their
thread (`wp:comment_parent`), their time (`wp:comment_date_gmt`) and their
status:

| `wp:comment_approved` | status |
|---|---|
| `1` | approved (a ham label) |
| `0` | pending |
| `spam` | rejected as spam (a spam label) |
| `trash`, `post-trashed` | rejected, removed |

Pingbacks and trackbacks are not readers' comments and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

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
from moderation.adopt.xmlsafe import ExportFile, ends, fields, line_of, local, root_name
from moderation.domain import Rejection, Status

SOURCE = "wordpress"
_STATUSES: dict[str, tuple[Status, Rejection | None]] = {
    "1": (Status.APPROVED, None),
    "approve": (Status.APPROVED, None),
    "0": (Status.PENDING, None),
    "hold": (Status.PENDING, None),
    "spam": (Status.REJECTED, Rejection.SPAM),
    "trash": (Status.REJECTED, Rejection.REMOVED),
    "post-trashed": (Status.REJECTED, Rejection.REMOVED),
}
_ARTICLE_TYPES = {"post", "page"}


def read(
    path: Path,
    *,
    max_body_bytes: int,
    max_name_chars: int = 245,
    max_email_chars: int = 100,
    on_progress: Callable[[int, int], None] | None = None,
) -> Export:
    """Read a WXR file; `on_progress(bytes read, comments read)` as it goes."""
    with ExportFile(path) as stream:
        namespace, name = root_name(stream)
    if name != "rss":
        raise ExportError(f"not a WordPress export (WXR): the root element is <{name}>", 1)
    export = Export(source=SOURCE)
    limits = Limits(max_body_bytes, max_name_chars, max_email_chars)
    site = ""
    taken: dict[str, str] = {}  # article key -> the post id that has it
    comments = 0

    def progress(done: int) -> None:
        if on_progress is not None:
            on_progress(done, comments)

    post = _Post()  # the post being read: its comments, read as each one ends
    tags = ("item", "{*}comment", "{*}base_site_url", "link")
    with ExportFile(path) as stream:
        for element in ends(stream, tags, 2, progress, drop=_NOT_RECORDS):
            name = local(element)
            parent = element.getparent()
            in_channel = parent is not None and local(parent) == "channel"
            if name == "comment":
                if parent is not None and local(parent) == "item":
                    comments += 1
                    post.comment(element, export, limits)
            elif name == "base_site_url" or (name == "link" and in_channel and not site):
                site = (element.text or "").strip().rstrip("/")
            elif name == "item" and in_channel:
                _item(element, export, taken, post)
                post = _Post()
    if not site:
        raise ExportError("not a WordPress export (WXR): no <wp:base_site_url> or channel <link>")
    if not namespace and not export.articles and not export.comments:
        raise ExportError("not a WordPress export (WXR): no posts or comments in the file")
    export.origin = f"{SOURCE}:{site}"
    return export


# The channel's own lists (authors, categories, tags, terms: every one a site ever
# had), dropped as they end rather than kept until the next post.
_NOT_RECORDS = ("{*}author", "{*}category", "{*}tag", "{*}term")


class _Post:
    """A post's comments as they end, each cleared from the tree once read (a post
    may have tens of thousands); their article is known once the post ends."""

    def __init__(self) -> None:
        self.comments: list[CommentRecord] = []
        self.count = 0

    def comment(self, c: etree._Element, export: Export, limits: Limits) -> None:
        self.count += 1
        record = _comment(c, export, limits)
        if record is not None:
            self.comments.append(record)
        c.clear()
        # The comments before this one are read and empty: out of the tree. The post's
        # own fields, before them, stay for `_item`.
        item = c.getparent()
        previous = c.getprevious()
        while item is not None and previous is not None and local(previous) == "comment":
            item.remove(previous)
            previous = c.getprevious()


def _item(item: etree._Element, export: Export, taken: dict[str, str], post: _Post) -> None:
    """One post, page or attachment, at its end: its article, and its comments' key."""
    line = line_of(item)
    f = fields(item)
    post_id = (f.get("post_id") or "").strip()
    post_type = (f.get("post_type") or "post").strip()
    if post_type not in _ARTICLE_TYPES and not post.count:
        return  # attachments, menu items, blocks: not pages readers comment on
    fallback = f"post-{post_id or line}"
    exported = (f.get("post_name") or "").strip()
    slug = exported or fallback
    if taken.setdefault(slug, post_id) != post_id:
        slug = f"{slug}-{post_id}"  # pages under different parents may share a slug
    problem = text.key_problem(slug)
    if problem and slug != fallback:
        export.rekeyed.append(Rekey(line, exported, fallback, f"slug {problem}: post-<id>"))
        slug = fallback
        if taken.setdefault(slug, post_id) != post_id:  # another post's slug is "post-<id>"
            slug = f"{slug}-{post_id}"
    export.articles[slug] = ArticleRecord(
        article=slug,
        title=text.unescape(f.get("title")) or None,
        url=text.web_address(f.get("link")),
        published_at=text.wordpress_time(f.get("post_date_gmt"), f.get("post_date")),
    )
    export.comments.extend(replace(c, article=slug) for c in post.comments)


def _comment(c: etree._Element, export: Export, limits: Limits) -> CommentRecord | None:
    """One comment, read as it ends; its article is filled in when its post ends."""
    line = line_of(c)
    f = fields(c)
    cid = (f.get("comment_id") or "").strip()
    what = f"comment {cid}" if cid else "a comment"
    if not cid:
        export.skip(line, what, "no wp:comment_id")
        return None
    kind = (f.get("comment_type") or "").strip()
    if kind in ("pingback", "trackback"):
        export.skip(line, what, f"a {kind}, not a reader's comment")
        return None
    approved = (f.get("comment_approved") or "").strip()
    if approved not in _STATUSES:
        export.skip(line, what, f"unknown status {approved!r}")
        return None
    status, rejection = _STATUSES[approved]
    created = text.wordpress_time(f.get("comment_date_gmt"), f.get("comment_date"))
    if created is None:
        export.skip(line, what, "no readable date")
        return None
    body = text.plain_text(f.get("comment_content") or "")
    if not body:
        export.skip(line, what, "empty body")
        return None
    if len(body.encode()) > limits.body_bytes:
        export.skip(line, what, "body longer than MAX_BODY_BYTES")
        return None
    parent = (f.get("comment_parent") or "").strip()
    name, email = export.author(
        line,
        what,
        text.unescape(f.get("comment_author")),
        (f.get("comment_author_email") or "").strip(),
        limits,
    )
    return CommentRecord(
        origin_id=cid,
        parent_origin_id=parent if parent not in ("", "0") else None,
        article="",
        name=name,
        email=email,
        url=text.web_address(f.get("comment_author_url")),
        client_ip=text.ip_address(f.get("comment_author_IP")),
        user_agent=(f.get("comment_agent") or "").strip() or None,
        body=body,
        created_at=created,
        status=status,
        rejection=rejection,
        line=line,
    )
