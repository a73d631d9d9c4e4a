"""The serving form of a model: what the scorer needs, as plain arrays and JSON.

Loading a skops file rebuilds every scikit-learn object and takes seconds for a
large model; a hot swap and a restart wait for it. The scorer needs far less:
per feature block its terms (column order), its analyzer's settings, and per
column idf·weight and idf², plus the intercept and the sigmoid. Those are
written beside the skops file as JSON text and a NumPy `.npz` of float arrays,
and read back with `allow_pickle=False`: no object is rebuilt from the file,
so nothing in it can run, and every number is checked to be finite.

Only models whose blocks all take the scorer's fast path (binary term
presence, as every model trained since the linear SVM) have a serving form;
older ones are served from their skops file as before.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any, cast

import numpy as np

from moderation.classifier.scoring import Scorer, _Block, filler_columns
from moderation.classifier.terms import char_wb_found, word_found

FORMAT = 1
_ANALYZERS = ("word", "char_wb")


class BadServingForm(ValueError):
    """The serving form is damaged or was not written by this service."""


def dump(scorer: Scorer) -> tuple[bytes, bytes] | None:
    """(JSON, npz) for a scorer whose blocks are all fast; None for an older model."""
    blocks: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for i, block in enumerate(scorer._blocks):
        if block.found is None or block.spec is None:
            return None
        blocks.append(
            {
                "name": block.name,
                "column": block.column,
                **block.spec,
                "terms": block.terms,
                "fillers": sorted(block.fillers),
            }
        )
        arrays[f"real{i}"] = block.packed.real
        arrays[f"imag{i}"] = block.packed.imag
    head = {
        "format": FORMAT,
        "intercept": scorer._intercept,
        "a": scorer._a,
        "b": scorer._b,
        "blocks": blocks,
    }
    out = io.BytesIO()
    cast(Any, np.savez)(out, **arrays)  # numpy's stubs take no ** of arrays
    return json.dumps(head, ensure_ascii=False).encode(), out.getvalue()


def load(head_bytes: bytes, npz_bytes: bytes) -> Scorer:
    """The scorer of a serving form; `BadServingForm` for anything unexpected."""
    try:
        head = json.loads(head_bytes)
        with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
            arrays = {k: np.asarray(npz[k], dtype=np.float64) for k in npz.files}
        if head.get("format") != FORMAT:
            raise BadServingForm("unknown serving format")
        numbers = [float(head["intercept"]), float(head["a"]), float(head["b"])]
        blocks = [_block(i, spec, arrays) for i, spec in enumerate(head["blocks"])]
    except BadServingForm:
        raise
    except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError) as exc:
        raise BadServingForm(f"serving form could not be read: {exc!r}") from None
    if not all(math.isfinite(x) for x in numbers):
        raise BadServingForm("model cannot score: its intercept or sigmoid is not finite")
    return Scorer.from_parts(blocks, *numbers)


def _block(i: int, spec: dict[str, Any], arrays: dict[str, np.ndarray[Any, Any]]) -> _Block:
    terms = spec["terms"]
    analyzer = spec["analyzer"]
    lo, hi = (int(n) for n in spec["ngram_range"])
    real, imag = arrays[f"real{i}"], arrays[f"imag{i}"]
    if (
        not isinstance(terms, list)
        or not all(isinstance(t, str) for t in terms)
        or analyzer not in _ANALYZERS
        or not 1 <= lo <= hi <= 10
        or real.shape != (len(terms),)
        or imag.shape != (len(terms),)
    ):
        raise BadServingForm(f"serving block {i} is malformed")
    if not (np.isfinite(real).all() and np.isfinite(imag).all()) or (imag <= 0).any():
        raise BadServingForm(f"model cannot score: serving block {i} holds numbers out of range")
    vocab = {t: j for j, t in enumerate(terms)}
    if len(vocab) != len(terms):
        raise BadServingForm(f"serving block {i} repeats a term")
    pattern = str(spec.get("token_pattern", r"\S+"))
    name = str(spec["name"])
    raw_fillers = spec.get("fillers")
    if raw_fillers is None:  # written before forms carried them: work them out (slower)
        fillers = filler_columns(name, terms)
    elif isinstance(raw_fillers, list) and all(
        isinstance(j, int) and 0 <= j < len(terms) for j in raw_fillers
    ):
        fillers = frozenset(raw_fillers)
    else:
        raise BadServingForm(f"serving block {i} is malformed")
    found = (
        word_found(pattern, lo, hi, vocab) if analyzer == "word" else char_wb_found(lo, hi, vocab)
    )
    return _Block.fast(
        name,
        int(spec["column"]),
        found,
        real + 1j * imag,
        np.abs(real),
        vocab,
        terms,
        {"analyzer": analyzer, "ngram_range": [lo, hi], "token_pattern": pattern},
        fillers,
    )
