"""Familiarity: comments unlike the training data are recognised as such."""

from __future__ import annotations

import pytest

from moderation.classifier.data import Example
from moderation.classifier.familiarity import Profile, length_class, profile, script_of
from moderation.classifier.features import CommentText, extract
from moderation.classifier.persist import TrainedModel, dumps, loads
from moderation.classifier.train import train


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Thanks for the article", "latin"),
        ("Große Sicherheitslücke, danke", "latin"),
        ("Спасибо за статью", "cyrillic"),
        ("漏洞分析写得很好", "cjk"),
        ("شكرا على المقال", "arabic"),
        ("12345 !!!", "none"),
        ("Nice article, спасибо большое за статью", "cyrillic"),
    ],
)
def test_the_script_is_that_of_most_letters(text: str, script: str) -> None:
    assert script_of(text) == script


def test_a_profile_survives_its_dictionary_form() -> None:
    p = profile(["hello there reader", "спасибо за статью"], min_known_share=0.4)
    assert Profile.from_dict(p.to_dict()) == p


def _judge(model: TrainedModel, body: str) -> str | None:
    score = model.assess(CommentText(body, name="Reader", email="reader@gmail.com"))
    assert score.familiarity is not None
    return score.familiarity.reason


def test_a_comment_in_the_training_vocabulary_is_familiar(tiny_model: TrainedModel) -> None:
    assert _judge(tiny_model, "Which firmware versions did the vendor patch last week?") is None


def test_a_comment_of_unknown_words_is_unfamiliar_and_says_how_much_was_known(
    tiny_model: TrainedModel,
) -> None:
    reason = _judge(tiny_model, "omw grabbing snacks lemme know if u want smth")
    assert reason is not None
    assert reason.startswith("unfamiliar: ")
    assert "% of words known" in reason


def test_a_script_the_model_never_saw_is_unfamiliar(tiny_model: TrainedModel) -> None:
    reason = _judge(tiny_model, "Спасибо за статью, очень полезно и интересно")
    assert reason == "unfamiliar: cyrillic script (0 seen)"


def test_a_very_short_comment_is_judged_by_script_and_length_only(
    tiny_model: TrainedModel,
) -> None:
    score = tiny_model.assess(CommentText("zqxj wvpl", email="a@gmail.com"))
    assert score.familiarity is not None
    assert score.familiarity.known_share is None


def test_a_length_far_beyond_the_training_comments_is_unfamiliar(
    tiny_model: TrainedModel,
) -> None:
    body = "Thanks for the write-up about the breach. " * 60
    assert _judge(tiny_model, body) == "unfamiliar: a length the model rarely saw"
    assert length_class(body) > max(tiny_model.profile.lengths)  # type: ignore[union-attr]


def test_the_profile_travels_with_the_model_file(tiny_model: TrainedModel) -> None:
    again = loads(dumps(tiny_model))
    assert again.profile == tiny_model.profile


def test_a_model_without_a_profile_judges_nothing(tiny_model: TrainedModel) -> None:
    bare = TrainedModel(
        tiny_model.pipeline,
        tiny_model.thresholds,
        {k: v for k, v in tiny_model.metadata.items() if k != "familiarity"},
    )
    assert bare.assess(CommentText("omw lemme know")).familiarity is None


def test_seed_models_never_learn_sender_domains(training_examples: list[Example]) -> None:
    model = train(training_examples, holdout_fraction=0)
    names = [name for name, _, _ in model.pipeline.named_steps["features"].transformers_]
    assert "identity" not in names
    meta = model.pipeline.named_steps["features"].named_transformers_["meta"]
    assert not [t for t in meta.vocabulary_ if t.startswith(("email_domain:", "url_domain:"))]
    assert "email:own_domain" in meta.vocabulary_


def test_site_models_learn_sender_domains_seen_often_enough(
    training_examples: list[Example],
) -> None:
    model = train(training_examples, holdout_fraction=0, identity=True)
    identity = model.pipeline.named_steps["features"].named_transformers_["identity"]
    # Every spam example uses spam-mail.xyz; every ham one its own example.org address.
    assert "email_domain:spam-mail.xyz" in identity.vocabulary_
    assert model.metadata["params"]["identity_features"] is True


def test_identity_is_left_out_when_no_domain_recurs() -> None:
    # As in the YouTube data: no emails, no websites, no links.
    examples = [
        Example(CommentText(f"ham words number {i} here"), False, "x") for i in range(12)
    ] + [Example(CommentText(f"buy pills {i} cheap now"), True, "x") for i in range(12)]
    model = train(examples, holdout_fraction=0, identity=True)
    assert model.metadata["params"]["identity_features"] is False


def test_generic_sender_facts_are_tokens_of_every_comment() -> None:
    meta = extract(
        CommentText("see https://cheap.xyz/a", email="x@gmail.com", url="https://shop.top/p")
    ).meta.split()
    assert {"email:free", "url:set", "url:abused_tld", "links:abused_tld"} <= set(meta)
