"""Explanations in words a moderator reads, for every kind of term the scorer names."""

from __future__ import annotations

import pytest

from moderation.classifier.explain import readable, why
from moderation.classifier.features import CommentText, extract


@pytest.mark.parametrize(
    ("term", "words"),
    [
        ("meta:email:free", "sender uses a free-mail address"),
        ("meta:links:2", "links to 2 sites"),
        ("meta:len:6", "about 64 characters long"),
        ("identity:email_domain:mail.example", "sender's email domain mail.example"),
        ("words:casino", "the word “casino”"),
        ("words:free spins", "the words “free spins”"),
        ("something:new", "something:new"),
    ],
)
def test_terms_are_named_in_a_moderators_words(term: str, words: str) -> None:
    assert readable(term) == words


def test_every_generic_meta_token_of_a_busy_comment_has_a_readable_name() -> None:
    comment = CommentText(
        "BUY NOW!!! Call +1 555 123 4567, $500/day, whatsapp, mail me at a@b.co "
        "https://x.xyz https://y.top https://z.com Sooooo good",
        name="Deals 4 U",
        email="deals99@gmail.com",
        url="https://shop.top/p",
    )
    generic = [
        t
        for t in extract(comment).meta.split()
        if not t.startswith(("email_domain:", "email_tld:", "url_domain:", "url_tld:", "link_"))
    ]
    assert generic
    for token in generic:
        assert readable("meta:" + token) != "meta:" + token, token


def test_why_says_which_way_each_term_pushed() -> None:
    out = why([("meta:links:2", 0.3), ("words:thanks", -0.1), ("broken",)])
    assert [(w["label"], w["towards"]) for w in out] == [
        ("links to 2 sites", "spam"),
        ("the word “thanks”", "ham"),
    ]
