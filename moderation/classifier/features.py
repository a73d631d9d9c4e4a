"""Turn a whole comment into the documents the model's vectorizers read.

The model sees three documents per comment: the folded body (word n-grams),
the same text again for character n-grams, and a "meta" document of tokens
such as `email_domain:example.com`, `links:2` or `caps:high` that describe the
author fields, the links and the shape of the text. Encoding everything as
text keeps the fitted model made only of stock scikit-learn parts, which skops
can load from a short list of trusted types.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation.classifier.normalize import find_links, fold_for_tokens, normalize

_PHONE = re.compile(r"(?:\+?\d[\d\s().-]{8,}\d)")
_MONEY = re.compile(r"(?:[$€£]\s?\d|\d\s?(?:usd|eur|btc|usdt|\$|k/month|/day))", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_REPEAT = re.compile(r"(.)\1{3,}")
_MESSENGER = re.compile(r"\b(whats\s?app|telegram|wechat|signal|viber|kik|skype)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class CommentText:
    """The fields of a comment the classifier looks at (never dates or ids)."""

    body: str
    name: str = ""
    email: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Docs:
    text: str  # folded body, for word and character n-grams
    meta: str  # space-separated feature tokens


def _bucket(value: float, edges: tuple[float, ...], names: tuple[str, ...]) -> str:
    for edge, name in zip(edges, names, strict=False):
        if value < edge:
            return name
    return names[-1]


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _has_path(url: str) -> bool:
    try:
        return bool(urlsplit(url).path.strip("/"))
    except ValueError:  # "http://[broken" in an imported label file
        return False


def _tld(host: str) -> str:
    return host.rsplit(".", 1)[-1] if "." in host else ""


def _obfuscation_tokens(raw: str) -> list[str]:
    """Signs that the writer tried to hide words from a filter."""
    if raw.isascii():
        return []
    out = []
    stripped = raw.rstrip("\ufeff \n")  # a trailing BOM is an export artefact, not a trick
    if any(unicodedata.category(ch) == "Cf" for ch in stripped):
        out.append("obf:invisible")
    if any("\uff01" <= ch <= "\uff5e" or "\U0001d400" <= ch <= "\U0001d7ff" for ch in raw):
        out.append("obf:styled")
    for word in _WORD.findall(raw):
        if word.isascii():
            continue
        has_latin = any("a" <= ch.lower() <= "z" for ch in word)
        has_other = any("\u0370" <= ch <= "\u03ff" or "\u0400" <= ch <= "\u04ff" for ch in word)
        if has_latin and has_other:
            out.append("obf:mixed_script")
            break
    return out


def _script_token(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "script:none"
    non_latin = sum(1 for ch in letters if not ch.isascii()) / len(letters)
    return "script:" + _bucket(non_latin, (0.05, 0.5), ("latin", "mixed", "other"))


def extract(comment: CommentText) -> Docs:
    raw = comment.body
    norm = normalize(raw)
    text = fold_for_tokens(norm)
    links = find_links(norm)

    tokens: list[str] = []
    # Author name: its words, and whether it looks like a keyword or a site.
    name = fold_for_tokens(normalize(comment.name)) if comment.name else ""
    if name:
        tokens.extend("name:" + w for w in _WORD.findall(name)[:6])
        tokens.append("namelen:" + _bucket(len(name), (4, 12, 25, 40), ("xs", "s", "m", "l", "xl")))
        if find_links(name):
            tokens.append("name:has_link")
        if any(ch.isdigit() for ch in name):
            tokens.append("name:has_digits")
    else:
        tokens.append("name:none")

    email = comment.email.lower()
    if "@" in email:
        local, _, domain = email.rpartition("@")
        tokens += ["email_domain:" + domain, "email_tld:" + _tld(domain)]
        digits = sum(ch.isdigit() for ch in local)
        tokens.append("email_digits:" + _bucket(digits, (1, 3, 6), ("0", "few", "some", "many")))
    else:
        tokens.append("email:none")

    if comment.url:
        host = _host(comment.url)
        tokens += ["url_domain:" + host, "url_tld:" + _tld(host)]
        if _has_path(comment.url):
            tokens.append("url:has_path")
    else:
        tokens.append("url:none")

    tokens.append("links:" + ("3+" if len(links) >= 3 else str(len(links))))
    for host in dict.fromkeys(links):
        tokens += ["link_domain:" + host, "link_tld:" + _tld(host)]

    # Shape of the text.
    n = len(norm)
    tokens.append("len:" + str(min(int(math.log2(n + 1)), 12)))
    letters = sum(ch.isalpha() for ch in norm)
    upper = sum(ch.isupper() for ch in norm)
    caps = upper / letters if letters else 0.0
    tokens.append("caps:" + _bucket(caps, (0.05, 0.2, 0.5), ("none", "some", "many", "shout")))
    if _REPEAT.search(norm):
        tokens.append("shape:repeats")
    bangs = norm.count("!")
    tokens.append("bangs:" + _bucket(bangs, (1, 3), ("0", "few", "many")))
    if _PHONE.search(norm):
        tokens.append("has:phone")
    if _MONEY.search(norm):
        tokens.append("has:money")
    if _EMAIL.search(norm):
        tokens.append("has:email")
    if _MESSENGER.search(norm):
        tokens.append("has:messenger")
    tokens.append(_script_token(norm))
    tokens.extend(_obfuscation_tokens(raw))
    return Docs(text=text, meta=" ".join(tokens))
