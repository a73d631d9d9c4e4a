"""Labeled comment files: our JSONL and CSV, the YouTube Spam Collection CSV, folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from moderation.classifier.data import (
    DataError,
    Example,
    parse_label,
    read_csv,
    read_file,
    read_jsonl,
    read_paths,
)
from moderation.classifier.features import CommentText


def jsonl(path: Path, *docs: Any) -> Path:
    lines = [d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for d in docs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


YOUTUBE_CSV = (
    "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"
    "z13uwn2heqndtr5g304ccv5j5kqqzxjadmc0k,Julius NM,2013-11-07T06:20:48,"
    '"Huh, anyway check out this you[tube] channel: kobyoshi02",1\n'
    "z12ugtoxwvmgxx5r404cdtp4fmnwcz5r2wc,Lisa Wellas,,i love this song,0\n"
    "z13lfzdo4kirt1xxt23zfltbrs3ncj1jq,Jason Haddad,2014-01-19T00:36:25,\"Hey, I hope you're all "
    'doing well, please visit http://promo.example.xyz",1\n'
)


# --- labels ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["spam", "SPAM", " Spam ", "1", 1, "true", True])
def test_spam_labels_in_every_accepted_spelling_read_as_spam(value: object) -> None:
    assert parse_label(value) is True


@pytest.mark.parametrize("value", ["ham", "HAM", "0", 0, "false", False])
def test_ham_labels_in_every_accepted_spelling_read_as_ham(value: object) -> None:
    assert parse_label(value) is False


@pytest.mark.parametrize("value", ["", "maybe", "2", None, "not spam"])
def test_anything_else_is_not_a_label(value: object) -> None:
    with pytest.raises(ValueError, match="label must be spam or ham"):
        parse_label(value)


# --- JSONL ----------------------------------------------------------------------------


def test_a_jsonl_line_with_every_field_reads_into_an_example(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "labels.jsonl",
        {
            "name": "Dana",
            "email": "dana@example.org",
            "url": "https://dana.example.org",
            "body": "Thanks for the write-up.",
            "label": "ham",
            "group": "article-1",
            "kind": "question",
        },
    )
    assert read_file(path) == [
        Example(
            CommentText(
                "Thanks for the write-up.", "Dana", "dana@example.org", "https://dana.example.org"
            ),
            False,
            str(path),
            "article-1",
            "question",
        )
    ]


def test_missing_or_null_optional_fields_in_jsonl_read_as_empty(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "labels.jsonl",
        {"body": "cheap pills", "label": "spam"},
        {"body": "fine", "label": "ham", "name": None, "email": None, "url": None},
    )
    examples = read_file(path)
    assert [e.comment for e in examples] == [CommentText("cheap pills"), CommentText("fine")]
    assert [e.spam for e in examples] == [True, False]
    assert all(e.group == "" and e.kind == "" for e in examples)


def test_blank_lines_in_jsonl_are_skipped(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "labels.jsonl",
        {"body": "one", "label": "ham"},
        "",
        "   ",
        {"body": "two", "label": "spam"},
    )
    assert [e.comment.body for e in read_file(path)] == ["one", "two"]


def test_a_bad_label_in_jsonl_names_the_file_and_line(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "labels.jsonl",
        {"body": "one", "label": "ham"},
        "",
        {"body": "two", "label": "maybe"},
    )
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:3: label must be spam or ham"):
        read_file(path)


def test_a_missing_label_in_jsonl_is_an_error(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "labels.jsonl", {"body": "no label here"})
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}:1: label"):
        read_file(path)


@pytest.mark.parametrize("body", ["", "   ", "\n", None])
def test_a_blank_body_in_jsonl_is_an_error(tmp_path: Path, body: str | None) -> None:
    path = jsonl(tmp_path / "labels.jsonl", {"body": body, "label": "ham"})
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}:1: body is missing or blank"):
        read_file(path)


def test_a_missing_body_in_jsonl_is_an_error(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "labels.jsonl", {"label": "spam", "name": "x"})
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}:1: body is missing or blank"):
        read_file(path)


@pytest.mark.parametrize("line", ["[1, 2]", '"just a string"', "42", "null"])
def test_a_jsonl_line_that_is_not_an_object_is_an_error(tmp_path: Path, line: str) -> None:
    path = jsonl(tmp_path / "labels.jsonl", {"body": "ok", "label": "ham"}, line)
    with pytest.raises(
        DataError, match=rf"{re.escape(str(path))}:2: each line must be a JSON object"
    ):
        read_file(path)


def test_a_jsonl_line_that_is_not_json_is_an_error(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "labels.jsonl", "{'body': 'single quotes', 'label': 'ham'}")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:1: "):
        read_file(path)


def test_read_jsonl_reads_any_iterable_of_lines() -> None:
    lines = ['{"body": "a", "label": 1}', '{"body": "b", "label": 0}']
    examples = list(read_jsonl(lines, "memory"))
    assert [(e.comment.body, e.spam, e.source) for e in examples] == [
        ("a", True, "memory"),
        ("b", False, "memory"),
    ]


def test_a_non_string_body_in_jsonl_is_read_as_text(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "labels.jsonl", {"body": 12345, "label": "ham"})
    assert read_file(path)[0].comment.body == "12345"


def test_unicode_bodies_in_jsonl_survive_reading(tmp_path: Path) -> None:
    body = "Спасибо 👍 — große Lücke"
    path = jsonl(tmp_path / "labels.jsonl", {"body": body, "label": "ham"})
    assert read_file(path)[0].comment.body == body


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_jsonl_body_with_a_unicode_line_separator_reads_intact(
    tmp_path: Path, separator: str
) -> None:
    body = f"first part{separator}second part"
    path = jsonl(tmp_path / "labels.jsonl", {"body": body, "label": "ham"})
    assert [e.comment.body for e in read_file(path)] == [body]


def test_a_byte_order_mark_at_the_start_of_a_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"body": "with bom", "label": "ham"}\n')
    assert read_file(path)[0].comment.body == "with bom"


def test_windows_line_endings_are_read_like_unix_ones(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b'{"body": "a", "label": "ham"}\r\n{"body": "b", "label": "spam"}\r\n')
    assert [e.comment.body for e in read_file(path)] == ["a", "b"]


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json", ".JSONL"])
def test_every_jsonl_suffix_is_read_as_jsonl(tmp_path: Path, suffix: str) -> None:
    path = jsonl(tmp_path / f"labels{suffix}", {"body": "a", "label": "ham"})
    assert len(read_file(path)) == 1


# --- CSV ------------------------------------------------------------------------------


def test_a_csv_in_our_format_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "name,email,url,body,label\n"
        "Dana,dana@example.org,https://dana.example.org,Thanks for this,ham\n"
        ",,,Cheap pills http://pills.xyz,spam\n",
        encoding="utf-8",
    )
    examples = read_file(path)
    assert [e.comment for e in examples] == [
        CommentText("Thanks for this", "Dana", "dana@example.org", "https://dana.example.org"),
        CommentText("Cheap pills http://pills.xyz"),
    ]
    assert [e.spam for e in examples] == [False, True]
    assert {e.source for e in examples} == {str(path)}
    assert {e.group for e in examples} == {"mine"}


def test_csv_column_names_are_matched_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(" Body , LABEL ,Name\nhello there,0,Kim\n", encoding="utf-8")
    [example] = read_file(path)
    assert (example.comment.body, example.comment.name, example.spam) == (
        "hello there",
        "Kim",
        False,
    )


def test_a_csv_with_only_body_and_label_reads_with_empty_author_fields(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text('body,label\n"quoted, with a comma",spam\n', encoding="utf-8")
    assert read_file(path)[0].comment == CommentText("quoted, with a comma")


def test_a_youtube_spam_collection_csv_reads_author_content_and_class(tmp_path: Path) -> None:
    path = tmp_path / "Youtube01-Psy.csv"
    path.write_text(YOUTUBE_CSV, encoding="utf-8")
    examples = read_file(path)
    assert [e.spam for e in examples] == [True, False, True]
    assert [e.comment.name for e in examples] == ["Julius NM", "Lisa Wellas", "Jason Haddad"]
    assert examples[1].comment.body == "i love this song"
    assert {e.group for e in examples} == {"Youtube01-Psy"}


def test_dates_and_ids_of_youtube_comments_are_never_read(tmp_path: Path) -> None:
    path = tmp_path / "Youtube01-Psy.csv"
    path.write_text(YOUTUBE_CSV, encoding="utf-8")
    for e in read_file(path):
        text = " ".join((e.comment.body, e.comment.name, e.comment.email, e.comment.url))
        assert "2013" not in text and "2014" not in text
        assert not text.startswith("z1")
        assert (e.comment.email, e.comment.url) == ("", "")


def test_a_csv_without_known_columns_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("text,category\nhello,ham\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: CSV needs columns body,label"):
        read_file(path)


def test_an_empty_csv_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="CSV needs columns"):
        read_file(path)


def test_a_csv_with_a_header_only_has_no_examples(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("body,label\n", encoding="utf-8")
    assert read_file(path) == []


def test_a_bad_class_in_a_youtube_csv_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "yt.csv"
    path.write_text(
        "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\na,A,,fine,0\nb,B,,check my channel,2\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:3: label must be spam or ham"):
        read_file(path)


@pytest.mark.parametrize("body", ["", "   "])
def test_a_blank_body_in_a_csv_is_an_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(f"body,label\nfine,ham\n{body},spam\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:3: body is missing or blank"):
        read_file(path)


def test_a_short_csv_row_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("body,label\nonly a body\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:2: label"):
        read_file(path)


def test_extra_csv_values_beyond_the_header_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("body,label\nhello,ham,surplus,values\n", encoding="utf-8")
    assert read_file(path)[0].comment.body == "hello"


def test_a_quoted_csv_body_may_span_lines() -> None:
    [example] = read_csv('body,label\n"first line\nsecond line",ham\n', "mem.csv")
    assert example.comment.body == "first line\nsecond line"


def test_a_csv_error_after_a_multi_line_body_names_the_right_line() -> None:
    text = 'body,label\n"first line\nsecond line\nthird line",ham\nhello,maybe\n'
    with pytest.raises(DataError, match=r"^mem\.csv:5: "):
        list(read_csv(text, "mem.csv"))


# --- files and folders ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["labels.txt", "labels.tsv", "labels"])
def test_an_unknown_suffix_is_an_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"body": "a", "label": "ham"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="unknown format"):
        read_file(path)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"body": "caf\u00e9", "label": "ham"}\n'.encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_file(path)


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_file(tmp_path / "absent.jsonl")


def test_a_folder_stands_for_its_jsonl_and_csv_files_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    jsonl(folder / "b.jsonl", {"body": "from b", "label": "ham"})
    (folder / "a.csv").write_text("body,label\nfrom a,spam\n", encoding="utf-8")
    jsonl(folder / "c.JSONL", {"body": "from c", "label": "spam"})
    (folder / "notes.txt").write_text("not labels", encoding="utf-8")
    (folder / "README.md").write_text("# labels", encoding="utf-8")
    examples = read_paths([folder])
    assert [e.comment.body for e in examples] == ["from a", "from b", "from c"]
    assert [Path(e.source).name for e in examples] == ["a.csv", "b.jsonl", "c.JSONL"]


def test_files_and_folders_can_be_mixed_and_keep_their_order(tmp_path: Path) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    jsonl(folder / "x.jsonl", {"body": "in folder", "label": "ham"})
    single = jsonl(tmp_path / "single.jsonl", {"body": "single", "label": "spam"})
    assert [e.comment.body for e in read_paths([single, folder])] == ["single", "in folder"]


def test_a_folder_with_no_labeled_files_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(DataError, match=r"no \.jsonl or \.csv files"):
        read_paths([folder])


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(DataError, match=rf"^{re.escape(str(folder))}: no \.jsonl or \.csv files"):
        read_paths([folder])


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        read_paths([tmp_path / "nowhere"])


def test_an_error_in_one_file_of_a_folder_names_that_file(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    jsonl(folder / "a.jsonl", {"body": "fine", "label": "ham"})
    bad = jsonl(folder / "b.jsonl", {"body": "fine", "label": "ham"}, {"body": "x", "label": "?"})
    with pytest.raises(DataError, match=rf"^{re.escape(str(bad))}:2: "):
        read_paths([folder])
