"""Bad input in manifests and articles: every error names file, line (and column) and a hint."""
from __future__ import annotations

from pathlib import Path

import pytest

from typeset.errors import TypesetError
from typeset.model.article import load_article
from typeset.model.manifest import load_issue

ARTICLE = "---\ntitle: 标题\n---\n\n正文。\n"
MANIFEST = """\
layout: guangxi
year: 2024
number: 2
sections:
  - title: 政协动态
    articles:
      - articles/01-a.md
      - articles/02-b.md
"""


def issue_dir(tmp_path: Path, manifest: str, articles: dict[str, str] | None = None) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    if articles is None:
        articles = {"01-a.md": ARTICLE, "02-b.md": ARTICLE}
    for name, text in articles.items():
        (tmp_path / "articles" / name).write_text(text, encoding="utf-8")
    path = tmp_path / "issue.yaml"
    path.write_text(manifest, encoding="utf-8")
    return path


def issue_error(tmp_path: Path, manifest: str, articles: dict[str, str] | None = None,
                **kwargs) -> TypesetError:
    path = issue_dir(tmp_path, manifest, articles)
    with pytest.raises(TypesetError) as info:
        load_issue(path, **kwargs)
    err = info.value
    assert err.hint, "every error says what to do"
    assert err.file is not None
    return err


def article_error(tmp_path: Path, text: str | bytes) -> TypesetError:
    path = tmp_path / "a.md"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(TypesetError) as info:
        load_article(path)
    err = info.value
    assert err.file == str(path)
    assert err.hint
    return err


def test_the_base_case_loads(tmp_path):
    issue = load_issue(issue_dir(tmp_path, MANIFEST))
    assert [len(s.articles) for s in issue.sections] == [2]


# --- manifest -------------------------------------------------------------------------------

def test_malformed_yaml_in_manifest(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("title: 政协动态", "title: 政协: 动态"))
    assert err.file == str(tmp_path / "issue.yaml")
    assert (err.line, err.column) == (5, 14)   # the second ':'
    assert err.message.startswith("malformed YAML")
    assert "quotes" in err.hint


def test_unclosed_quote(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("title: 政协动态", 'title: "政协动态'))
    assert err.message.startswith("malformed YAML") and err.line is not None
    assert "quote" in err.hint


def test_full_width_colon(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("year: 2024", "year：2024"))
    assert (err.line, err.column) == (2, 1)
    assert "：" in err.hint


def test_tab_indentation(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("  - title", "\t- title"))
    assert err.line == 5 and "tabs" in err.hint


def test_missing_layout(tmp_path):
    manifest = MANIFEST.replace("layout: guangxi\n", "")
    err = issue_error(tmp_path, manifest)
    assert err.message == "missing required key 'layout' in issue manifest"
    assert err.line == 1 and "--layout" in err.hint
    assert load_issue(tmp_path / "issue.yaml", layout="guangxi").layout == "guangxi"


@pytest.mark.parametrize("key", ["year", "number", "sections"])
def test_missing_required_keys(tmp_path, key):
    lines = MANIFEST.split("\n")
    if key == "sections":
        manifest = "\n".join(lines[:3]) + "\n"
    else:
        manifest = "\n".join(line for line in lines if not line.startswith(key))
    err = issue_error(tmp_path, manifest)
    assert err.message == f"missing required key '{key}' in issue manifest"
    assert err.line == 1 and f"{key}:" in err.hint


