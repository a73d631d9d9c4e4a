"""Site rules: each guard on its own, and `check` running them in order."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from moderation.domain import Comment
from moderation.rules import GUARDS, Hit, SiteRules, Verdict, check


def comment(**overrides: Any) -> Comment:
    fields: dict[str, Any] = {
        "article": "ransomware-hits-hospital",
        "name": "Dana Whitfield",
        "email": "dana@example.org",
        "body": "Thanks for the write-up. Did the hospital have offline backups?",
    }
    fields.update(overrides)
    return Comment(**fields)


def rules_hit(c: Comment, site: SiteRules) -> list[str]:
    return [h.rule for h in check(c, site)]


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


# --- a plain comment ------------------------------------------------------------------


def test_a_plain_comment_under_default_rules_hits_nothing() -> None:
    assert check(comment(), SiteRules()) == []


def test_a_plain_comment_under_every_kind_of_rule_hits_nothing() -> None:
    site = SiteRules(
        moderation_words=("crypto",),
        disallowed_words=("viagra",),
        blocked_emails=("spammer@example.com",),
        blocked_domains=("evil.com",),
        blocked_ips=(net("203.0.113.0/24"),),
    )
    assert check(comment(client_ip=ip("198.51.100.7")), site) == []


def test_a_hit_serialises_to_rule_verdict_and_detail() -> None:
    hit = Hit("honeypot", Verdict.SPAM, "the hidden field was filled in")
    assert hit.to_dict() == {
        "rule": "honeypot",
        "verdict": "spam",
        "detail": "the hidden field was filled in",
    }


# --- honeypot -------------------------------------------------------------------------


def test_a_filled_honeypot_marks_spam() -> None:
    hits = check(comment(honeypot="http://bot.example"), SiteRules())
    assert [(h.rule, h.verdict) for h in hits] == [("honeypot", Verdict.SPAM)]


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_an_empty_or_blank_honeypot_is_not_a_hit(value: str | None) -> None:
    assert rules_hit(comment(honeypot=value), SiteRules()) == []


# --- blocked_email --------------------------------------------------------------------


def test_a_blocked_email_address_marks_spam() -> None:
    site = SiteRules(blocked_emails=("spammer@example.com",))
    hits = check(comment(email="spammer@example.com"), site)
    assert [(h.rule, h.verdict) for h in hits] == [("blocked_email", Verdict.SPAM)]


def test_a_blocked_email_address_matches_whatever_case_the_sender_typed() -> None:
    site = SiteRules(blocked_emails=("spammer@example.com",))
    assert rules_hit(comment(email="SpamMer@Example.COM"), site) == ["blocked_email"]


def test_another_address_at_the_same_domain_is_not_a_blocked_email() -> None:
    site = SiteRules(blocked_emails=("spammer@example.com",))
    assert rules_hit(comment(email="someone@example.com"), site) == []


# --- blocked_domain -------------------------------------------------------------------


def test_a_blocked_domain_in_the_email_marks_spam() -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    hits = check(comment(email="x@evil.com"), site)
    assert [(h.rule, h.verdict) for h in hits] == [("blocked_domain", Verdict.SPAM)]
    assert "evil.com" in hits[0].detail


def test_a_subdomain_of_a_blocked_domain_in_the_email_marks_spam() -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(email="x@mail.evil.com"), site) == ["blocked_domain"]


def test_the_email_domain_is_compared_case_insensitively() -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(email="x@Mail.EVIL.com"), site) == ["blocked_domain"]


def test_a_domain_that_merely_ends_with_the_blocked_name_is_not_blocked() -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(email="x@notevil.com", body="see notevil.com"), site) == []


@pytest.mark.parametrize(
    "body",
    [
        "Read more at http://evil.com/offer",
        "Read more at https://shop.evil.com/offer",
        "Read more at www.evil.com today",
        "Read more at evil.com",
        "Read more at EVIL.COM",
        "Read more at hxxp://evil[.]com/offer",
        "Read more at evil dot com",
        'Read <a href="http://deep.sub.evil.com/x">this</a>',
    ],
)
def test_a_blocked_domain_in_a_link_in_the_body_marks_spam(body: str) -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(body=body), site) == ["blocked_domain"]


@pytest.mark.parametrize(
    "url",
    ["http://evil.com", "https://www.evil.com/about", "http://blog.evil.com:8080/", "evil.com"],
)
def test_a_blocked_domain_in_the_url_field_marks_spam(url: str) -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(url=url), site) == ["blocked_domain"]


def test_a_blocked_domain_named_in_plain_words_without_a_dot_is_not_a_link() -> None:
    site = SiteRules(blocked_domains=("evil.com",))
    assert rules_hit(comment(body="They call it the evil com scheme."), site) == []


def test_without_blocked_domains_links_to_any_domain_pass() -> None:
    assert rules_hit(comment(body="see http://evil.com", email="x@evil.com"), SiteRules()) == []


# --- blocked_ip -----------------------------------------------------------------------


def test_a_blocked_ipv4_address_marks_spam() -> None:
    site = SiteRules(blocked_ips=(net("203.0.113.7/32"),))
    hits = check(comment(client_ip=ip("203.0.113.7")), site)
    assert [(h.rule, h.verdict) for h in hits] == [("blocked_ip", Verdict.SPAM)]


def test_an_address_inside_a_blocked_cidr_range_marks_spam() -> None:
    site = SiteRules(blocked_ips=(net("203.0.113.0/24"),))
    assert rules_hit(comment(client_ip=ip("203.0.113.200")), site) == ["blocked_ip"]


def test_an_address_just_outside_a_blocked_cidr_range_passes() -> None:
    site = SiteRules(blocked_ips=(net("203.0.113.0/24"),))
    assert rules_hit(comment(client_ip=ip("203.0.114.1")), site) == []


def test_an_address_inside_a_blocked_ipv6_range_marks_spam() -> None:
    site = SiteRules(blocked_ips=(net("2001:db8::/32"),))
    assert rules_hit(comment(client_ip=ip("2001:db8:1234::1")), site) == ["blocked_ip"]


def test_an_ipv6_address_outside_the_blocked_range_passes() -> None:
    site = SiteRules(blocked_ips=(net("2001:db8::/32"),))
    assert rules_hit(comment(client_ip=ip("2001:db9::1")), site) == []


def test_ipv4_and_ipv6_rules_do_not_confuse_each_other() -> None:
    site = SiteRules(blocked_ips=(net("2001:db8::/32"), net("203.0.113.0/24")))
    assert rules_hit(comment(client_ip=ip("198.51.100.1")), site) == []
    assert rules_hit(comment(client_ip=ip("::1")), site) == []
    assert rules_hit(comment(client_ip=ip("203.0.113.1")), site) == ["blocked_ip"]


def test_a_comment_without_a_client_address_is_never_ip_blocked() -> None:
    site = SiteRules(blocked_ips=(net("0.0.0.0/0"), net("::/0")))
    assert rules_hit(comment(client_ip=None), site) == []


def test_an_ipv4_mapped_ipv6_address_inside_a_blocked_ipv4_range_marks_spam() -> None:
    site = SiteRules(blocked_ips=(net("203.0.113.0/24"),))
    assert rules_hit(comment(client_ip=ip("::ffff:203.0.113.7")), site) == ["blocked_ip"]


# --- disallowed_words -----------------------------------------------------------------


def test_a_disallowed_word_in_the_body_marks_spam() -> None:
    site = SiteRules(disallowed_words=("viagra",))
    hits = check(comment(body="Buy viagra here"), site)
    assert [(h.rule, h.verdict) for h in hits] == [("disallowed_words", Verdict.SPAM)]
    assert "viagra" in hits[0].detail


@pytest.mark.parametrize(
    "body",
    [
        "Buy VIAGRA here",
        "Buy Viagra, here",
        "Buy v\u0456agra here",  # Cyrillic i inside a Latin word
        "Buy \uff56\uff49\uff41\uff47\uff52\uff41 here",  # full-width letters
        "Buy vi\u200bagra here",  # zero-width space
        "Buy vi<b></b>agra here",  # markup inside the word
        "Buy <b>viagra</b> here",
    ],
)
def test_a_disallowed_word_is_found_through_normalised_spellings(body: str) -> None:
    site = SiteRules(disallowed_words=("viagra",))
    assert rules_hit(comment(body=body), site) == ["disallowed_words"]


def test_a_digit_for_a_letter_is_not_undone_so_v1agra_does_not_match_viagra() -> None:
    # normalize() folds look-alike letters, not leetspeak digits.
    site = SiteRules(disallowed_words=("viagra",))
    assert rules_hit(comment(body="Buy v1agra here"), site) == []


def test_a_disallowed_word_in_the_author_name_marks_spam() -> None:
    site = SiteRules(disallowed_words=("casino",))
    assert rules_hit(comment(name="Best Casino Deals"), site) == ["disallowed_words"]


def test_a_disallowed_word_in_the_url_field_marks_spam() -> None:
    site = SiteRules(disallowed_words=("casino",))
    assert rules_hit(comment(url="https://casino.example/"), site) == ["disallowed_words"]


def test_a_disallowed_phrase_matches_across_any_whitespace() -> None:
    site = SiteRules(disallowed_words=("free money",))
    assert rules_hit(comment(body="Get FREE \n\t money now"), site) == ["disallowed_words"]


def test_a_disallowed_word_inside_a_longer_word_does_not_fire() -> None:
    site = SiteRules(disallowed_words=("cialis",))
    assert rules_hit(comment(body="Ask a specialist about it"), site) == []


def test_blank_entries_in_a_word_list_are_ignored() -> None:
    site = SiteRules(disallowed_words=("", "   "), moderation_words=(" ",))
    assert site.disallowed_pattern is None
    assert site.moderation_pattern is None
    assert check(comment(), site) == []


def test_the_longest_disallowed_phrase_is_the_one_reported() -> None:
    site = SiteRules(disallowed_words=("cheap", "cheap pills"))
    hits = check(comment(body="cheap pills for all"), site)
    assert "cheap pills" in hits[0].detail


# --- too_many_links -------------------------------------------------------------------


def links(n: int) -> str:
    return " ".join(f"see https://site{i}.example.com/page" for i in range(n))


def test_exactly_max_links_is_allowed() -> None:
    assert rules_hit(comment(body=links(2)), SiteRules(max_links=2)) == []


def test_one_link_more_than_max_links_holds_for_review() -> None:
    hits = check(comment(body=links(3)), SiteRules(max_links=2))
    assert [(h.rule, h.verdict) for h in hits] == [("too_many_links", Verdict.REVIEW)]
    assert "3 links" in hits[0].detail


def test_with_max_links_zero_a_single_link_holds_for_review() -> None:
    assert rules_hit(comment(body=links(1)), SiteRules(max_links=0)) == ["too_many_links"]
    assert rules_hit(comment(), SiteRules(max_links=0)) == []


def test_the_same_link_repeated_counts_each_time() -> None:
    body = "http://a.example.com http://a.example.com http://a.example.com"
    assert rules_hit(comment(body=body), SiteRules(max_links=2)) == ["too_many_links"]


def test_an_anchor_whose_label_is_its_url_counts_as_one_link() -> None:
    body = " ".join(f'<a href="http://s{i}.example.com">http://s{i}.example.com</a>' for i in "ab")
    assert rules_hit(comment(body=body), SiteRules(max_links=2)) == []


def test_the_url_field_does_not_count_towards_max_links() -> None:
    c = comment(body=links(2), url="https://dana.example.org")
    assert rules_hit(c, SiteRules(max_links=2)) == []


# --- moderation_words -----------------------------------------------------------------


def test_a_moderation_word_holds_for_review() -> None:
    site = SiteRules(moderation_words=("crypto",))
    hits = check(comment(body="Is crypto mining malware common?"), site)
    assert [(h.rule, h.verdict) for h in hits] == [("moderation_words", Verdict.REVIEW)]


@pytest.mark.parametrize(
    "body", ["The assessment was thorough.", "A classic mistake.", "Bypass the passcode."]
)
def test_a_short_moderation_word_does_not_fire_inside_longer_words(body: str) -> None:
    site = SiteRules(moderation_words=("ass",))
    assert rules_hit(comment(body=body), site) == []


@pytest.mark.parametrize("body", ["What an ass.", "ASS!", "(ass)", "ass-backwards"])
def test_a_short_moderation_word_fires_as_a_word_of_its_own(body: str) -> None:
    site = SiteRules(moderation_words=("ass",))
    assert rules_hit(comment(body=body), site) == ["moderation_words"]


# --- check ----------------------------------------------------------------------------


def test_check_returns_every_hit_in_guard_order() -> None:
    site = SiteRules(
        max_links=0,
        moderation_words=("crypto",),
        disallowed_words=("casino",),
        blocked_emails=("bot@evil.com",),
        blocked_domains=("evil.com",),
        blocked_ips=(net("203.0.113.0/24"),),
    )
    c = comment(
        email="bot@evil.com",
        body="crypto casino at http://win.example.com",
        client_ip=ip("203.0.113.9"),
        honeypot="filled",
    )
    assert rules_hit(c, site) == [
        "honeypot",
        "blocked_email",
        "blocked_domain",
        "blocked_ip",
        "disallowed_words",
        "too_many_links",
        "moderation_words",
    ]
    assert [g.__name__ for g in GUARDS] == rules_hit(c, site)


def test_spam_guards_come_before_review_guards() -> None:
    site = SiteRules(max_links=0, moderation_words=("crypto",), disallowed_words=("casino",))
    hits = check(comment(body="crypto casino http://a.example.com"), site)
    assert [h.verdict for h in hits] == [Verdict.SPAM, Verdict.REVIEW, Verdict.REVIEW]
