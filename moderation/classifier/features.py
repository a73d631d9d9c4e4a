"""Turn a whole comment into the documents the model's vectorizers read.

The model sees three documents per comment: the folded body (word n-grams),
the same text again for character n-grams, and a "meta" document of tokens
such as `email_domain:example.com`, `links:2` or `caps:high` that describe the
author fields, the links and the shape of the text. Encoding everything as
text keeps the fitted model made only of stock scikit-learn parts, which skops
can load from a short list of trusted types.

Some meta tokens name the sender's identity: the email domain, the website's
domain, the linked domains and their TLDs. On a site's own labels they are
real signals (a spammer's domain recurs); in a corpus written by one team they
only say who wrote it, and a seed model trained on them learned that
`example.com` is ham and `gmail.com` spam. So they are a block of their own
(`IDENTITY_PATTERN`) that only site models use, while every model reads the
generic facts about them (`email:free`, `url:set`, `links:abused_tld`).
"""

from __future__ import annotations

import re
import string
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation.classifier.links import find_links
from moderation.classifier.normalize import fold_for_tokens, normalize

_PHONE = re.compile(r"(?:\+?\d[\d\s().-]{8,}\d)")
_MONEY = re.compile(r"(?:[$€£]\s?\d|\d\s?(?:usd|eur|btc|usdt|\$|k/month|/day))", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_REPEAT = re.compile(r"(.)\1\1\1")  # four alike: as "\1{3,}" for a search, but faster
# Searched in the lowercased text: without re.I the search is twice as fast.
_MESSENGER = re.compile(r"\b(whats\s?app|telegram|wechat|signal|viber|kik|skype)\b")
_WORD = re.compile(r"[^\W\d_]+")
# Character scans run in the regex engine: per-character Python loops cost more
# than the rest of the feature extraction together.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_STYLED = re.compile("[\uff01-\uff5e\U0001d400-\U0001d7ff]")  # full-width, math letters
_GREEK_CYRILLIC = re.compile("[\u0370-\u04ff]")
_DIGIT = re.compile(r"\d")
_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()

# Bucketed tokens, built once.
_NAMELEN = tuple("namelen:" + b for b in ("xs", "s", "m", "l", "xl"))
_EMAIL_DIGITS = tuple("email_digits:" + b for b in ("0", "few", "some", "many"))
_CAPS = tuple("caps:" + b for b in ("none", "some", "many", "shout"))
_BANGS = tuple("bangs:" + b for b in ("0", "few", "many"))
_SCRIPT = tuple("script:" + b for b in ("latin", "mixed", "other"))
_LINKS = ("links:0", "links:1", "links:2", "links:3+")
_LENGTH = tuple(f"len:{i}" for i in range(13))

IDENTITY_PREFIXES = (
    "email_domain",
    "email_tld",
    "url_domain",
    "url_tld",
    "link_domain",
    "link_tld",
)
# The meta tokens every model reads, and the identity tokens only site models read.
GENERIC_PATTERN = r"(?<!\S)(?!(?:" + "|".join(IDENTITY_PREFIXES) + r"):)\S+"
IDENTITY_PATTERN = r"(?<!\S)(?:" + "|".join(IDENTITY_PREFIXES) + r"):\S+"

# Free-mail providers: most readers and most spammers use one, so this is a fact
# to show a moderator more than a signal, and it is the same for every corpus.
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "zoho.com",
        "mail.com",
        "tutanota.com",
        "fastmail.com",
    ]
)
# Top-level domains that abuse reports name far more often than their share of
# sites (cheap or free registrations); public knowledge, not learned from a corpus.
ABUSED_TLDS = frozenset(
    [
        "xyz",
        "top",
        "click",
        "shop",
        "online",
        "site",
        "icu",
        "buzz",
        "loan",
        "win",
        "bid",
        "vip",
        "club",
        "live",
        "store",
        "fun",
        "space",
        "website",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "work",
        "rest",
        "cyou",
        "sbs",
        "cfd",
        "monster",
    ]
)


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
    """The name of the bucket `value` falls in: names[i] for edges[i-1] <= value < edges[i]."""
    return names[bisect_right(edges, value)]


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
    stripped = raw.rstrip("\ufeff \n")  # a trailing BOM is an export artefact, not a trick
    if stripped.isascii():
        return []
    out = []
    if any(unicodedata.category(ch) == "Cf" for ch in set(_NON_ASCII.findall(stripped))):
        out.append("obf:invisible")
    if _STYLED.search(raw):
        out.append("obf:styled")
    if _GREEK_CYRILLIC.search(raw):
        for word in _WORD.findall(raw):
            if word.isascii() or not _GREEK_CYRILLIC.search(word):
                continue
            if any("a" <= ch.lower() <= "z" for ch in word):
                out.append("obf:mixed_script")
                break
    return out


