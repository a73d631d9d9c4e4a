"""Text normalisation for spam-classifier features.

Spammers obfuscate the words and links a filter looks for: HTML markup, full-width or
"mathematical bold" letters, zero-width characters, Cyrillic/Greek look-alike letters
and defanged links ("hxxps://evil[.]site", "example dot com"). The classifier computes
its features on the output of :func:`normalize`, so that all of these spellings meet
the same tokens as the plain text they imitate.

Public API:

* :func:`normalize` -- undo the obfuscations; case is preserved (capitals are a feature).
* :func:`fold_for_tokens` -- lowercase and squash character runs, for word features.

Repairing defanged links is classifier/refang.py; finding the link domains in
normalised text is classifier/links.py (``find_links``).

Everything here is pure and runs on every submitted comment, so regexes and translation
tables are built once at import and each step is skipped when a cheap test shows it has
nothing to do. Standard library only.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from moderation.classifier.lookalikes import FOREIGN_LOOKALIKES, INVISIBLE_RANGES, LATIN_VARIANTS
from moderation.classifier.refang import _words, refang_links

__all__ = ["fold_for_tokens", "normalize"]


# --- HTML ---------------------------------------------------------------------------

# A tag must start with a letter right after "<" (or "</"), so "<3" and "a < b" stay text.
_TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)(?:\s[^<>]*)?/?>")
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.S)
# Script/style bodies are never shown to a reader, so their text is not comment text.
_INVISIBLE_ELEMENT_RE = re.compile(r"<(script|style)\b[^<>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
# The href is the part a spammer cares about: keep it in the text in front of the label.
# The label may not run into another <a>, which also bounds the search when </a> is missing.
_ANCHOR_RE = re.compile(
    r"""<a\s[^<>]*?\bhref\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s<>"']+))[^<>]*>"""
    r"(?:((?:(?!</?a[\s>]).)*?)</a\s*>)?",
    re.I | re.S,
)
# Tags that start a new line or block when rendered; others (b, span, ...) join text,
# which matters for "ca<b></b>sino".
_BLOCK_TAGS = frozenset(
    _words("""address article aside blockquote br dd div dl dt fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 header hr img li main nav ol p pre section table tbody td tfoot
    th thead tr ul""")
)


def _replace_anchor(match: re.Match[str]) -> str:
    url = (match.group(1) or match.group(2) or match.group(3) or "").strip()
    label = match.group(4) or ""
    # <a href="http://x.com">http://x.com</a> shows one link; do not count it twice.
    if label.strip() == url:
        label = ""
    return f" {url} {label} "


def _replace_tag(match: re.Match[str]) -> str:
    return " " if match.group(1).lower() in _BLOCK_TAGS else ""


def _strip_html(text: str) -> str:
    if "<" in text:
        text = _COMMENT_RE.sub("", text)
        text = _INVISIBLE_ELEMENT_RE.sub(" ", text)
        text = _ANCHOR_RE.sub(_replace_anchor, text)
        text = _TAG_RE.sub(_replace_tag, text)
    # Entities last, so "&lt;b&gt;" stays visible text as it is in a browser.
    if "&" in text:
        text = html.unescape(text)
    return text


# --- Invisible characters -----------------------------------------------------------


def _char_class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in ranges)


_BMP_INVISIBLE = _char_class(r for r in INVISIBLE_RANGES if r[1] <= 0xFFFF)
_ASTRAL_INVISIBLE = _char_class(r for r in INVISIBLE_RANGES if r[0] > 0xFFFF)
# One C-level pass, no per-character Python work. A class of BMP characters compiles to a
# bitmap and scans fast, while astral ranges are tested one by one on every character
# (5x slower); so the scan accepts any astral character cheaply and only those candidates
# pay for the exact lookbehind test. (str.translate with a table of these characters
# looks every character up in a dict: over 10x slower on Cyrillic text.)
_INVISIBLE_RE = re.compile(
    f"[{_BMP_INVISIBLE}\U00010000-\U0010ffff](?<=[{_BMP_INVISIBLE}{_ASTRAL_INVISIBLE}])"
)
# Braille blank looks like a space and is used as one to split words unseen by filters.
_BRAILLE_BLANK = "\u2800"


def _remove_invisible(text: str) -> str:
    if _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    if _BRAILLE_BLANK in text:
        text = text.replace(_BRAILLE_BLANK, " ")
    return text


# --- Look-alike letters -------------------------------------------------------------


def _char_table(names: dict[str, str]) -> dict[str, str]:
    return {unicodedata.lookup(name): latin for name, latin in names.items()}


_LATIN_VARIANT_CHARS = _char_table(LATIN_VARIANTS)
_FOREIGN_CHARS = _char_table(FOREIGN_LOOKALIKES)
_FOLD_TABLE = str.maketrans(_FOREIGN_CHARS)
_LATIN_VARIANT_RE = re.compile("[" + "".join(map(re.escape, _LATIN_VARIANT_CHARS)) + "]")
# Every character of a token: word characters, "." and "-" so that "example.com" with a
# Cyrillic "com" is judged together with its Latin part, and the common combining accents
# (not \w for Python) so that "o" + U+0301 does not split a word that NFC will join.
_MARKS = "\u0300-\u036f"
_TOKEN_TAIL_RE = re.compile(f"[\\w.\\-{_MARKS}]*")
_TOKEN_PUNCTUATION = frozenset(".-_")
# A token holds both an ASCII letter and a foreign look-alike exactly when somewhere in it
# one of each is separated only by token characters that are neither ("v1" + Cyrillic
# "a"). The possessive runs keep every search linear, also on hostile input.
_L = "A-Za-z"
_C = "".join(map(re.escape, _FOREIGN_CHARS))
_NEITHER = rf"[^\W{_L}{_C}]*+(?:[.\-{_MARKS}][^\W{_L}{_C}]*+)*+"
_FOREIGN_RE = re.compile(f"[{_C}]")
_LATIN_THEN_FOREIGN_RE = re.compile(f"[{_L}]{_NEITHER}[{_C}]")
_FOREIGN_THEN_LATIN_RE = re.compile(f"[{_C}]{_NEITHER}[{_L}]")