@pytest.mark.parametrize("old, new, line, column, message", [
    ("year: 2024", "year: abc", 2, 7, "year: expected a whole number, got 'abc'"),
    ("year: 2024", "year: 24", 2, 7, "year: expected a four-digit year"),
    ("number: 2", "number: 2.5", 3, 9, "number: issue number '2.5' is not a number typeset "
                                       "accepts (YAML would read it as something else: 1:30 "
                                       "as 90, 0x10 as 16, 1_000 as 1000)"),
    ("number: 2", "number: [2]", 3, 9, "number: expected text, got a list"),
    ("number: 2", "number: 0", 3, 9, "number: the issue number must be 1 or more"),
    ("number: 2", "number: 2\ndate: 2024-15-03", 4, 7,
     "date: expected a date (YYYY-MM-DD), got '2024-15-03'"),
    ("number: 2", "number: 2\njournal: [a, b]", 4, 10, "journal: expected text, got a list"),
    ("layout: guangxi", "layout: {name: g}", 1, 9, "layout: expected text, got a mapping"),
])
def test_wrong_types(tmp_path, old, new, line, column, message):
    err = issue_error(tmp_path, MANIFEST.replace(old, new))
    assert err.message == message
    assert (err.line, err.column) == (line, column)


def test_wrong_type_hint_shows_field_doc(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("year: 2024", "year: abc"))
    assert err.hint == "year: year of the issue, e.g. 2024"


@pytest.mark.parametrize("old, new, line, column, message", [
    ("year: 2024", "yaer: 2024", 2, 1,
     "unknown key 'yaer' in issue manifest; did you mean 'year'?"),
    ("sections:", "section:", 4, 1,
     "unknown key 'section' in issue manifest; did you mean 'sections'?"),
    ("    articles:", "    artciles:", 6, 5,
     "unknown key 'artciles' in sections[1] of issue manifest; did you mean 'articles'?"),
    ("number: 2", "number: 2\ncolophon:\n  - lable: 编辑\n    text: 李明", 5, 5,
     "unknown key 'lable' in colophon[1] of issue manifest; did you mean 'label'?"),
])
def test_unknown_keys(tmp_path, old, new, line, column, message):
    err = issue_error(tmp_path, MANIFEST.replace(old, new))
    assert err.message == message
    assert (err.line, err.column) == (line, column)


def test_duplicate_key(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("number: 2", "number: 2\nyear: 2025"))
    assert err.message == "key 'year' is given twice"
    assert (err.line, err.column) == (4, 1) and "line 2" in err.hint


def test_empty_section(tmp_path):
    manifest = MANIFEST.split("    articles:")[0] + "    articles: []\n"
    err = issue_error(tmp_path, manifest)
    assert err.message == "sections[1].articles: a section must list at least one article"
    assert (err.line, err.column) == (6, 15)


def test_section_with_empty_articles_value(tmp_path):
    manifest = MANIFEST.split("    articles:")[0] + "    articles:\n"
    err = issue_error(tmp_path, manifest)
    assert err.message.startswith("sections[1].articles: expected a list of text, got nothing")
    assert err.line == 6


def test_section_without_title(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("  - title: 政协动态\n    articles:",
                                                 "  - articles:"))
    assert err.message == "missing required key 'title' in sections[1] of issue manifest"
    assert (err.line, err.column) == (5, 5)
    assert "title:" in err.hint


def test_section_with_empty_title(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("title: 政协动态", "title: ''"))
    assert err.message == "sections[1].title: title is empty" and err.line == 5


def test_no_sections(tmp_path):
    manifest = MANIFEST.split("sections:")[0] + "sections: []\n"
    err = issue_error(tmp_path, manifest)
    assert err.message == "sections: the issue has no sections" and err.line == 4


def test_missing_article_file_names_manifest_line(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("02-b.md", "02-c.md"))
    assert err.file == str(tmp_path / "issue.yaml")
    assert err.message == "article file not found: articles/02-c.md"
    assert (err.line, err.column) == (8, 9)
    assert "did you mean 'articles/02-b.md'?" in err.hint
    assert "relative to the manifest" in err.hint


def test_missing_article_folder(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("articles/02-b.md", "texts/02-b.md"))
    assert err.line == 8 and "does not exist" in err.hint


def test_article_path_is_a_folder(tmp_path):
    err = issue_error(tmp_path, MANIFEST.replace("articles/02-b.md", "articles"))
    assert err.message == "article file is a folder, not an article file: articles"