def _script_token(text: str, letters: int) -> str:
    if not letters:
        return "script:none"
    non_latin = sum(map(str.isalpha, _NON_ASCII.findall(text))) / letters
    return _bucket(non_latin, (0.05, 0.5), _SCRIPT)


def extract(comment: CommentText) -> Docs:
    raw = comment.body
    norm = normalize(raw)
    text = fold_for_tokens(norm)
    links = find_links(norm)

    tokens: list[str] = []
    # Author name: its shape only. Its words identify people, not spam: they let
    # the model memorise the authors of its training data (on the YouTube data,
    # leaving them out raised ROC AUC on four of five videos held out).
    name = fold_for_tokens(normalize(comment.name)) if comment.name else ""
    if name:
        tokens.append(_bucket(len(name), (4, 12, 25, 40), _NAMELEN))
        if find_links(name):
            tokens.append("name:has_link")
        if _DIGIT.search(name):
            tokens.append("name:has_digits")
    else:
        tokens.append("name:none")

    email = comment.email.lower()
    if "@" in email:
        local, _, domain = email.rpartition("@")
        tokens += ["email_domain:" + domain, "email_tld:" + _tld(domain)]
        tokens.append("email:free" if domain in FREE_MAIL else "email:own_domain")
        digits = sum(ch.isdigit() for ch in local)
        tokens.append(_bucket(digits, (1, 3, 6), _EMAIL_DIGITS))
    else:
        tokens.append("email:none")

    if comment.url:
        host = _host(comment.url)
        tokens += ["url:set", "url_domain:" + host, "url_tld:" + _tld(host)]
        if _tld(host) in ABUSED_TLDS:
            tokens.append("url:abused_tld")
        if _has_path(comment.url):
            tokens.append("url:has_path")
    else:
        tokens.append("url:none")

    tokens.append(_LINKS[min(len(links), 3)])
    abused = False
    for host in dict.fromkeys(links):
        tld = _tld(host)
        tokens += ["link_domain:" + host, "link_tld:" + tld]
        abused = abused or tld in ABUSED_TLDS
    if abused:
        tokens.append("links:abused_tld")

    # Shape of the text.
    n = len(norm)
    tokens.append(_LENGTH[min((n + 1).bit_length() - 1, 12)])  # floor(log2(n + 1))
    if norm.isascii():  # counting by deleting is ten times faster than a scan in Python
        data = norm.encode()
        letters = n - len(data.translate(None, _ASCII_LETTERS))
        upper = n - len(data.translate(None, _ASCII_UPPER))
    else:
        letters = sum(map(str.isalpha, norm))
        upper = sum(map(str.isupper, norm))
    caps = upper / letters if letters else 0.0
    tokens.append(_bucket(caps, (0.05, 0.2, 0.5), _CAPS))
    if _REPEAT.search(norm):
        tokens.append("shape:repeats")
    bangs = norm.count("!")
    tokens.append(_bucket(bangs, (1, 3), _BANGS))
    if _DIGIT.search(norm):  # both need a digit; most comments have none
        if _PHONE.search(norm):
            tokens.append("has:phone")
        if _MONEY.search(norm):
            tokens.append("has:money")
    if "@" in norm and _EMAIL.search(norm):  # the pattern is slow on long words
        tokens.append("has:email")
    if _MESSENGER.search(text):
        tokens.append("has:messenger")
    tokens.append(_script_token(norm, letters))
    tokens.extend(_obfuscation_tokens(raw))
    return Docs(text=text, meta=" ".join(tokens))
