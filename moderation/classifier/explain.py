"""Feature names a moderator can read: "sender uses a free-mail address", not `meta:email:free`.

The scorer names the terms that moved a score (`Score.top_features`, each
above `WEIGHT_FLOOR`); this module only words them. A term it does not
know is shown as it is, so a new feature is never hidden.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

# A term explains a score only if it moved the decision value by at least this
# much (a linear SVM's margin is ±1; one word of a ten-word comment moves it by a few
# hundredths): below it, a term is noise next to the rest.
WEIGHT_FLOOR = 0.01


@functools.cache
def filler_words() -> frozenset[str]:
    """Words never highlighted as spam-ward, whatever their weight: they say nothing a
    moderator can act on ("the", "and", "https"). Loaded on first use: scikit-learn
    takes seconds to import, and serving a model from its serving form needs none of it
    (a scorer carries its blocks' filler columns)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | {
        "http",
        "https",
        "www",
        "com",
        "org",
        "net",
        "html",
    }
    return words


def filler(term: str) -> bool:
    words = filler_words()
    return all(w in words or w.isdigit() for w in term.split())


_FIXED = {
    "email:free": "sender uses a free-mail address",
    "email:own_domain": "sender's email is on their own domain",
    "email:none": "no email address",
    "url:set": "a website is given",
    "url:none": "no website given",
    "url:has_path": "the website field points at a page, not a home page",
    "url:abused_tld": "website on a top-level domain often used for spam",
    "links:0": "no links",
    "links:1": "links to 1 site",
    "links:2": "links to 2 sites",
    "links:3+": "links to 3 or more sites",
    "links:abused_tld": "links to a top-level domain often used for spam",
    "caps:none": "no capital letters",
    "caps:some": "some capital letters",
    "caps:many": "many capital letters",
    "caps:shout": "mostly capital letters",
    "bangs:0": "no exclamation marks",
    "bangs:few": "a few exclamation marks",
    "bangs:many": "many exclamation marks",
    "has:phone": "contains a phone number",
    "has:money": "mentions sums of money",
    "has:email": "contains an email address",
    "has:messenger": "names a messenger app",
    "shape:repeats": "repeated characters",
    "script:latin": "Latin script",
    "script:mixed": "mixes Latin and other scripts",
    "script:other": "written in a non-Latin script",
    "script:none": "no letters",
    "obf:invisible": "invisible characters inside the text",
    "obf:styled": "styled (full-width or mathematical) letters",
    "obf:mixed_script": "look-alike letters from another alphabet",
    "name:none": "no name",
    "name:has_link": "a link in the name",
    "name:has_digits": "digits in the name",
    "namelen:xs": "a very short name",
    "namelen:s": "a short name",
    "namelen:m": "a name of usual length",
    "namelen:l": "a long name",
    "namelen:xl": "a very long name",
    "email_digits:0": "no digits in the email address",
    "email_digits:few": "a digit or two in the email address",
    "email_digits:some": "several digits in the email address",
    "email_digits:many": "many digits in the email address",
}
_PREFIXED = {
    "email_domain": "sender's email domain {}",
    "email_tld": "sender's email ends in .{}",
    "url_domain": "website {}",
    "url_tld": "website ends in .{}",
    "link_domain": "links to {}",
    "link_tld": "links to a .{} site",
    "len": "about {} characters long",
}


def readable(term: str) -> str:
    """A moderator's words for a scorer term such as `meta:links:2` or `words:casino`."""
    block, _, feature = term.partition(":")
    if block == "words":
        return f"the words “{feature}”" if " " in feature else f"the word “{feature}”"
    if block in ("meta", "identity"):
        if feature in _FIXED:
            return _FIXED[feature]
        kind, _, value = feature.partition(":")
        if kind == "len" and value.isdigit():
            return _PREFIXED[kind].format(2 ** int(value))
        if kind in _PREFIXED:
            return _PREFIXED[kind].format(value)
    return term


def why(top_features: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """The explanation a decision keeps: each term, its words, and which way it pushed."""
    out = []
    for item in top_features:
        if len(item) != 2:
            continue
        term, weight = str(item[0]), float(item[1])
        out.append(
            {
                "term": term,
                "label": readable(term),
                "weight": weight,
                "towards": "spam" if weight > 0 else "ham",
            }
        )
    return out