def test_article_listed_twice(tmp_path):
    manifest = MANIFEST + "  - title: 市县政协\n    articles:\n      - ./articles/01-a.md\n"
    err = issue_error(tmp_path, manifest)
    assert err.message == "article './articles/01-a.md' is listed twice"
    assert (err.line, err.column) == (11, 9)
    assert "line 7" in err.hint


def test_article_listed_again_through_a_hard_link(tmp_path):
    """The same file under another name (a hard link: how some desks "copy" on a shared
    drive) is the same article: refused like `./`, `..` or a symbolic link, at its line
    (adversarial round 8: it was built and printed twice)."""
    import os
    manifest = MANIFEST + "      - articles/copy.md\n"
    issue_dir(tmp_path, manifest)
    os.link(tmp_path / "articles" / "01-a.md", tmp_path / "articles" / "copy.md")
    err = issue_error(tmp_path, manifest)
    assert err.message == "article 'articles/copy.md' is listed twice"
    assert (err.line, err.column) == (9, 9)
    assert "line 7" in err.hint
    # a copy (another inode) is another article
    os.unlink(tmp_path / "articles" / "copy.md")
    (tmp_path / "articles" / "copy.md").write_bytes(
        (tmp_path / "articles" / "01-a.md").read_bytes())
    assert len(load_issue(tmp_path / "issue.yaml").sections[0].articles) == 3


def test_manifest_not_a_mapping(tmp_path):
    err = issue_error(tmp_path, "- layout: x\n- year: 2024\n")
    assert err.message == "issue manifest: expected a mapping (key: value lines), got a list"
    assert err.line == 1


def test_manifest_not_found(tmp_path):
    with pytest.raises(TypesetError) as info:
        load_issue(tmp_path / "nope.yaml")
    assert info.value.message == "issue manifest not found" and info.value.hint


def test_manifest_not_utf8(tmp_path):
    path = tmp_path / "issue.yaml"
    path.write_bytes(MANIFEST.replace("政协动态", "政协").encode("gb18030"))
    with pytest.raises(TypesetError) as info:
        load_issue(path)
    err = info.value
    assert err.message.startswith("issue manifest is not valid UTF-8")
    assert (err.line, err.column) == (5, 12)
    assert "GB18030" in err.hint


def test_error_in_listed_article_names_the_article(tmp_path):
    err = issue_error(tmp_path, MANIFEST, {"01-a.md": ARTICLE, "02-b.md": "---\ntitel: x\n---\n正文\n"})
    assert err.file == str(tmp_path / "articles" / "02-b.md")
    assert err.line == 2


# --- articles -------------------------------------------------------------------------------

def test_malformed_yaml_in_front_matter_has_md_line_numbers(tmp_path):
    err = article_error(tmp_path, "\n---\ntitle: 标题\nsubtitle: 甲: 乙\nnote: 丙\n---\n正文\n")
    assert err.message.startswith("malformed YAML")
    assert (err.line, err.column) == (4, 12)
    assert "front matter" in err.hint


