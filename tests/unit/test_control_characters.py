"""Fields refuse control characters: the one regex finds exactly Unicode's category Cc
(less newline, carriage return and tab), as the per-character look-up it replaced did."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from moderation.domain import CONTROL
from moderation.http.schemas import _no_control


def test_the_pattern_matches_exactly_the_control_characters_a_field_refuses() -> None:
    found = {c for c in range(sys.maxunicode + 1) if CONTROL.match(chr(c))}
    refused = {
        c
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) == "Cc" and chr(c) not in "\n\r\t"
    }
    assert found == refused


@pytest.mark.parametrize("text", ["a\x00b", "tab\x7f", "next line\x85", "\x1b[31mred"])
def test_a_control_character_anywhere_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        _no_control(text)


def test_newlines_tabs_and_other_scripts_pass_unchanged() -> None:
    text = "Line one\r\nline two\twith a tab, ünïcödé, 日本語 and \u200b"
    assert _no_control(text) is text
