"""Labeled comments from files: our JSONL and the YouTube Spam Collection CSV.

JSONL lines carry `name, email, url, body, label` (`spam` or `ham`; every
field but body and label may be empty or missing). CSV files either use the
same column names, or the YouTube Spam Collection's
`COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS` (CLASS 1 = spam). Dates and ids are
never read into a feature: in that data set they leak the label.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from moderation.classifier.features import CommentText


class DataError(ValueError):
    """A labeled file that cannot be read, with where and why."""


@dataclass(frozen=True, slots=True)
class Example:
    comment: CommentText
    spam: bool
    source: str  # the file (or other origin) it came from
    group: str = ""  # e.g. the video of a YouTube comment, for grouped evaluation
    kind: str = ""  # optional category, from the seed corpus


def parse_label(value: object) -> bool:
    text = str(value).strip().lower()
    if text in ("spam", "1", "true"):
        return True
    if text in ("ham", "0", "false"):
        return False
    raise ValueError(f"label must be spam or ham, not {value!r}")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def read_jsonl(lines: Iterable[str], source: str) -> Iterator[Example]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            if not isinstance(doc, dict):
                raise ValueError("each line must be a JSON object")
            body = _text(doc.get("body"))
            if not body.strip():
                raise ValueError("body is missing or blank")
            yield Example(
                CommentText(
                    body=body,
                    name=_text(doc.get("name")),
                    email=_text(doc.get("email")),
                    url=_text(doc.get("url")),
                ),
                parse_label(doc.get("label")),
                source,
                _text(doc.get("group")),
                _text(doc.get("kind")),
            )
        except ValueError as exc:
            raise DataError(f"{source}:{n}: {exc}") from None


def read_csv(text: str, source: str) -> Iterator[Example]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().upper() for f in reader.fieldnames or []}
    youtube = {"CONTENT", "CLASS"} <= fields
    if not youtube and not {"BODY", "LABEL"} <= fields:
        raise DataError(
            f"{source}: CSV needs columns body,label (and optionally name,email,url) "
            "or the YouTube Spam Collection's COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS"
        )
    for row in reader:
        n = reader.line_num  # the physical line, also after multi-line quoted bodies
        row = {k.strip().upper(): v for k, v in row.items() if k is not None}
        try:
            if youtube:
                body, label = row.get("CONTENT") or "", row.get("CLASS")
                comment = CommentText(body=body, name=row.get("AUTHOR") or "")
            else:
                body, label = row.get("BODY") or "", row.get("LABEL")
                comment = CommentText(
                    body=body,
                    name=row.get("NAME") or "",
                    email=row.get("EMAIL") or "",
                    url=row.get("URL") or "",
                )
            if not body.strip():
                raise ValueError("body is missing or blank")
            yield Example(comment, parse_label(label), source, Path(source).stem)
        except ValueError as exc:
            raise DataError(f"{source}:{n}: {exc}") from None


def read_file(path: Path) -> list[Example]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    if path.suffix.lower() == ".csv":
        return list(read_csv(text, str(path)))
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        # Only "\n" ends a JSON line: U+2028 and friends may stand raw inside strings.
        return list(read_jsonl(text.split("\n"), str(path)))
    raise DataError(f"{path}: unknown format (expected .jsonl or .csv)")


def read_paths(paths: Iterable[Path]) -> list[Example]:
    """Read files; a folder stands for the .jsonl and .csv files in it."""
    out: list[Example] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".jsonl", ".csv"))
            if not files:
                raise DataError(f"{path}: no .jsonl or .csv files in this folder")
        elif path.exists():
            files = [path]
        else:
            raise DataError(f"{path}: no such file or folder")
        for f in files:
            out.extend(read_file(f))
    return out
