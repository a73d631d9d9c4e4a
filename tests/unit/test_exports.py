"""Reading WordPress and Disqus exports: statuses, threads, skips, and unsafe XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.adopt import disqus, wxr
from moderation.adopt.records import ExportError
from moderation.adopt.text import plain_text
from moderation.domain import Rejection, Status

DATA = Path(__file__).parents[1] / "data"
LIMIT = 65525


def by_id(export):
    return {c.origin_id: c for c in export.comments}


def test_wxr_statuses_map_to_the_services_words():
    comments = by_id(wxr.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT))
    assert (comments["501"].status, comments["501"].rejection) == (Status.APPROVED, None)
    assert (comments["503"].status, comments["503"].rejection) == (Status.REJECTED, Rejection.SPAM)
    assert (comments["504"].status, comments["504"].rejection) == (Status.PENDING, None)
    assert (comments["506"].status, comments["506"].rejection) == (
        Status.REJECTED,
        Rejection.REMOVED,
    )
    assert [comments[i].label for i in ("501", "503", "504", "506")] == ["ham", "spam", None, None]


def test_wxr_keeps_threads_dates_addresses_and_articles():
    export = wxr.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT)
    comments = by_id(export)
    assert export.origin == "wordpress:https://news.example.org"
    assert comments["502"].parent_origin_id == "501"
    assert comments["502"].created_at.isoformat() == "2024-05-02T10:02:10+00:00"
    assert str(comments["504"].client_ip) == "2001:db8::15"
    assert comments["520"].client_ip is None  # "not-an-address" is dropped, not stored
    assert comments["520"].name == "Sinéad O\u2019Brien"
    assert comments["501"].email == "dana@example.org"
    assert set(export.articles) == {"ransomware-hits-hospital", "ferry-timetable-june", "about"}
    article = export.articles["ransomware-hits-hospital"]
    assert article.title == "Ransomware hits the county hospital"
    assert article.url == "https://news.example.org/2024/05/ransomware-hits-hospital/"


def test_wxr_zero_gmt_date_falls_back_to_local_time():
    comments = by_id(wxr.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT))
    assert comments["520"].created_at.isoformat() == "2024-05-24T18:45:00+00:00"


def test_wxr_skips_pingbacks_and_empty_comments_saying_why_and_where():
    export = wxr.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT)
    skipped = {s.what: s for s in export.skipped}
    assert skipped["comment 505"].reason == "a pingback, not a reader's comment"
    assert skipped["comment 522"].reason == "empty body"
    assert skipped["comment 522"].line > 100


def test_wxr_body_over_the_limit_is_skipped():
    export = wxr.read(DATA / "wordpress-export.xml", max_body_bytes=60)
    assert "body longer than MAX_BODY_BYTES" in export.skipped_by_reason()


def test_disqus_threads_become_articles_and_posts_keep_their_parents():
    export = disqus.read(DATA / "disqus-export.xml", max_body_bytes=LIMIT)
    comments = by_id(export)
    assert export.origin == "disqus:harbourgazette"
    assert set(export.articles) == {"ransomware-hits-hospital", "2024/05/ferry-timetable-june"}
    assert export.articles["2024/05/ferry-timetable-june"].title == (
        "Ferry timetable: what changes in June & why"
    )
    assert comments["4410002"].parent_origin_id == "4410001"
    assert comments["4410001"].body == (
        "Thanks for the write-up.\n\nDo you know whether the hospital had offline backups?"
    )
    assert comments["4410003"].rejection is Rejection.SPAM
    assert comments["4410004"].rejection is Rejection.REMOVED
    assert comments["4410011"].status is Status.PENDING
    assert comments["4410003"].email == ""  # anonymous posters have none
    assert [s.reason for s in export.skipped] == ["its thread is not in the export"]


def test_html_becomes_plain_text_with_link_addresses_kept():
    assert plain_text('<p>One &amp; two</p><p>see <a href="https://a.example/x">this</a></p>') == (
        "One & two\n\nsee this (https://a.example/x)"
    )
    assert plain_text("line<br>next") == "line\nnext"
    assert plain_text("<script>x</script>plain") == "xplain"


def test_control_characters_are_removed_from_imported_text_but_line_breaks_kept():
    # The XML reader has turned a reference such as &#x85; into the character; a
    # reference left for HTML is read as HTML reads it (&#x85; is "…", &#127; is DEL).
    assert plain_text("<p>next\x85line</p><p>a\x9fb&#127;c</p>") == "nextline\n\nabc"
    assert plain_text("<p>so&#x85;</p>") == "so…"
    assert plain_text("tab\tand\nnew\x85line") == "tab\tand\nnewline"
    assert plain_text("a&amp;b\x07") == "a&b"


def test_a_truncated_file_is_an_error_naming_its_line(tmp_path):
    text = (DATA / "wordpress-export.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<wp:comment_id>504")]
    (tmp_path / "cut.xml").write_text(cut, encoding="utf-8")
    with pytest.raises(ExportError) as err:
        wxr.read(tmp_path / "cut.xml", max_body_bytes=LIMIT)
    assert err.value.line is not None and err.value.line > 90
    assert "line" in str(err.value)


def test_a_broken_tag_names_the_line_it_is_on(tmp_path):
    text = (DATA / "disqus-export.xml").read_text(encoding="utf-8")
    broken = text.replace("<isSpam>true</isSpam>", "<isSpam>true</isSpm>")
    (tmp_path / "broken.xml").write_text(broken, encoding="utf-8")
    line = broken[: broken.index("</isSpm>")].count("\n") + 1
    with pytest.raises(ExportError) as err:
        disqus.read(tmp_path / "broken.xml", max_body_bytes=LIMIT)
    assert err.value.line == line


def test_the_wrong_kind_of_export_is_refused():
    with pytest.raises(ExportError, match="not a Disqus export"):
        disqus.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT)
    with pytest.raises(ExportError, match="not a WordPress export"):
        wxr.read(DATA / "disqus-export.xml", max_body_bytes=LIMIT)


def test_external_entities_are_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    (tmp_path / "xxe.xml").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:base_site_url>https://a.example</wp:base_site_url>"
        "<item><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>"
        "<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&x;</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved>"
        "<wp:comment_date_gmt>2024-01-01 00:00:00</wp:comment_date_gmt></wp:comment>"
        "</item></channel></rss>"
    )
    with pytest.raises(ExportError, match="DTD"):
        wxr.read(tmp_path / "xxe.xml", max_body_bytes=LIMIT)


def test_entity_expansion_bombs_are_refused(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    (tmp_path / "bomb.xml").write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY l0 "lol">{lol}]>\n'
        '<disqus xmlns="http://disqus.com"><thread><forum>f</forum><title>&l9;</title></thread>'
        "</disqus>"
    )
    with pytest.raises(ExportError, match="DTD"):
        disqus.read(tmp_path / "bomb.xml", max_body_bytes=LIMIT)


def test_a_gzipped_export_is_read_as_it_came_and_a_damaged_one_is_an_error(tmp_path):
    import gzip

    packed = gzip.compress((DATA / "disqus-export.xml").read_bytes())
    (tmp_path / "export.xml.gz").write_bytes(packed)
    export = disqus.read(tmp_path / "export.xml.gz", max_body_bytes=LIMIT)
    assert len(export.comments) == 6
    (tmp_path / "cut.xml.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ExportError, match="compressed file is damaged"):
        disqus.read(tmp_path / "cut.xml.gz", max_body_bytes=LIMIT)


PLUGIN = DATA / "disqus-wordpress-plugin.xml"


def test_the_wordpress_plugins_identifiers_become_keys_the_api_takes():
    # "812 https://…/?p=812" has a space: the API and the embed refuse it as a key.
    export = disqus.read(PLUGIN, max_body_bytes=LIMIT)
    assert set(export.articles) == {"harbour-wall-repairs", "815"}
    assert {c.origin_id: c.article for c in export.comments} == {
        "5520001": "harbour-wall-repairs",
        "5520002": "harbour-wall-repairs",
        "5520003": "815",  # a plain ?p=815 address has no path: the post ID
    }
    assert [(r.exported, r.article) for r in export.rekeyed] == [
        ("812 https://quayside.example.com/?p=812", "harbour-wall-repairs"),
        ("815 https://quayside.example.com/?p=815", "815"),
    ]
    assert all("WordPress Disqus plugin" in r.reason for r in export.rekeyed)


def test_identifiers_and_slugs_the_api_would_refuse_are_replaced_and_reported(tmp_path):
    text = (DATA / "disqus-export.xml").read_text(encoding="utf-8")
    (tmp_path / "spaces.xml").write_text(
        text.replace("<id>ransomware-hits-hospital</id>", "<id>ransomware hits hospital</id>"),
        encoding="utf-8",
    )
    export = disqus.read(tmp_path / "spaces.xml", max_body_bytes=LIMIT)
    assert "2024/05/ransomware-hits-hospital" in export.articles
    assert [r.reason for r in export.rekeyed] == [
        "identifier contains white space: the address's path"
    ]
    assert not any(r.exported == "" for r in export.rekeyed)  # no identifier: path, as documented

    wxr_text = (DATA / "wordpress-export.xml").read_text(encoding="utf-8")
    long_slug = "x" * 201
    (tmp_path / "slugs.xml").write_text(
        wxr_text.replace(
            "<wp:post_name><![CDATA[ransomware-hits-hospital]]></wp:post_name>",
            f"<wp:post_name>{long_slug}</wp:post_name>",
        ).replace(
            "<wp:post_name><![CDATA[about]]></wp:post_name>",
            "<wp:post_name>about\u0085us</wp:post_name>",
        ),
        encoding="utf-8",
    )
    export = wxr.read(tmp_path / "slugs.xml", max_body_bytes=LIMIT)
    rekeyed = {r.exported: r for r in export.rekeyed}
    assert rekeyed[long_slug].reason == "slug longer than 200 characters: post-<id>"
    assert rekeyed[long_slug].article.startswith("post-")
    assert rekeyed["about\u0085us"].reason.startswith("slug contains")
    assert all(len(k) <= 200 and " " not in k for k in export.articles)
    assert {c.article for c in export.comments} <= set(export.articles)


def test_a_replaced_slug_never_lands_on_another_posts_key(tmp_path):
    wxr_text = (DATA / "wordpress-export.xml").read_text(encoding="utf-8")
    (tmp_path / "clash.xml").write_text(
        wxr_text.replace(  # post 101's slug is refused: it becomes post-101
            "<wp:post_name><![CDATA[ransomware-hits-hospital]]></wp:post_name>",
            "<wp:post_name>ransomware hits hospital</wp:post_name>",
        ).replace(  # and post 117's own slug is "post-101"
            "<wp:post_name><![CDATA[ferry-timetable-june]]></wp:post_name>",
            "<wp:post_name>post-101</wp:post_name>",
        ),
        encoding="utf-8",
    )
    export = wxr.read(tmp_path / "clash.xml", max_body_bytes=LIMIT)
    assert export.articles["post-101"].title != export.articles["post-101-117"].title
    plain = wxr.read(DATA / "wordpress-export.xml", max_body_bytes=LIMIT)
    threads = {c.origin_id: c.article for c in plain.comments}
    moved = {c.origin_id: c.article for c in export.comments}
    for origin, article in threads.items():
        expected = {"ransomware-hits-hospital": "post-101", "ferry-timetable-june": "post-101-117"}
        assert moved[origin] == expected.get(article, article)


def test_names_and_emails_keep_to_the_apis_limits():
    export = disqus.read(
        DATA / "disqus-export.xml", max_body_bytes=LIMIT, max_name_chars=5, max_email_chars=16
    )
    comments = by_id(export)
    assert comments["4410001"].name == "Dana"  # "Dana Whitfield" cut, white space trimmed
    assert comments["4410001"].email == "dana@example.org"  # 16 characters: kept
    assert comments["4410011"].email == ""  # kwame@example.com, 17: left out, not cut
    reasons = {a.reason for a in export.adjusted}
    assert reasons == {
        "name longer than MAX_NAME_CHARS: cut",
        "email longer than MAX_EMAIL_CHARS: left out",
    }
    assert len(export.comments) == 6  # every comment kept


def _broken(tmp_path, old, new):
    text = (DATA / "wordpress-export.xml").read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    (tmp_path / "broken.xml").write_text(broken, encoding="utf-8")
    line = broken[: broken.index(new)].count("\n") + 1
    with pytest.raises(ExportError) as err:
        wxr.read(tmp_path / "broken.xml", max_body_bytes=LIMIT)
    return err.value, line


def test_an_html_entity_names_its_line_not_the_end_of_the_file(tmp_path):
    # Unresolved, an undeclared entity surfaces as "no element found" at (0, 0).
    err, line = _broken(
        tmp_path, "<title>The Harbour Gazette</title>", "<title>The&nbsp;Harbour Gazette</title>"
    )
    assert err.line == line
    assert "Entity 'nbsp' not defined" in str(err) and "no element found" not in str(err)


def test_a_control_character_names_its_line_and_what_it_is(tmp_path):
    err, line = _broken(
        tmp_path, "<title>The Harbour Gazette</title>", "<title>The\x0bHarbour Gazette</title>"
    )
    assert err.line == line and "U+000B" in str(err)
    # Right after <![CDATA[ libxml2 has no message for it ("Unregistered error message").
    err, line = _broken(tmp_path, "<wp:status><![CDATA[publish", "<wp:status><![CDATA[\x0bpublish")
    assert err.line == line
    assert "Unregistered" not in str(err) and "CData section not finished" in str(err)


def test_a_post_with_many_comments_is_read_comment_by_comment(tmp_path, monkeypatch):
    # Each comment is read as it ends and taken out of the tree, as is each of the
    # channel's terms, so the tree holds the post's fields and a comment or two.
    from moderation.adopt import xmlsafe

    comment = (
        "<wp:comment><wp:comment_id>{i}</wp:comment_id><wp:comment_approved>1"
        "</wp:comment_approved><wp:comment_date_gmt>2024-01-01 00:00:00</wp:comment_date_gmt>"
        "<wp:comment_content>Comment {i}</wp:comment_content>"
        "<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )
    terms = "".join(f"<wp:term><wp:term_id>{i}</wp:term_id></wp:term>" for i in range(2000))
    (tmp_path / "big.xml").write_text(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:base_site_url>https://a.example</wp:base_site_url>"
        f"{terms}<item><title>Big</title><wp:post_id>7</wp:post_id>"
        + "".join(comment.format(i=i, parent=i - 1 if i > 1 else 0) for i in range(1, 3001))
        + "<wp:post_name>big-thread</wp:post_name></item></channel></rss>",
        encoding="utf-8",
    )
    seen: list[int] = []  # elements in the tree each time the reader is handed one
    real_ends = xmlsafe.ends

    def watching(*args, **kwargs):
        for element in real_ends(*args, **kwargs):
            seen.append(sum(1 for _ in element.getroottree().iter()))
            yield element

    monkeypatch.setattr(wxr, "ends", watching)
    export = wxr.read(tmp_path / "big.xml", max_body_bytes=LIMIT)
    assert len(export.comments) == 3000
    assert {c.article for c in export.comments} == {"big-thread"}  # its slug came last
    assert by_id(export)["3000"].parent_origin_id == "2999"
    # What the parser has read ahead (a buffer's worth), not 3 000 comments (18 000
    # elements) and the 2 000 terms before the post (4 000).
    assert max(seen) < 2000, max(seen)
