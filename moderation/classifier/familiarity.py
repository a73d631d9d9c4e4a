"""Does the model know this kind of comment? If not, a person should decide.

A linear model scores any text, also text unlike anything it was trained on,
and such scores are confident for no good reason: the seed, trained on news
comments, would decide SMS messages or a language it never saw with the same
assurance as the comments it knows. So automatic decisions need familiarity,
measured three ways against a profile kept with the model (`profile`):

- **known words**: the share of the comment's distinct words (letters only)
  that are in the model's word vocabulary; below `min_known_share` it is
  unfamiliar ("unfamiliar: 22 % of words known");
- **script**: the writing system of most of its letters (Latin, Cyrillic,
  CJK, ...) must have at least `min_examples` training comments;
- **length**: its length class (powers of two of characters) likewise.

Comments of fewer than `SHORT_WORDS` words are judged by script and length
alone: "lol" or "Called it." says too little for a share to mean anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from moderation.classifier.features import Docs

_LETTERS = re.compile(r"[^\W\d_]+")
SHORT_WORDS = 4
DEFAULT_MIN_KNOWN_SHARE = 0.5
DEFAULT_MIN_EXAMPLES = 10

# Script by the first letter of a run: enough to tell writing systems apart.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("greek", re.compile("[\u0370-\u03ff]")),
    ("arabic", re.compile("[\u0600-\u06ff\u0750-\u077f]")),
    ("hebrew", re.compile("[\u0590-\u05ff]")),
    ("devanagari", re.compile("[\u0900-\u097f]")),
    ("thai", re.compile("[\u0e00-\u0e7f]")),
    ("hangul", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("kana", re.compile("[\u3040-\u30ff]")),
    ("cjk", re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")),
)


def script_of(text: str) -> str:
    """The writing system of most of the letters: latin, cyrillic, cjk, ... or none."""
    if text.isascii():
        return "latin" if _LETTERS.search(text) else "none"
    counts: Counter[str] = Counter()
    for run in _LETTERS.findall(text):
        counts[_script_of_run(run)] += len(run)
    return counts.most_common(1)[0][0] if counts else "none"


def _script_of_run(run: str) -> str:
    if run.isascii():
        return "latin"
    for name, pattern in _SCRIPTS:
        if pattern.match(run):
            return name
    return "latin" if run[0] < "\u0250" else "other"


def length_class(text: str) -> int:
    return min((len(text) + 1).bit_length() - 1, 12)  # floor(log2(n + 1)), as `len:` tokens


@dataclass(frozen=True, slots=True)
class Familiarity:
    known_share: float | None  # None for a comment too short to measure
    script: str
    reason: str | None  # why the comment is unfamiliar; None when it is familiar

    @property
    def familiar(self) -> bool:
        return self.reason is None


FAMILIAR = Familiarity(None, "latin", None)


@dataclass(frozen=True, slots=True)
class Profile:
    """What the model saw in training, and how far from it a comment may be."""

    scripts: dict[str, int]
    lengths: dict[int, int]
    min_known_share: float = DEFAULT_MIN_KNOWN_SHARE
    min_examples: int = DEFAULT_MIN_EXAMPLES

    def to_dict(self) -> dict[str, Any]:
        return {
            "scripts": self.scripts,
            "lengths": {str(k): v for k, v in self.lengths.items()},
            "min_known_share": self.min_known_share,
            "min_examples": self.min_examples,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(
            scripts={str(k): int(v) for k, v in d["scripts"].items()},
            lengths={int(k): int(v) for k, v in d["lengths"].items()},
            min_known_share=float(d.get("min_known_share", DEFAULT_MIN_KNOWN_SHARE)),
            min_examples=int(d.get("min_examples", DEFAULT_MIN_EXAMPLES)),
        )

    def judge(self, docs: Docs, vocabulary: Collection[str]) -> Familiarity:
        words = set(_LETTERS.findall(docs.text))
        script = script_of(docs.text)
        share = None
        if len(words) >= SHORT_WORDS:
            share = sum(w in vocabulary for w in words) / len(words)
        if script != "none" and self.scripts.get(script, 0) < self.min_examples:
            seen = self.scripts.get(script, 0)
            return Familiarity(share, script, f"unfamiliar: {script} script ({seen} seen)")
        if self.lengths.get(length_class(docs.text), 0) < self.min_examples:
            return Familiarity(share, script, "unfamiliar: a length the model rarely saw")
        if share is not None and share < self.min_known_share:
            return Familiarity(share, script, f"unfamiliar: {share * 100:.0f} % of words known")
        return Familiarity(share, script, None)


def profile(texts: Iterable[str], min_known_share: float = DEFAULT_MIN_KNOWN_SHARE) -> Profile:
    """The profile of the folded training texts."""
    scripts: Counter[str] = Counter()
    lengths: Counter[int] = Counter()
    for text in texts:
        scripts[script_of(text)] += 1
        lengths[length_class(text)] += 1
    return Profile(dict(scripts), dict(lengths), min_known_share)
