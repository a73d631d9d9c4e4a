"""The compiled Scorer agrees with scikit-learn, and explains itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from moderation.classifier import explain, terms
from moderation.classifier.features import CommentText, extract
from moderation.classifier.model import as_matrix, build_pipeline, predict_proba
from moderation.classifier.persist import TrainedModel
from moderation.classifier.scoring import Scorer

LEGIT = CommentText(
    "Thanks for the write-up. Which firmware versions did the vendor patch?",
    name="Dana Whitfield",
    email="dana@example.org",
)
SPAMMY = CommentText(
    "BUY CHEAP VIAGRA NOW!!! best price http://cheap-pills.xyz order now",
    name="Best Deals",
    email="deals99@spam-mail.xyz",
    url="http://cheap-pills.xyz/shop",
)

VARIED = [
    LEGIT,
    SPAMMY,
    CommentText(""),
    CommentText(" "),
    CommentText("\n\t  \n"),
    CommentText("?"),
    CommentText("!!!"),
    CommentText("a"),
    CommentText("12345 67890"),
    CommentText("zqxjk wvplm frobnicate quux"),  # no known vocabulary at all
    CommentText("Thanks thanks thanks thanks thanks"),  # a repeated term
    CommentText("the the the the the the the the the the the the"),
    CommentText("Große Sicherheitslücke, danke für den Artikel!"),
    CommentText("Спасибо за статью, очень полезно."),
    CommentText("漏洞分析写得很好\uff0c谢谢"),
    CommentText("Nice 👍🔥 article 🙏"),
    CommentText("B\u0443y ch\u0435ap v\u0456agra"),  # Cyrillic look-alikes inside words
    CommentText("\uff22\uff55\uff59 \uff4e\uff4f\uff57"),  # full-width letters
    CommentText("fr\u200bee mo\u200bney"),  # zero-width spaces
    CommentText("visit hxxp://evil[.]xyz now"),
    CommentText("see www.example.com and https://news.example.org/a?b=c#d"),
    CommentText('<a href="http://cheap-pills.xyz">click</a> <b>here</b>'),
    CommentText("<script>alert(1)</script>harmless text"),
    CommentText("Call me on whatsapp +1 555 123 4567, $500 per day"),
    CommentText("Email me at someone@example.com for the PoC"),
    CommentText("ALL CAPS SHOUTING ABOUT THE BREACH"),
    CommentText("Soooooo goooood!!!!!!"),
    CommentText("x" * 5000),
    CommentText("Patch now. " * 200),
    CommentText("", name="Casino King 777", email="casino@lucky.bet", url="http://lucky.bet"),
    CommentText("Good point", name="", email="not-an-email", url="not a url"),
    CommentText("Good point", name="http://spam.xyz", email="x@y", url="https://[::1]:80/"),
]


@pytest.fixture(scope="module")
def scorer(tiny_model: TrainedModel) -> Scorer:
    return tiny_model.scorer


def test_the_scorer_gives_the_pipelines_probability_on_varied_comments(
    tiny_model: TrainedModel, scorer: Scorer
) -> None:
    expected = predict_proba(tiny_model.pipeline, VARIED)
    got = [scorer.score(c).probability for c in VARIED]
    assert got == pytest.approx(expected.tolist(), rel=1e-9)


def test_explaining_does_not_change_the_probability(scorer: Scorer) -> None:
    for c in VARIED:
        assert scorer.score(c, explain=3).probability == scorer.score(c).probability


def test_every_probability_is_between_zero_and_one(scorer: Scorer) -> None:
    for c in VARIED:
        assert 0.0 <= scorer.score(c).probability <= 1.0


def test_predict_proba_of_no_comments_is_empty(tiny_model: TrainedModel) -> None:
    assert predict_proba(tiny_model.pipeline, []).shape == (0,)


@pytest.mark.parametrize("n", [1, 3, 10])
def test_explain_returns_at_most_n_features_by_absolute_weight(scorer: Scorer, n: int) -> None:
    for c in VARIED:
        features = scorer.score(c, explain=n).top_features
        assert len(features) <= n
        weights = [abs(w) for _, w in features]
        assert weights == sorted(weights, reverse=True)


def test_explain_names_at_most_n_features_each_above_the_weight_floor(scorer: Scorer) -> None:
    top = scorer.score(SPAMMY, explain=5).top_features
    assert 0 < len(top) <= 5
    assert all(abs(w) >= explain.WEIGHT_FLOOR for _, w in top)


def test_filler_words_are_never_offered_as_spam_ward_words(scorer: Scorer) -> None:
    comment = CommentText("the and https www com now http://cheap-pills.xyz buy viagra now")
    words = scorer.score(comment, spam_words=10).top_features
    assert words
    assert not [t for t, _ in words if t.removeprefix("words:") in explain.filler_words()]


def test_without_explain_no_features_are_given(scorer: Scorer) -> None:
    assert scorer.score(SPAMMY).top_features == ()


def test_explained_features_name_their_block_and_never_character_ngrams(scorer: Scorer) -> None:
    for c in (LEGIT, SPAMMY):
        for term, _ in scorer.score(c, explain=50).top_features:
            block, _, _ = term.partition(":")
            assert block in ("words", "meta")


def test_after_the_top_come_the_strongest_spam_ward_words_not_already_shown(
    scorer: Scorer,
) -> None:
    everything = scorer.score(SPAMMY, explain=500).top_features
    spam_words = [
        (t, w)
        for t, w in everything
        if t.startswith("words:") and w > 0 and not explain.filler(t.removeprefix("words:"))
    ]
    top = scorer.score(SPAMMY, explain=2).top_features
    shown = scorer.score(SPAMMY, explain=2, spam_words=3).top_features
    assert shown[:2] == top
    expected = [f for f in spam_words if f not in top][:3]
    assert len(expected) == 3  # the comment has enough of them for the test to mean something
    assert list(shown[2:]) == expected


def test_spam_words_alone_are_the_strongest_spam_ward_words(scorer: Scorer) -> None:
    everything = scorer.score(SPAMMY, explain=500).top_features
    spam_words = [
        (t, w)
        for t, w in everything
        if t.startswith("words:") and w > 0 and not explain.filler(t.removeprefix("words:"))
    ]
    assert list(scorer.score(SPAMMY, spam_words=2).top_features) == spam_words[:2]


def test_spam_features_of_a_spammy_comment_push_towards_spam(scorer: Scorer) -> None:
    features = dict(scorer.score(SPAMMY, explain=50).top_features)
    assert features["meta:links:abused_tld"] > 0


def test_a_spammy_comment_scores_higher_than_a_plainly_legit_one(scorer: Scorer) -> None:
    assert scorer.score(SPAMMY).probability > scorer.score(LEGIT).probability


def test_obfuscated_spam_scores_higher_than_a_plainly_legit_comment(scorer: Scorer) -> None:
    obfuscated = CommentText("B\u0443y ch\u0435ap v\u0456agra n\u043ew http://pills-now.xyz !!!")
    assert scorer.score(obfuscated).probability > scorer.score(LEGIT).probability


@pytest.mark.parametrize("url", ["http://[broken", "http://a]b", "http://[zz]/"])
def test_a_malformed_url_field_does_not_stop_a_comment_being_scored(
    scorer: Scorer, url: str
) -> None:
    assert 0.0 <= scorer.score(CommentText("Good point", url=url)).probability <= 1.0


def test_a_pipeline_calibrated_as_an_ensemble_is_refused() -> None:
    pipeline = build_pipeline()
    pipeline.named_steps["clf"].set_params(ensemble=True, cv=2)
    texts = [CommentText(f"ham comment number {i}") for i in range(6)] + [
        CommentText(f"buy pills {i} http://x{i}.xyz") for i in range(6)
    ]
    pipeline.fit(as_matrix([extract(c) for c in texts]), np.array([0] * 6 + [1] * 6))
    with pytest.raises(ValueError, match="ensemble=False"):
        Scorer(pipeline)


# --- the fast paths are exact -----------------------------------------------------------

TRICKY_TEXTS = [
    "",
    " ",
    "a",
    "ab",
    "a b c d",
    "the the the",
    "tabs\tand\nnewlines  and\u2003em spaces\u00a0too",
    "http://cheap-pills.xyz/buy?x=1 now",
    "naïve café über straße",
    "спасибо за статью",
    "漏洞分析写得很好",
    "x" * 40,
    "it's a co-op, isn't it?",
]


@pytest.mark.parametrize(
    ("analyzer", "ngram_range", "token_pattern"),
    [
        ("word", (1, 1), r"(?u)\b\w\w+\b"),
        ("word", (1, 2), r"(?u)\b\w\w+\b"),
        ("word", (2, 3), r"(?u)\b\w\w+\b"),
        ("word", (1, 1), r"\S+"),
        ("char_wb", (3, 5), None),
        ("char_wb", (1, 3), None),
        ("char_wb", (2, 6), None),
    ],
)
def test_the_fast_term_lookup_finds_what_scikit_learn_finds(
    analyzer: str, ngram_range: tuple[int, int], token_pattern: str | None
) -> None:
    options: dict[str, Any] = {"token_pattern": token_pattern} if token_pattern else {}
    vec = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngram_range, binary=True, lowercase=False, **options
    )
    # Fitted on half the texts, so that some terms are known and some are not.
    vec.fit(TRICKY_TEXTS[::2])
    found = terms.fast_found(vec)
    assert found is not None
    sklearn_terms = vec.build_analyzer()
    for text in TRICKY_TEXTS * 2:  # twice: the second time from the word cache
        expected = {vec.vocabulary_[t] for t in sklearn_terms(text) if t in vec.vocabulary_}
        assert found(text) == expected, text


def test_vectorizers_the_fast_lookup_would_get_wrong_take_the_general_path() -> None:
    assert terms.fast_found(TfidfVectorizer(binary=True)) is None  # lowercases
    assert terms.fast_found(TfidfVectorizer(lowercase=False)) is None  # counts terms
    assert terms.fast_found(TfidfVectorizer(analyzer="char", binary=True, lowercase=False)) is None


def test_a_small_word_cache_gives_the_same_probabilities(
    tiny_model: TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terms, "CACHE_WORDS", 4)  # cleared again and again
    small = Scorer(tiny_model.pipeline)
    expected = predict_proba(tiny_model.pipeline, VARIED)
    for _ in range(2):
        got = [small.score(c).probability for c in VARIED]
        assert got == pytest.approx(expected.tolist(), rel=1e-9)


def test_a_pipeline_of_the_older_shape_still_scores_like_scikit_learn(
    older_pipeline: Pipeline,
) -> None:
    expected = predict_proba(older_pipeline, VARIED)
    got = [Scorer(older_pipeline).score(c).probability for c in VARIED]
    assert got == pytest.approx(expected.tolist(), rel=1e-9)
