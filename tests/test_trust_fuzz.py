"""Fuzz of the article reader (issue 8 part 8): arbitrary Unicode as an article body and as
front-matter values. Composing the issue either succeeds with every character accounted for
— the text on the pages is the normalised source (chars.normalize, chars.printed) — or fails
with a located TypesetError (file and line) for a reason the input really has: a refused
character or one without a glyph. Never another exception, never a lost character.

White space is compared loosely (`squash`): spaces at line ends are dropped by the line
breaker and white space at a paragraph's edges is not part of it (README, Sources); the
exact fate of spaces, tabs and the zero-width characters is tested case by case in
test_chars.py and test_trust_inputs.py.
"""
from __future__ import annotations

import json
import os
import re

from hypothesis import HealthCheck, event, given, settings, strategies as st

from typeset.build import Composition, compose
from typeset.errors import TypesetError
from typeset.layout.page import TextRun
from typeset.model import chars

EXAMPLES = int(os.environ.get("TYPESET_FUZZ_EXAMPLES", "40"))

# Mostly characters the fonts have, so that many examples build, plus the classes of
# chars.py and anything at all (every plane; Python strings cannot hold lone surrogates).
_COMMON = st.sampled_from(list("政协委员会议建设发展工作人民群众，。、；：？！“”《》（）——…")
                          + list("abcXYZ0129 .,;:!?-/%()[]*_#>`~|<&\\=+'\"") + ["\n", "\n\n"])
_KEPT = st.sampled_from(["\t", "  ", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060",
                         "\ufeff", "\u200e", "\u200f", "\u061c", "\ufe0f", "\ufe0e", "e\u0301",
                         "A\u030a", "\u3000", "\u00a0", "\r\n", "a\u0308\u0301"])
_REFUSED = st.sampled_from(["\u202e", "\u2066", "\u2028", "\u2029", "\x07", "\x00", "\x1b",
                            "\x7f", "\x85", "\ufe00", "\U000e0100", "\ufffe", "\U0010ffff",
                            "\u2062", "\U000e0041"])
_ODD = st.sampled_from(["\u0301", "\ue000", "\U0001f600", "\U00020000", "\u2003", "\ufffc"])
_ANY = st.characters(exclude_categories=("Cs",))
# half the examples from characters that should always build, half from anything at all
_TEXT = st.one_of(
    st.lists(st.one_of(_COMMON, _COMMON, _KEPT), min_size=1, max_size=30).map("".join),
    st.lists(st.one_of(_COMMON, _KEPT, _REFUSED, _ODD, _ANY), min_size=1,
             max_size=30).map("".join))

_ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_text(comp: Composition, roles: set[str]) -> str:
    """The text set on the body pages in runs of the given roles, in reading order of the
    composition (what the PDF shows: the run builder never emits invisible characters)."""
    return "".join(it.text for page in comp.body for it in page.items
                   if isinstance(it, TextRun) and it.role in roles)


def refused(text: str) -> bool:
    return any(chars.fate(ch) == chars.REFUSE for ch in text)


def write_issue(root, body: str, front: dict[str, str]) -> None:
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()]
    (root / "a.md").write_text("\n".join(lines) + "\n---\n\n正文开头。\n\n" + body + "\n",
                               encoding="utf-8")
    (root / "issue.yaml").write_text(
        "layout: guangxi\nyear: 2025\nnumber: 1\nsections:\n  - title: 栏目\n"
        "    articles: [a.md]\n", encoding="utf-8")


def build_or_located_error(root, source: str):
    """Compose; on failure check that the error is located and has a real cause."""
    try:
        comp = compose(root / "issue.yaml", use_cache=False)
        event("built")
        return comp
    except TypesetError as err:
        event("refused: " + ("character" if "cannot be printed" in str(err) else
                             "glyph" if "no glyph" in str(err) else "other"))
        assert err.file is not None and err.line is not None, str(err)
        assert err.hint, str(err)
        text = str(err)
        assert ("cannot be printed" in text and refused(source)) or "no glyph for" in text \
            or "empty" in text, text
        return None


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(_TEXT)
def test_any_body_text_builds_with_every_character_or_fails_located(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("fuzz-body")
    text = text.replace("\r\n", "\n").replace("\r", "\n")   # a line break in a file
    # every ASCII punctuation character escaped: the text is plain paragraphs, all printed
    body = _ASCII_PUNCT.sub(r"\\\1", text)
    write_issue(root, body, {"title": "标题"})
    comp = build_or_located_error(root, text)
    if comp is None:
        return
    assert not refused(text)
    expected = "正文开头。" + chars.printed(chars.normalize(text.replace("\n", " ")))
    assert squash(page_text(comp, {"body"})) == squash(expected)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(_TEXT, _TEXT, _TEXT)
def test_any_front_matter_builds_with_every_character_or_fails_located(tmp_path_factory,
                                                                       title, subtitle, lead):
    root = tmp_path_factory.mktemp("fuzz-front")
    write_issue(root, "正文。", {"title": title, "subtitle": subtitle, "lead": lead})
    comp = build_or_located_error(root, title + subtitle + lead)
    if comp is None:
        return
    lines = [chars.printed(chars.normalize(t)) for t in title.rstrip("\n").split("\n")]
    assert squash(page_text(comp, {"title"})) == squash("".join(lines))
    for value, role in ((subtitle, "subtitle"), (lead, "lead")):
        shown = chars.printed(chars.normalize(value))
        assert squash(page_text(comp, {role})) == squash(shown if shown.strip() else "")


_MARKDOWN = st.lists(st.one_of(
    st.sampled_from(["\n", "\n\n", "- ", "  - ", "> ", "1. ", "## ", "# ", "**", "*", "_", "`",
                     "```", "---", "===", "[", "](", ")", "<", ">", "&amp;", "&#x202E;",
                     "&#0;", "\\", "|", "    ", "\t", "<!--", "-->", "![", "<https://a.b>"]),
    _COMMON, _KEPT, _ANY), min_size=1, max_size=40).map("".join)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(_MARKDOWN)
def test_any_markdown_builds_or_fails_located(tmp_path_factory, text):
    """Raw Markdown constructs (unescaped): never a traceback, and a failure names its place."""
    root = tmp_path_factory.mktemp("fuzz-md")
    write_issue(root, text, {"title": "标题"})
    try:
        comp = compose(root / "issue.yaml", use_cache=False)
    except TypesetError as err:
        event("refused")
        assert err.file is not None and err.line is not None and err.hint, str(err)
        return
    event("built")
    shown = squash(page_text(comp, {"body", "subhead2", "subhead3"}))
    assert shown.startswith("正文开头。")