def _is_token_char(char: str) -> bool:
    # Same set as _TOKEN_TAIL_RE: Python's \w is str.isalnum() plus "_".
    return char.isalnum() or char in _TOKEN_PUNCTUATION or "\u0300" <= char <= "\u036f"


def _token_spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of the tokens of ``text`` that contain a match of ``pattern``."""
    spans: list[tuple[int, int]] = []
    done = 0
    match = pattern.search(text)
    while match is not None:
        start = match.start()
        while start > done and _is_token_char(text[start - 1]):
            start -= 1
        tail = _TOKEN_TAIL_RE.match(text, match.end())
        done = tail.end() if tail is not None else match.end()
        spans.append((start, done))
        # Resuming after the token keeps this linear even for one enormous token.
        match = pattern.search(text, done)
    return spans


def _mixed_token_spans(text: str) -> list[tuple[int, int]]:
    """Sorted spans of the tokens that mix ASCII letters with foreign look-alikes."""
    # The regex engine skips quickly to a pattern's first letter class, so start from the
    # rarer script (3x faster on clean Russian or English text than an alternation of both
    # orders). Reading the text backwards finds the other order; tokens stay tokens.
    latin_heavy = 2 * len(text.encode("ascii", "ignore")) > len(text)
    pattern = _FOREIGN_THEN_LATIN_RE if latin_heavy else _LATIN_THEN_FOREIGN_RE
    spans = set(_token_spans(text, pattern))
    size = len(text)
    spans.update((size - end, size - start) for start, end in _token_spans(text[::-1], pattern))
    return sorted(spans)


def _fold_lookalikes(text: str) -> str:
    folded = text
    if _LATIN_VARIANT_RE.search(folded):
        # Small capitals and the like are Latin already, so they can never belong to a
        # genuine Cyrillic or Greek word: fold them everywhere, before looking at tokens.
        folded = _LATIN_VARIANT_RE.sub(lambda m: _LATIN_VARIANT_CHARS[m.group()], folded)
    # Words wholly in Cyrillic/Greek stay as written, so genuine Russian or Greek text
    # (Russian spam included) keeps its own tokens.
    spans = _mixed_token_spans(folded) if _FOREIGN_RE.search(folded) else []
    if spans:
        parts: list[str] = []
        done = 0
        for start, end in spans:
            parts.append(folded[done:start])
            parts.append(folded[start:end].translate(_FOLD_TABLE))
            done = end
        parts.append(folded[done:])
        folded = "".join(parts)
    if folded is text:
        return text
    # A folded base may now compose with a following accent (small capital C + U+0301);
    # recompose so that a second normalize() pass does not change the text.
    return unicodedata.normalize("NFC", folded)


# --- normalize ----------------------------------------------------------------------


def normalize(text: str) -> str:
    """Undo common spam obfuscations; the result is single-spaced and case-preserving.

    Steps, in order: HTML tags and entities (links in ``<a href>`` are kept as
    ``"URL label"``); removal of zero-width and other invisible characters; Unicode NFKC
    (full-width and mathematical letters become ASCII); Cyrillic/Greek look-alikes folded
    to Latin inside words that also contain Latin letters; whitespace collapsed to single
    spaces; defanged links repaired (``hxxp://``, ``[.]``, ``dot``, ``. com``).

    Invisible characters go before NFKC so that a zero-width space cannot keep a letter
    and its accent from composing; no NFKC output is itself invisible, so one pass suffices.
    Normalising twice gives the same text, except for input that is itself escaped markup
    (``"&lt;b&gt;"`` becomes the visible text ``"<b>"``, which a second pass would drop).
    """
    text = _strip_html(text)
    # The three Unicode steps only ever change non-ASCII characters.
    if not text.isascii():
        text = _remove_invisible(text)
        text = unicodedata.normalize("NFKC", text)
        text = _fold_lookalikes(text)
    # Collapsing first lets the link patterns match a plain " " instead of \s+.
    text = " ".join(text.split())
    refanged = refang_links(text)
    # A repaired link can join a Latin word to a look-alike one ("casino[.]" + Cyrillic
    # "com"), and folding that can enable another repair; iterate so that a second
    # normalize() has nothing left to do. Bounded, as hostile input could chain this.
    for _ in range(3):
        if refanged == text or refanged.isascii():
            break
        text = _fold_lookalikes(refanged)
        if text == refanged:
            break
        refanged = refang_links(text)
    return refanged


# --- fold_for_tokens ----------------------------------------------------------------

# "freeeee" and "freee" should meet as one token; two are kept because doubled letters
# are normal spelling ("free", "cool").
_REPEAT_RE = re.compile(r"(.)\1\1+", re.S)


def fold_for_tokens(normalized: str) -> str:
    """Lowercase ``normalized`` and shorten runs of 3+ identical characters to two."""
    return _REPEAT_RE.sub(r"\1\1", normalized.lower())
