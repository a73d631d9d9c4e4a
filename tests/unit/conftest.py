"""Unit-test fixtures: one tiny model, trained once for the whole session.

The training set is hand-made: short comments in the style of a security news
site, half of them spam. It is far too small for a useful model, but large
enough for every part of the training code to run and for the model to tell
the obvious spam from the obvious ham apart.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from moderation.classifier.data import Example
from moderation.classifier.features import CommentText, extract
from moderation.classifier.model import META, TEXT, as_matrix
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import train

HAM_BODIES = [
    "Thanks for the write-up. Did the hospital have offline backups?",
    "Great analysis of the supply chain attack, very clear timeline.",
    "Which CVE was used for the initial access? The advisory is vague.",
    "We patched our Exchange servers last week after reading this.",
    "Is there a list of indicators of compromise for this campaign?",
    "The vendor response seems slow; ninety days is a long time.",
    "Good point about MFA fatigue, our help desk saw the same thing.",
    "I would love a follow-up on how the ransomware group negotiated.",
    "Does the patch also cover the older firmware versions?",
    "Our team uses a similar detection rule in the SIEM.",
    "The diagram of the lateral movement helped me a lot.",
    "Can you share the source for the breach numbers?",
    "Interesting that the attackers reused the same loader.",
    "This matches what we saw in our incident response last month.",
    "Any idea whether the exploit works against the cloud version?",
    "Nice article, although the headline overstates the risk a bit.",
    "Phishing training alone will not stop this kind of attack.",
    "The regulator should publish the full audit report.",
    "We rotated all API keys after the disclosure, just in case.",
    "How did they discover the backdoor in the build pipeline?",
    "Zero trust is a buzzword, but network segmentation did help here.",
    "I reported a similar bug to the vendor two years ago.",
    "Is the proof of concept public yet, or only the advisory?",
    "Our SOC flagged the same domain in the logs on Tuesday.",
    "The timeline in the second paragraph looks off by a day.",
    "Password managers would have limited the damage here.",
    "Thanks, sharing this with our security awareness group.",
    "Which versions of the library are affected by the flaw?",
    "The hospital story is sad; patients had to be moved.",
    "Good to see the researchers got credit for the find.",
    "Could you cover the new NIST guidance in a future post?",
    "The attackers clearly had help from inside the company.",
]

SPAM_BODIES = [
    "BUY CHEAP VIAGRA NOW!!! best price http://cheap-pills.xyz",
    "Earn $5000 per week from home, click http://easy-money.top now",
    "Best casino bonus 2024 visit http://lucky-casino.bet free spins!!!",
    "Hot singles in your area, chat now at http://dating-hot.xyz",
    "Cheap replica watches, free shipping, order at http://replica-watch.shop",
    "Make money fast with crypto, contact whatsapp +1 555 123 4567 now",
    "Free iPhone giveaway!!! claim your prize http://prize-claim.click",
    "Buy followers and likes cheap at http://get-followers.top best price",
    "Lose weight fast with this one pill http://slim-pills.xyz order now",
    "Online pharmacy no prescription viagra cialis http://rx-cheap.xyz",
    "Work from home and earn $300/day, telegram @easycash for details",
    "Best SEO services, rank first on google http://seo-rank.top cheap",
    "Bitcoin doubler!!! send 0.1 btc get 0.2 back http://btc-double.xyz",
    "Casino online free spins no deposit http://spin-casino.bet bonus",
    "Cheap loans approved today, bad credit ok http://fast-loan.loan",
    "Download free movies and software crack http://free-crack.xyz",
    "Adult videos free http://hot-videos.xxx click here now!!!",
    "Increase your sales with our email list http://leads-cheap.top",
    "Buy essay online cheap, best writers http://essay-cheap.shop",
    "Earn money online, no experience needed http://job-home.top !!!",
    "FREE GIFT CARDS click http://gift-free.click limited offer",
    "Cheap viagra pills online order now http://pills-shop.xyz",
    "Crypto investment 500% profit guaranteed whatsapp +44 7700 900123",
    "Win big at poker online http://poker-win.bet bonus code WIN100",
    "Replica handbags cheap http://bags-replica.shop free shipping",
    "Check my channel for free money http://money-channel.top subscribe",
    "Hack any account instantly http://hack-tool.xyz 100% working",
    "Payday loans fast cash today http://cash-now.loan apply now",
    "Best weight loss supplement http://diet-pills.shop buy now!!!",
    "Get rich quick system, $10000 a month http://rich-fast.top",
    "Sexy girls waiting for you http://girls-chat.xyz join free",
    "Cheap cialis online pharmacy http://cialis-cheap.xyz discount",
]

HELDOUT = [
    Example(CommentText("Which firmware versions did the vendor patch?"), False, "heldout"),
    Example(CommentText("Thanks for the clear timeline of the breach."), False, "heldout"),
    Example(CommentText("Cheap pills online, order now http://pills-now.xyz"), True, "heldout"),
    Example(CommentText("Free casino spins bonus http://casino-free.bet !!!"), True, "heldout"),
]


def _examples() -> list[Example]:
    ham = [
        Example(CommentText(b, name=f"Reader {i}", email=f"reader{i}@example.org"), False, "ham")
        for i, b in enumerate(HAM_BODIES)
    ]
    spam = [
        Example(CommentText(b, name="Best Deals", email=f"deals{i}@spam-mail.xyz"), True, "spam")
        for i, b in enumerate(SPAM_BODIES)
    ]
    return ham + spam


@pytest.fixture(scope="session")
def training_examples() -> list[Example]:
    return _examples()


@pytest.fixture(scope="session")
def tiny_model(training_examples: list[Example]) -> TrainedModel:
    """A real model from the real training code, on 64 hand-made comments."""
    return train(training_examples, holdout_fraction=0, heldout=HELDOUT, description="unit tests")


@pytest.fixture(scope="session")
def older_pipeline(training_examples: list[Example]) -> Pipeline:
    """A pipeline of the shape models had before binary features and the linear SVM.

    Counted, sublinear terms into a logistic regression: sites keep models of
    this shape in their registry, and the service must go on loading and
    scoring them.
    """
    features = ColumnTransformer(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), TEXT),
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                TEXT,
            ),
            ("meta", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, binary=True), META),
        ],
        sparse_threshold=1.0,
    )
    lr = LogisticRegression(C=8.0, solver="liblinear", class_weight="balanced")
    clf = CalibratedClassifierCV(lr, method="sigmoid", cv=3, ensemble=False)
    pipeline = Pipeline([("features", features), ("clf", clf)])
    docs = as_matrix([extract(e.comment) for e in training_examples])
    return pipeline.fit(docs, np.array([e.spam for e in training_examples], dtype=int))
