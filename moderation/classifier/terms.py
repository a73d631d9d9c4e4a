"""The terms of a comment that are in a block's vocabulary, found fast.

For binary blocks the scorer needs only the columns of the distinct terms that
are in the vocabulary, which these functions find exactly as scikit-learn's
analyzers would (a test holds them to it), without its per-term Python loops.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

Found = Callable[[str], set[int]]

# Words whose character n-grams are remembered (about 2 MB when full).
CACHE_WORDS = 1 << 14
LONGEST_CACHED_WORD = 64


def _plain(vec: TfidfVectorizer) -> bool:
    """No preprocessing step that the fast term functions below would skip."""
    return (
        vec.input == "content"
        and vec.preprocessor is None
        and vec.tokenizer is None
        and vec.stop_words is None
        and vec.strip_accents is None
        and not vec.lowercase
    )


def word_found(pattern: str, lo: int, hi: int, vocab: dict[str, int]) -> Found:
    # r"\S+" finds what str.split() does (the same whitespace), at a third of the cost.
    tokenize = str.split if pattern == r"\S+" else re.compile(pattern).findall
    known, column = vocab.__contains__, vocab.__getitem__

    def found(text: str) -> set[int]:
        tokens = tokenize(text)
        out: set[int] = set(map(column, filter(known, tokens))) if lo == 1 else set()
        for n in range(max(lo, 2), hi + 1):
            shifted = [tokens[i:] for i in range(n)]
            grams = map(" ".join, zip(*shifted, strict=False))
            out.update(map(column, filter(known, grams)))
        return out

    return found


def char_wb_found(lo: int, hi: int, vocab: dict[str, int]) -> Found:
    # Character n-grams never cross a word boundary, so a comment's set is the union
    # of its words' sets, and a word's set can be remembered: most words recur.
    cache: dict[str, tuple[int, ...]] = {}

    def of_word(word: str) -> tuple[int, ...]:
        padded = f" {word} "
        size = len(padded)
        grams: list[str] = []
        for n in range(lo, hi + 1):
            if n >= size:  # scikit-learn counts a short word once, whole
                grams.append(padded)
                break
            grams.extend([padded[i : i + n] for i in range(size - n + 1)])
        return tuple({vocab[g] for g in grams if g in vocab})

    def found(text: str) -> set[int]:
        words = dict.fromkeys(text.split())  # in order: see `Scorer.decision`
        hits = list(map(cache.get, words))
        if None not in hits:
            return set(chain.from_iterable(cast(list[tuple[int, ...]], hits)))
        if len(cache) + len(words) > CACHE_WORDS:
            cache.clear()  # crude, but bounded; common words come back at once
        filled: list[tuple[int, ...]] = []
        for word, grams in zip(words, hits, strict=True):
            if grams is None:
                grams = of_word(word)
                # A huge "word" is not worth the memory; a huge comment not the room.
                if len(word) <= LONGEST_CACHED_WORD and len(cache) < CACHE_WORDS:
                    cache[word] = grams
            filled.append(grams)
        return set(chain.from_iterable(filled))

    return found


def fast_found(vec: TfidfVectorizer) -> Found | None:
    if not (vec.binary and _plain(vec)):
        return None
    lo, hi = vec.ngram_range
    if vec.analyzer == "word":
        return word_found(vec.token_pattern, lo, hi, vec.vocabulary_)
    if vec.analyzer == "char_wb":
        return char_wb_found(lo, hi, vec.vocabulary_)
    return None
