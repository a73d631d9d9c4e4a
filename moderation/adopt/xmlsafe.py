"""Reading export XML safely and as a stream.

lxml (libxml2) with entities left unresolved, no DTD loaded and no network, and
any document that declares a DTD refused outright: WordPress and Disqus exports
never have one, and a DOCTYPE is how entity expansion ("billion laughs") and
external entities (reading local files) get in. Elements are handed out as they
end and cleared afterwards, so a large export is read in little memory; a
syntax error becomes an `ExportError` with its line (`syntax_error`).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from lxml import etree

from moderation.adopt.records import ExportError


class ExportFile:
    """An export opened for reading, compressed with gzip or not (Disqus mails its
    export as .xml.gz); `position()` is how far into the file on disk it has read."""

    def __init__(self, path: Path) -> None:
        self._raw = path.open("rb")
        gzipped = self._raw.read(2) == b"\x1f\x8b"
        self._raw.seek(0)
        self._stream: BinaryIO = (
            cast(BinaryIO, gzip.GzipFile(fileobj=self._raw, mode="rb")) if gzipped else self._raw
        )

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except (OSError, EOFError, zlib.error) as exc:
            raise ExportError(f"the compressed file is damaged: {exc}") from None

    def position(self) -> int:
        return self._raw.tell()

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()
        self._raw.close()


class _Counting:
    """A stream that reports its progress through the file as it is read."""

    def __init__(self, stream: ExportFile, on_bytes: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if self._on_bytes is not None:
            self._on_bytes(self._stream.position())
        return chunk


def local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def fields(element: etree._Element) -> dict[str, str | None]:
    """Each child's text by its local name (the first child of a name wins)."""
    found: dict[str, str | None] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            found.setdefault(tag.rpartition("}")[2], child.text)
    return found


def line_of(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 0


def child_text(element: etree._Element, name: str) -> str | None:
    """The text of the first child with this local name (any namespace), or None."""
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            return child.text
    return None


def ends(
    stream: ExportFile,
    tags: Iterable[str],
    depth: int,
    on_bytes: Callable[[int], None] | None = None,
    drop: Iterable[str] = (),
) -> Iterator[etree._Element]:
    """Each element named in `tags` (lxml's '{ns}name' or '{*}name'), when it ends.

    Records (posts, threads, comments) live at `depth` below the root (1: its
    children). The caller reads an element during the iteration; a record is
    cleared, with the records before it, once the caller asks for the next one,
    while an element inside a record is left for the record's reader. Elements
    named in `drop` at a record's depth (an export's lists of authors or terms,
    between its records) are not handed out: each is cleared as it ends, with
    what came before it, so they do not pile up before the first record.
    """
    dropped = {_local_name(t) for t in drop}
    tags = [*tags, *drop]
    source = _Counting(stream, on_bytes)
    etree.clear_error_log()  # the log is per thread: keep only this file's errors in it
    events = etree.iterparse(
        source,
        events=("end",),
        tag=list(tags),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _, element in events:
            if not checked:
                _refuse_dtd(element)
                checked = True
            if dropped and local(element) in dropped:
                if _depth(element) != depth:
                    continue  # inside a record (a post's <category>): the record's reader's
            else:
                yield element
                if _depth(element) != depth:
                    continue
            element.clear(keep_tail=True)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from None
    if not checked:  # no element of interest: still refuse a DTD, and say what is there
        root = getattr(events, "root", None)
        if root is not None:
            _refuse_dtd(root)


_SUFFIX = re.compile(r", line \d+, column \d+$")
_KINDS = {"ERR_CDATA_NOT_FINISHED": "CData section not finished"}
_BAD_CHAR = re.compile(r"invalid (?:xml)?Char value (\d+)", re.IGNORECASE)


def syntax_error(exc: etree.XMLSyntaxError) -> ExportError:
    """The parser's error with its line and a message people can act on.

    With entities unresolved, libxml2 reports an undeclared entity (`&nbsp;` in a
    title) at the end as "no element found" at (0, 0), and some errors (a control
    character right after `<![CDATA[`) as "Unregistered error message": the error
    log holds the real place and kind.
    """
    line, column = exc.position
    message = _SUFFIX.sub("", exc.msg or "")
    log = cast(Iterable[Any], exc.error_log)  # lxml-stubs leave _ErrorLog bare
    errors = [e for e in log if e.line > 0]
    if errors and ((line, column) == (0, 0) or message.startswith("Unregistered")):
        last = errors[-1]
        line, column, message = last.line, last.column, _SUFFIX.sub("", last.message)
        if message.startswith("Unregistered"):  # the kind is still known: ERR_CDATA_NOT_...
            message = (
                _KINDS.get(last.type_name)
                or last.type_name.removeprefix("ERR_").replace("_", " ").lower()
            )
    message = message.split("\n")[0].strip()  # "CData section not finished\n<the text>"
    bad = _BAD_CHAR.search(message)
    if bad:
        message += f" (U+{int(bad[1]):04X}, a character XML does not allow)"
    elif "Entity '" in message and "not defined" in message:
        message += " (an HTML entity: XML knows only &amp; &lt; &gt; &quot; &apos;)"
    elif message.lower().startswith("cdata section not finished"):
        message += " (a character XML does not allow, such as a control character, may be in it)"
    where = f" (column {column})" if column else ""
    return ExportError(f"not well-formed XML{where}: {message}", line or None)


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _depth(element: etree._Element) -> int:
    n = 0
    parent = element.getparent()
    while parent is not None:
        n += 1
        parent = parent.getparent()
    return n


def _dtd_refused() -> ExportError:
    return ExportError(
        "the file declares a DTD (<!DOCTYPE ...>); exports have none, so it is refused "
        "(entities in a DTD can expand without bound or read local files)",
        1,
    )


def _refuse_dtd(element: etree._Element) -> None:
    info = element.getroottree().docinfo
    if getattr(info, "doctype", "") or info.internalDTD is not None:
        raise _dtd_refused()


# What may come before the root element: a byte-order mark, white space, the XML
# declaration, processing instructions and comments.
_PROLOGUE = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)


class _Replay:
    """A stream that hands out `head` again before the rest of `stream`."""

    def __init__(self, head: bytes, stream: ExportFile) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._stream.read(size)


def root_name(stream: ExportFile) -> tuple[str, str]:
    """The root element's (namespace, local name), read from the start of the file.

    A DOCTYPE is refused before the parser sees it: some libxml2 versions expand
    (and refuse) entities before the first element could be looked at.
    """
    head = stream.read(1 << 16)
    prologue = _PROLOGUE.match(head)
    if head[prologue.end() if prologue else 0 :].startswith(b"<!DOCTYPE"):
        raise _dtd_refused()
    etree.clear_error_log()
    try:
        for _, element in etree.iterparse(
            _Replay(head, stream),
            events=("start",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
        ):
            _refuse_dtd(element)
            name = etree.QName(element)
            return name.namespace or "", name.localname
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from None
    raise ExportError("the file is empty")