def test_unclosed_bracket_in_front_matter(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nauthors: [吴宁, 艾晓敏\n---\n正文\n")
    assert err.message.startswith("malformed YAML") and err.line in (3, 4)


def test_no_front_matter(tmp_path):
    err = article_error(tmp_path, "正文第一段。\n")
    assert err.message == "article has no front matter (the first line must be '---')"
    assert (err.line, err.column) == (1, 1)


def test_front_matter_without_opening_fence(tmp_path):
    err = article_error(tmp_path, "title: 标题\n---\n正文\n")
    assert err.line == 1 and "before the front matter" in err.hint


def test_unterminated_front_matter(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\n\n正文。\n")
    assert err.message == "front matter is not closed"
    assert err.line == 1 and "'---'" in err.hint


def test_empty_article_file(tmp_path):
    err = article_error(tmp_path, "\n\n")
    assert err.message == "article file is empty"


def test_front_matter_full_width_colon(tmp_path):
    err = article_error(tmp_path, "---\ntitle：标题\n---\n正文\n")
    assert err.line == 2 and "：" in err.hint


def test_missing_title(tmp_path):
    err = article_error(tmp_path, "---\nsubtitle: 副题\n---\n正文\n")
    assert err.message == "missing required key 'title' in front matter"
    assert err.line == 2 and "title:" in err.hint


def test_empty_front_matter(tmp_path):
    err = article_error(tmp_path, "---\n---\n正文\n")
    assert err.message == "missing required key 'title' in front matter" and err.line == 1


@pytest.mark.parametrize("title, message", [
    ("''", "title is empty"),
    ("\n  - 第一行\n  - ''", "a title line is empty"),
    ("{a: b}", "title: expected text or a list of text, got a mapping"),
])
def test_bad_titles(tmp_path, title, message):
    err = article_error(tmp_path, f"---\ntitle: {title}\n---\n正文\n")
    assert err.message == message and err.line in (2, 3)


def test_unknown_front_matter_key(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nauther: [吴宁]\n---\n正文\n")
    assert err.message == "unknown key 'auther' in front matter; did you mean 'authors'?"
    assert (err.line, err.column) == (3, 1)


def test_authors_given_as_one_string(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nauthors: 吴宁、艾晓敏\n---\n正文\n")
    assert err.message == "authors: '吴宁、艾晓敏' looks like several names"
    assert (err.line, err.column) == (3, 10) and "[吴宁, 艾粤敏]" in err.hint


def test_authors_wrong_type(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nauthors: {吴宁: 1}\n---\n正文\n")
    assert err.message == "authors: expected text or a list of text, got a mapping"


def test_empty_body(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\n---\n\n\n")
    assert err.message == "article has no body text" and err.line == 3
    assert "below the closing '---'" in err.hint


def test_markdown_error_has_md_line_numbers(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nnote: 注\n---\n\n正文。\n\n# 大标题\n")
    assert err.message.startswith("heading level 1") and (err.line, err.column) == (8, 1)


def test_article_not_utf8(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\n---\n正文\n".encode("gb18030"))
    assert err.message.startswith("article file is not valid UTF-8")
    assert (err.line, err.column) == (2, 8) and "GB18030" in err.hint


def test_error_string_format(tmp_path):
    err = article_error(tmp_path, "---\ntitle: 标题\nauther: x\n---\n正文\n")
    text = str(err)
    assert text.startswith(f"{tmp_path / 'a.md'}:3:1: unknown key 'auther'")
    assert "\n  hint: " in text


# --- issue 8: YAML caps, merge keys, files that are not sources --------------------------------

def test_merge_keys_written_keys_win_without_given_twice():
    from typeset.model.yamlsrc import load_yaml

    data = load_yaml(Path("m.yaml"), "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")
    assert data["use"] == {"x": 1, "y": 3}
    with pytest.raises(TypesetError) as info:
        load_yaml(Path("m.yaml"), "use:\n  <<: 5\n")
    assert info.value.line == 2 and "'<<' must name a mapping" in info.value.message


def test_a_fifo_is_not_read(tmp_path):
    import os

    fifo = tmp_path / "issue.yaml"
    os.mkfifo(fifo)
    with pytest.raises(TypesetError) as info:
        load_issue(fifo)                      # must not block waiting for a writer
    assert "not a regular file" in info.value.message


def test_a_source_file_past_the_size_cap(tmp_path, monkeypatch):
    from typeset.model import yamlsrc

    monkeypatch.setattr(yamlsrc, "MAX_SOURCE_BYTES", 1000)
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: 标题\n---\n\n" + "政协" * 400 + "\n", encoding="utf-8")
    with pytest.raises(TypesetError) as info:
        load_article(path)
    assert "MB" in info.value.message and info.value.line == 1 and info.value.hint
